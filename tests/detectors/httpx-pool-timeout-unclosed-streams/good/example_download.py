def download(client, url):
    response = client.send(client.build_request("GET", url), stream=True)
    try:
        return b"".join(response.iter_bytes())
    finally:
        response.close()


def download_with(client, url):
    with client.stream("GET", url) as response:
        return b"".join(response.iter_bytes())
