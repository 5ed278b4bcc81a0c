import asyncio
from asyncio import CancelledError


async def loop_forever(queue):
    while True:
        try:
            await queue.get()
        except CancelledError:
            break
