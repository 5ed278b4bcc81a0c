from sqlalchemy import select


async def get_titles(session):
    result = session.execute(select(Book.title))
    return result.scalars().all()
