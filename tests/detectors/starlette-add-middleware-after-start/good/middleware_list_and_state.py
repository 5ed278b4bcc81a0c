from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware

from app.settings import load_origins


@asynccontextmanager
async def lifespan(app):
    app.state.origins = await load_origins()
    yield


app = FastAPI(lifespan=lifespan, middleware=[Middleware(GZipMiddleware, minimum_size=500)])
app.add_middleware(CORSMiddleware, allow_origin_regex=r"https://.*\.example\.com")


@app.middleware("http")
async def reject_unknown_origin(request: Request, call_next):
    origin = request.headers.get("origin")
    if origin and origin not in request.app.state.origins:
        from fastapi.responses import PlainTextResponse

        return PlainTextResponse("origin not allowed", status_code=403)
    return await call_next(request)
