from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware


def create_app(settings):
    app = FastAPI()
    app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins)
    return app
