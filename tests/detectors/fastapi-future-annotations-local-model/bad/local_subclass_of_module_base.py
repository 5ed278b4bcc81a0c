from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel


class Schema(BaseModel):
    model_config = {"extra": "forbid"}


def create_app():
    class Item(Schema):
        name: str

    app = FastAPI()

    @app.post("/items")
    def create(item: Item):
        return item

    return app
