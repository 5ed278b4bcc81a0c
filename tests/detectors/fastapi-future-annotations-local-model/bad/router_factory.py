from __future__ import annotations

import pydantic
from fastapi import APIRouter


def build_router(store) -> APIRouter:
    router = APIRouter(prefix="/items")

    class ItemUpdate(pydantic.BaseModel):
        name: str
        price: float

    @router.put("/{item_id}")
    async def update_item(item_id: int, update: ItemUpdate):
        await store.save(item_id, update.model_dump())
        return {"id": item_id}

    return router
