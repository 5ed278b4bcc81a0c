import asyncio


async def run(jobs):
    try:
        async with asyncio.TaskGroup() as tg:
            for job in jobs:
                tg.create_task(job())
    except Exception:
        raise
