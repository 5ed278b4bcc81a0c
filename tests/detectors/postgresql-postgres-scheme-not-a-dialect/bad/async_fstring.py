import os

from sqlalchemy.ext.asyncio import create_async_engine

engine = create_async_engine(f"postgres://{os.environ['DB_USER']}@db/app", pool_size=5)
