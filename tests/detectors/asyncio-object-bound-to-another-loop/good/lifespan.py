import asyncio
from contextlib import asynccontextmanager


@asynccontextmanager
async def lifespan(app):
    app.state.jobs = asyncio.Queue()
    yield
