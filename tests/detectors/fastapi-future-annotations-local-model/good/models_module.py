from __future__ import annotations

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel


class ItemIn(BaseModel):
    name: str


def build_router(store) -> APIRouter:
    router = APIRouter()

    @router.post("/items")
    async def create(item: ItemIn):
        return await store.add(item)

    return router


def create_app(store):
    app = FastAPI()
    app.include_router(build_router(store))
    return app
