from fastapi import HTTPException
from starlette.middleware.base import BaseHTTPMiddleware


class Base(BaseHTTPMiddleware):
    pass


class ApiKey(Base):
    async def dispatch(self, request, call_next):
        if request.headers.get("x-api-key") != "secret":
            raise HTTPException(status_code=401, detail="bad key")
        return await call_next(request)
