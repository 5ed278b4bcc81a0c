"""Reproductions behind learnings/starlette_middleware.xml.

Documentation of how each symptom text was measured; not part of the test run. Requests go
through Starlette's TestClient (no network):

    python -m venv /tmp/st && /tmp/st/bin/pip install fastapi==0.165.0 httpx itsdangerous
    /tmp/st/bin/python tests/repro/starlette_middleware.py CASE

Measured with CPython 3.11.7, FastAPI 0.165.0, Starlette 1.10.0. FIXED=1 runs each entry's
fix instead of the mistake; RAISE=1 makes the TestClient re-raise the server-side exception.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.middleware.base import BaseHTTPMiddleware

warnings.simplefilter("ignore", DeprecationWarning)
from fastapi.testclient import TestClient  # noqa: E402

FIXED = os.environ.get("FIXED") == "1"


def cors_credentials() -> None:
    """starlette-cors-wildcard-with-credentials

    prints: allow-origin: https://evil.example.net allow-credentials: true
    """
    app = FastAPI()
    origins = ["https://app.example.com"] if FIXED else ["*"]
    app.add_middleware(
        CORSMiddleware, allow_origins=origins, allow_credentials=True, allow_methods=["*"]
    )

    @app.get("/me")
    def me() -> dict[str, str]:
        return {"user": "ada"}

    client = TestClient(app)
    pre = client.options(
        "/me",
        headers={"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"},
    )
    print(
        "preflight",
        pre.status_code,
        "allow-origin:",
        pre.headers.get("access-control-allow-origin"),
        "allow-credentials:",
        pre.headers.get("access-control-allow-credentials"),
    )
    got = client.get("/me", headers={"Origin": "https://app.example.com"})
    print(
        "GET without cookie",
        got.status_code,
        "allow-origin:",
        got.headers.get("access-control-allow-origin"),
    )
    got = client.get("/me", headers={"Origin": "https://evil.example.net", "Cookie": "session=1"})
    print(
        "GET from another site with cookie",
        got.status_code,
        "allow-origin:",
        got.headers.get("access-control-allow-origin"),
        "allow-credentials:",
        got.headers.get("access-control-allow-credentials"),
    )


def middleware_after_start() -> None:
    """starlette-add-middleware-after-start"""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not FIXED:
            app.add_middleware(CORSMiddleware, allow_origins=["https://app.example.com"])
        yield

    app = FastAPI(lifespan=lifespan)
    if FIXED:
        app.add_middleware(CORSMiddleware, allow_origins=["https://app.example.com"])

    @app.get("/")
    def root() -> dict[str, bool]:
        return {"ok": True}

    with TestClient(app) as client:
        print(client.get("/").status_code)


def http_exception_in_middleware() -> None:
    """starlette-httpexception-in-basehttpmiddleware

    prints: 500 Internal Server Error
    """

    class ApiKey(BaseHTTPMiddleware):
        async def dispatch(self, request: Request, call_next):  # type: ignore[no-untyped-def]
            if request.headers.get("x-api-key") != "secret":
                if FIXED:
                    return JSONResponse({"detail": "bad key"}, status_code=401)
                raise HTTPException(status_code=401, detail="bad key")
            return await call_next(request)

    app = FastAPI()
    app.add_middleware(ApiKey)

    @app.get("/")
    def root() -> dict[str, bool]:
        return {"ok": True}

    client = TestClient(
        app, raise_server_exceptions=os.environ.get("RAISE") == "1"
    )  # RAISE=1: the traceback
    response = client.get("/")
    print(response.status_code, response.text)


def session_not_installed() -> None:
    """starlette-session-middleware-not-installed"""
    app = FastAPI()
    if FIXED:
        from starlette.middleware.sessions import SessionMiddleware

        app.add_middleware(SessionMiddleware, secret_key="change-me")

    @app.get("/")
    def root(request: Request) -> dict[str, int]:
        request.session["visits"] = request.session.get("visits", 0) + 1
        return {"visits": request.session["visits"]}

    print(TestClient(app).get("/").json())


CASES = {
    f.__name__: f
    for f in (
        cors_credentials,
        middleware_after_start,
        http_exception_in_middleware,
        session_not_installed,
    )
}

if __name__ == "__main__":
    CASES[sys.argv[1]]()
