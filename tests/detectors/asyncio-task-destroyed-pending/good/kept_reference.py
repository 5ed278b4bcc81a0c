import asyncio

background_tasks = set()


async def on_event(event):
    task = asyncio.create_task(notify(event))
    background_tasks.add(task)
    task.add_done_callback(background_tasks.discard)
