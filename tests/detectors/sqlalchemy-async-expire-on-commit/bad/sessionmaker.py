from sqlalchemy.ext.asyncio import async_sessionmaker

SessionFactory = async_sessionmaker(engine)
