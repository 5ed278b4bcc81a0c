from __future__ import annotations

import pydantic
from fastapi import APIRouter


def build_router() -> APIRouter:
    router = APIRouter()

    class Rename(pydantic.BaseModel):
        name: str

    @router.put("/users/{user_id}")
    async def rename(user_id: int, body: Rename):
        return {"id": user_id, "name": body.name}

    return router
