from fastapi import FastAPI, Request
from fastapi.middleware.gzip import GZipMiddleware


def create_app(settings) -> FastAPI:
    app = FastAPI()
    if settings.gzip:
        app.add_middleware(GZipMiddleware, minimum_size=settings.gzip_min_size)

    @app.middleware("http")
    async def add_version(request: Request, call_next):
        response = await call_next(request)
        response.headers["x-version"] = settings.version
        return response

    return app
