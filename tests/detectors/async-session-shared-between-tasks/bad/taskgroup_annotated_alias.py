import asyncio
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

DbSession = Annotated[AsyncSession, Depends(get_db)]


async def refresh_all(uow: DbSession, ids: list[int]) -> None:
    async with asyncio.TaskGroup() as tg:
        for item_id in ids:
            tg.create_task(refresh_item(uow, item_id))
