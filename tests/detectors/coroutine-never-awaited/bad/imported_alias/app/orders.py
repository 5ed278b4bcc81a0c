async def save_order(order):
    await db.insert(order)
