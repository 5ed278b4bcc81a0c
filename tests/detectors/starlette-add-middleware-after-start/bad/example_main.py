from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware


@asynccontextmanager
async def lifespan(app):
    app.add_middleware(CORSMiddleware, allow_origins=await load_origins())
    yield
