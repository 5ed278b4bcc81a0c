import asyncio

import httpx


async def fetch_all(client: httpx.AsyncClient, urls: list[str]):
    return await asyncio.gather(client.get(urls[0]), client.get(urls[1]))
