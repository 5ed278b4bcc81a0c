import asyncio
import threading


def worker():
    loop = asyncio.get_event_loop()
    loop.run_until_complete(poll())


threading.Thread(target=worker).start()
