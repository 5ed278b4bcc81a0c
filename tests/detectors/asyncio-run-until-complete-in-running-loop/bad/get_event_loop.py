import asyncio


async def refresh_cache():
    loop = asyncio.get_event_loop()
    return loop.run_until_complete(load_all())
