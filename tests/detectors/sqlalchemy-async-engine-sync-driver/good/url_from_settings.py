from sqlalchemy.ext.asyncio import create_async_engine

engine = create_async_engine(settings.database_url, pool_pre_ping=True)
aiomysql = create_async_engine("mysql+aiomysql://app@db/app")
