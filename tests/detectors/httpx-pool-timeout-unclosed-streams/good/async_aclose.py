import httpx


async def mirror(client: httpx.AsyncClient, url: str, out) -> bool:
    response = await client.send(client.build_request("GET", url), stream=True)
    try:
        if response.status_code == 404:
            return False
        response.raise_for_status()
        async for chunk in response.aiter_bytes():
            out.write(chunk)
        return True
    finally:
        await response.aclose()


async def mirror_with(client: httpx.AsyncClient, url: str, out) -> None:
    async with client.stream("GET", url) as response:
        async for chunk in response.aiter_bytes():
            out.write(chunk)
