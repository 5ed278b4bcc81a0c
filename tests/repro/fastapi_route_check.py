"""The flagship's CI route check, and on_event handlers on routers, across FastAPI versions.

Run with a Python that has FastAPI, SQLAlchemy, aiosqlite and httpx installed (see
``scripts/fastapi_envs.sh``; tests/test_fastapi_repro.py runs it in every environment).
Prints one JSON object:

- ``flat_walk``: what a walk over the ``APIRoute`` objects of ``app.routes`` finds: the
  check as the entry first gave it. From FastAPI 0.137.0 ``include_router()`` adds one
  included-router object to ``app.routes`` instead of the router's routes, so this walk
  finds nothing although a route on an ``APIRouter`` depends on a decorated context manager.
- ``check``: what the entry's ``context_manager_dependencies(app)`` finds (it also walks
  included routers, nested ones and dependencies given to ``include_router``).
- ``broken_status``: what a client of the broken router route gets.
- ``on_event``: which start-up/shut-down handlers ran for an app created with
  ``FastAPI(lifespan=...)``: the app's own ``@app.on_event`` handler, and one registered with
  ``@router.on_event`` on a router included into that app.

Measured on 2026-12-06: fastapi 0.123.4, 0.136.3: flat_walk and check both
["get_session", "get_session", "get_session"]; 0.137.0 and 0.165.0: flat_walk [], check the
same three; broken_status 500 everywhere; on_event ran ["lifespan startup",
"router startup", "router shutdown", "lifespan shutdown"] everywhere: the app's own handler
is skipped, the router's runs.
"""

# No `from __future__ import annotations`: FastAPI must see the real annotations.
import inspect
import json
import sys
import warnings
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import fastapi
from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

# ---- the check, as the flagship entry gives it -----------------------------------------


def route_dependants(routes: list[Any]) -> Iterator[Any]:
    """The Dependant of every API route, also of routes on included routers."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route.dependant
        elif hasattr(route, "effective_route_contexts"):  # an included router (0.137.0+)
            for context in route.effective_route_contexts():
                yield context.dependant


def context_manager_dependencies(app: FastAPI) -> list[str]:
    found = []

    def walk(dependant: Any) -> None:
        for sub in dependant.dependencies:
            call, inner = sub.call, inspect.unwrap(sub.call)
            is_gen = inspect.isasyncgenfunction(call) or inspect.isgeneratorfunction(call)
            wraps_gen = inspect.isasyncgenfunction(inner) or inspect.isgeneratorfunction(inner)
            if inner is not call and not is_gen and wraps_gen:
                found.append(call.__qualname__)
            walk(sub)

    for dependant in route_dependants(app.routes):
        walk(dependant)
    return found


# ---- the walk the entry gave before: only APIRoute objects of app.routes ---------------


def flat_walk(app: FastAPI) -> list[str]:
    found = []
    for route in app.routes:
        if isinstance(route, APIRoute):
            for sub in route.dependant.dependencies:
                if inspect.unwrap(sub.call) is not sub.call:
                    found.append(sub.call.__qualname__)
    return found


# ---- an application whose routers hold the bug -----------------------------------------


@asynccontextmanager
async def get_session() -> AsyncIterator[str]:
    yield "session"


def build_app() -> FastAPI:
    users = APIRouter(prefix="/users")

    @users.get("/me")
    async def me(db: str = Depends(get_session)) -> str:
        return db

    admin = APIRouter(prefix="/admin")
    nested = APIRouter(prefix="/reports")

    @nested.get("/daily")
    async def daily(db: str = Depends(get_session)) -> str:
        return db

    admin.include_router(nested)
    audit = APIRouter(prefix="/audit")

    @audit.get("/log")
    async def log() -> str:
        return "ok"

    app = FastAPI()
    app.include_router(users)
    app.include_router(admin)
    app.include_router(audit, dependencies=[Depends(get_session)])
    return app


def on_event_handlers() -> list[str]:
    ran: list[str] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ran.append("lifespan startup")
        yield
        ran.append("lifespan shutdown")

    router = APIRouter()

    @router.on_event("startup")
    async def router_startup() -> None:
        ran.append("router startup")

    @router.on_event("shutdown")
    async def router_shutdown() -> None:
        ran.append("router shutdown")

    app = FastAPI(lifespan=lifespan)

    @app.on_event("startup")
    async def app_startup() -> None:
        ran.append("app startup")

    app.include_router(router)
    with TestClient(app):
        pass
    return ran


def main() -> int:
    warnings.simplefilter("ignore")
    app = build_app()
    with TestClient(app, raise_server_exceptions=False) as client:
        status = client.get("/users/me").status_code
    result = {
        "fastapi": fastapi.__version__,
        "flat_walk": flat_walk(app),
        "check": context_manager_dependencies(app),
        "broken_status": status,
        "on_event": on_event_handlers(),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
