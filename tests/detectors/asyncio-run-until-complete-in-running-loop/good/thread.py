import asyncio


def worker():
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(poll())
    finally:
        loop.close()
