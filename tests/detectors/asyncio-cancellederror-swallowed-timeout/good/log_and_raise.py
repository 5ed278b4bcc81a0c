import asyncio
import logging


async def worker():
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        logging.info("cancelled")
        raise
