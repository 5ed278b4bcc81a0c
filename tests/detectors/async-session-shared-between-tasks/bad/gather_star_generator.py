import asyncio

from app.db import SessionLocal


async def load_many(ids):
    async with SessionLocal() as s:
        rows = await asyncio.gather(*(s.get(Item, i) for i in ids))
    return rows
