from contextlib import asynccontextmanager

from app.db import SessionFactory


@asynccontextmanager
async def get_request_scoped_db_session():
    async with SessionFactory() as session:
        yield session
