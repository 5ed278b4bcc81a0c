import httpx

client = httpx.Client(base_url="https://files.internal")


def open_export(export_id: str) -> httpx.Response:
    request = client.build_request("GET", f"/exports/{export_id}")
    return client.send(request, stream=True)
