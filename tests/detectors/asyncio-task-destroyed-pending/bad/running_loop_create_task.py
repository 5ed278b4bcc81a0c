import asyncio


async def schedule(job):
    asyncio.get_running_loop().create_task(job.run())
