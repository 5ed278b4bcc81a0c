from sqlalchemy import select


async def list_users(session):
    result = await session.execute(select(User).where(User.active))
    return result.scalars().all()
