from contextlib import asynccontextmanager


@asynccontextmanager
async def get_session():
    async with SessionLocal() as session:
        yield session


async def nightly_job():
    async with get_session() as session:
        await session.execute(purge())
