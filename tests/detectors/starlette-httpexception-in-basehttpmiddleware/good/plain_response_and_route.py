from fastapi import FastAPI, HTTPException
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import PlainTextResponse

app = FastAPI()


class RateLimit(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        if await request.app.state.limiter.exceeded(request.client.host):
            return PlainTextResponse("Too Many Requests", status_code=429)
        return await call_next(request)


@app.get("/items/{item_id}")
async def read_item(item_id: int):
    if item_id < 0:
        raise HTTPException(status_code=404, detail="not found")
    return {"id": item_id}


app.add_middleware(RateLimit)
