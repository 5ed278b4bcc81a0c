import httpx


async def first_line(client: httpx.AsyncClient, url: str) -> str:
    request = client.build_request("GET", url)
    response = await client.send(request, stream=True)
    async for line in response.aiter_lines():
        return line
    return ""
