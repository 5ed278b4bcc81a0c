import asyncio


async def handler(main_loop):
    future = asyncio.run_coroutine_threadsafe(fetch_report(), main_loop)
    return future
