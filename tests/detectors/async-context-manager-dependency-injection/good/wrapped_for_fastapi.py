from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends


@asynccontextmanager
async def lifespan_session():
    async with SessionLocal() as session:
        yield session


async def get_db():
    async with lifespan_session() as session:
        yield session


DbSession = Annotated[object, Depends(get_db)]
