import jwt
from fastapi import FastAPI, status
from fastapi.exceptions import HTTPException
from starlette.middleware.base import BaseHTTPMiddleware

app = FastAPI()


class JWTAuth(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        if request.url.path.startswith("/public"):
            return await call_next(request)
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        try:
            request.state.user = jwt.decode(token, "secret", algorithms=["HS256"])
        except jwt.PyJWTError as exc:
            raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="invalid token") from exc
        return await call_next(request)


app.add_middleware(JWTAuth)
