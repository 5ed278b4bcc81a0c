from sqlalchemy import select


async def get_titles(session):
    result = await session.execute(select(Book.title))
    await session.commit()
    return result.scalars().all()
