from sqlalchemy.ext.asyncio import create_async_engine

engine = create_async_engine("sqlite+aiosqlite:///app.db")
pg = create_async_engine("postgresql+asyncpg://app@db/app")
pg3 = create_async_engine("postgresql+psycopg://app@db/app")
