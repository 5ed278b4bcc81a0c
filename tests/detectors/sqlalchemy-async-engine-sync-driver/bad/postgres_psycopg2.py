from sqlalchemy.ext.asyncio import create_async_engine

engine = create_async_engine(
    "postgresql+psycopg2://app:secret@db/app", pool_size=10
)
