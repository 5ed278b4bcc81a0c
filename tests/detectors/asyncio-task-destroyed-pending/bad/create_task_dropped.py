import asyncio


async def on_event(event):
    asyncio.create_task(notify(event))
