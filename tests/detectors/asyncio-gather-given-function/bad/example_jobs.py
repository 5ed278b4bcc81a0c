import asyncio


async def job():
    return 1


async def main():
    return await asyncio.gather(job, job)
