from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel


class Item(BaseModel):
    name: str


def create_app():
    app = FastAPI()

    @app.post("/items")
    def create(item: Item):
        return item

    return app
