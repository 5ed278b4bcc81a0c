from app.orders import save_order as persist


async def checkout(order):
    persist(order)
    return {"ok": True}
