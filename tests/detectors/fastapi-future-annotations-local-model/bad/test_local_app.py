from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel


def test_post_item():
    app = FastAPI()

    class Payload(BaseModel):
        name: str

    @app.post("/items")
    def create(payload: Payload):
        return {"name": payload.name}

    client = TestClient(app)
    response = client.post("/items", json={"name": "x"})
    assert response.status_code == 200
