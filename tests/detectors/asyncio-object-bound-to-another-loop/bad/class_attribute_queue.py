import asyncio


class Jobs:
    queue = asyncio.Queue()

    async def put(self, job):
        await self.queue.put(job)
