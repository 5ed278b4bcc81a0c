from fastapi import FastAPI

app = FastAPI(lifespan=lifespan)


@app.on_event("startup")
async def warm_cache():
    await cache.load()
