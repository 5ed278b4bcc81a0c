import httpx


async def mirror(client: httpx.AsyncClient, url: str, out) -> bool:
    request = client.build_request("GET", url)
    response = await client.send(request, stream=True)
    if response.status_code == 404:
        return False
    response.raise_for_status()
    async for chunk in response.aiter_bytes():
        out.write(chunk)
    return True
