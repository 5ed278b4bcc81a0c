import asyncio


async def finish(session):
    task = asyncio.create_task(session.commit())
    await task
