import fastapi
from contextlib import asynccontextmanager


@asynccontextmanager
async def lifespan(app):
    app.state.pool = await make_pool()
    yield


application = fastapi.FastAPI(title="billing", lifespan=lifespan)


@application.on_event("shutdown")
async def close_pool():
    await application.state.pool.close()
