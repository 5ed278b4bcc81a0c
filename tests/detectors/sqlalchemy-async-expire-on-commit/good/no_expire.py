from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

SessionFactory = async_sessionmaker(engine, expire_on_commit=False)
session = AsyncSession(engine, expire_on_commit=False)
