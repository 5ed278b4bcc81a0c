import asyncio


async def job(n):
    return n


async def main():
    tasks = {asyncio.create_task(job(n)) for n in range(3)}
    await asyncio.wait(tasks)
