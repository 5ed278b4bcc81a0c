import asyncio


async def save_order(order):
    await db.insert(order)


async def checkout(order):
    await save_order(order)
    task = asyncio.create_task(save_order(order))
    return task
