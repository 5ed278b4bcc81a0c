from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware

app = FastAPI()
app.add_middleware(GZipMiddleware, minimum_size=500)


@app.get("/health")
async def health():
    return {"middleware": len(app.user_middleware)}
