import asyncio
import time


async def handler():
    def slow():
        time.sleep(1)

    await asyncio.to_thread(slow)
