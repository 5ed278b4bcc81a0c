import asyncio


async def handler(loop):
    def blocking_report():
        return asyncio.run(fetch_report())  # runs in a worker thread, which has no loop

    return await loop.run_in_executor(None, blocking_report)
