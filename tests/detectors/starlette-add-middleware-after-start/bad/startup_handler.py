from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware

app = FastAPI()


@app.on_event("startup")
async def setup():
    app.add_middleware(GZipMiddleware)
