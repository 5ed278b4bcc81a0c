from starlette.exceptions import HTTPException
from starlette.middleware.base import BaseHTTPMiddleware


class Maintenance(BaseHTTPMiddleware):
    def __init__(self, app, enabled: bool) -> None:
        super().__init__(app)
        self.enabled = enabled

    async def dispatch(self, request, call_next):
        if self.enabled and not request.url.path.startswith("/health"):
            raise HTTPException(503, "down for maintenance")
        return await call_next(request)
