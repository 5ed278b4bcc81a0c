import asyncio

from sqlalchemy.ext.asyncio import AsyncSession


async def load_user(session: AsyncSession, user_id: int):
    return await asyncio.wait_for(fetch_user(session, user_id), timeout=5)
