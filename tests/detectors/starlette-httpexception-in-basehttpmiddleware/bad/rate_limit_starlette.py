import time

from starlette.exceptions import HTTPException
from starlette.middleware.base import BaseHTTPMiddleware


class RateLimit(BaseHTTPMiddleware):
    def __init__(self, app, per_minute: int = 60):
        super().__init__(app)
        self.per_minute = per_minute
        self.hits: dict[str, list[float]] = {}

    async def dispatch(self, request, call_next):
        now = time.monotonic()
        key = request.client.host if request.client else "unknown"
        recent = [t for t in self.hits.get(key, []) if now - t < 60]
        if len(recent) >= self.per_minute:
            raise HTTPException(status_code=429, detail="Too Many Requests")
        self.hits[key] = [*recent, now]
        return await call_next(request)
