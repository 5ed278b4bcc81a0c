import asyncio

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession


async def dashboard(session: AsyncSession) -> tuple[int, int]:
    users, orders = await asyncio.gather(
        session.execute(select(User)),
        session.execute(select(Order)),
    )
    return len(users.all()), len(orders.all())
