from __future__ import annotations

from fastapi import FastAPI
from pydantic_settings import BaseSettings


def create_app():
    class Settings(BaseSettings):
        env: str = "dev"

    settings = Settings()
    app = FastAPI()

    @app.get("/health")
    def health():
        return {"env": settings.env}

    return app
