import asyncio

from sqlalchemy.ext.asyncio import AsyncSession

from app.db import engine

shared = AsyncSession(engine)


async def handle(event):
    asyncio.create_task(audit(shared, event))
    await save(shared, event)
