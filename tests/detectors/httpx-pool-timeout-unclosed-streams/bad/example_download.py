def download(client, url):
    response = client.send(client.build_request("GET", url), stream=True)
    if response.status_code != 200:
        return None
    return b"".join(response.iter_bytes())
