import anyio


async def main(group):
    group.create_task(work())
    async with anyio.create_task_group() as tg:
        tg.start_soon(work)
