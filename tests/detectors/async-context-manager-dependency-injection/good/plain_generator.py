from contextlib import asynccontextmanager

from fastapi import Depends


@asynccontextmanager
async def get_session():
    async with SessionLocal() as session:
        yield session


async def get_db():
    async with get_session() as session:
        yield session


async def current_user(db=Depends(get_db)):
    return await db.get(User, 1)
