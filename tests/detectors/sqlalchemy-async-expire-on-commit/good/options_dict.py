from sqlalchemy.ext.asyncio import async_sessionmaker

SESSION_OPTIONS = {"expire_on_commit": False, "autoflush": False}
SessionFactory = async_sessionmaker(engine, **SESSION_OPTIONS)
