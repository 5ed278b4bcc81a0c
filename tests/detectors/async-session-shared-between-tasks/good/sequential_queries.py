from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession


async def dashboard(db: AsyncSession):
    users = (await db.execute(select(User))).scalars().all()
    orders = (await db.execute(select(Order))).scalars().all()
    return users, orders
