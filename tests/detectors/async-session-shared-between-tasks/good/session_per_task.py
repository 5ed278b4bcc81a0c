import asyncio

from sqlalchemy.ext.asyncio import async_sessionmaker


async def dashboard(session_factory: async_sessionmaker):
    async def count(model):
        async with session_factory() as session:
            return await count_rows(session, model)

    return await asyncio.gather(count(User), count(Order))
