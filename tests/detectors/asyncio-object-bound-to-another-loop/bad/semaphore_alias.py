from asyncio import Semaphore

LIMIT = Semaphore(10)


async def fetch(client, url):
    async with LIMIT:
        return await client.get(url)
