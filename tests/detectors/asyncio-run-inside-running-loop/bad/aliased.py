from asyncio import run as run_async


async def sync_bridge():
    return run_async(load())
