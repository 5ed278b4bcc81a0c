import asyncio


async def on_batch(events):
    async with asyncio.TaskGroup() as tg:
        for event in events:
            tg.create_task(notify(event))
