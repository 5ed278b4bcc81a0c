from fastapi import HTTPException
from fastapi.responses import JSONResponse
from starlette.middleware.base import BaseHTTPMiddleware


class ApiKey(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        if request.headers.get("x-api-key") != "secret":
            return JSONResponse({"detail": "bad key"}, status_code=401)
        return await call_next(request)


async def require_key(request):
    if request.headers.get("x-api-key") != "secret":
        raise HTTPException(status_code=401, detail="bad key")
