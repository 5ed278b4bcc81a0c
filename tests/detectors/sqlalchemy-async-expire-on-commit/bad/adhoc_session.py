from sqlalchemy.ext.asyncio import AsyncSession


async def create_author(engine, name):
    async with AsyncSession(engine) as session:
        author = Author(name=name)
        session.add(author)
        await session.commit()
        return author.id
