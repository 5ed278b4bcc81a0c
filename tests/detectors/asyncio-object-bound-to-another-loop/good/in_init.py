import asyncio


class Refresher:
    def __init__(self):
        self._lock = asyncio.Lock()

    async def refresh(self):
        async with self._lock:
            await reload()
