from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel


def create_app():
    class Item(BaseModel):
        name: str

    app = FastAPI()

    @app.post("/items")
    def create(item: Item):
        return item

    return app
