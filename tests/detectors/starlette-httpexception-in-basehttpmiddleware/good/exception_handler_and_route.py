from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse
from starlette.middleware.base import BaseHTTPMiddleware

app = FastAPI()


class Timing(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        response = await call_next(request)
        response.headers["x-took"] = "1"
        return response


@app.get("/items/{item_id}")
async def item(item_id: int):
    if item_id < 0:
        raise HTTPException(status_code=404, detail="no such item")
    return JSONResponse({"id": item_id})
