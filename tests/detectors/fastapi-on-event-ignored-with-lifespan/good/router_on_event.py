from fastapi import APIRouter, FastAPI

router = APIRouter()


@router.on_event("startup")
async def warm_cache():
    await cache.load()


app = FastAPI(lifespan=lifespan)
app.include_router(router)
