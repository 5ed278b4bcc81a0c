import asyncio


async def start():
    ev = asyncio.get_running_loop()
    ev.create_task(refresh_cache())
