import asyncio

_refresh_lock = asyncio.Lock()


async def refresh():
    async with _refresh_lock:
        await reload()
