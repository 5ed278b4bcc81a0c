from contextlib import asynccontextmanager

from fastapi import FastAPI


@asynccontextmanager
async def lifespan(app):
    await cache.load()
    yield


app = FastAPI(lifespan=lifespan)
