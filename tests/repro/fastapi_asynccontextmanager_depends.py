"""Reproduction behind learnings/database_asyncio.xml#async-context-manager-dependency-injection.

Documentation of how the symptoms were measured; not part of the test run.

    pip install 'fastapi==0.123.4' 'sqlalchemy[asyncio]' aiosqlite httpx   # or any version
    python tests/repro/fastapi_asynccontextmanager_depends.py

/broken declares `db: AsyncSession = Depends(get_session)` where get_session is decorated with
@asynccontextmanager; /fixed goes through a plain async-generator dependency.

Measured on 2026-11-26 with CPython 3.11.7, SQLAlchemy 2.0.58 / 2.1.9, aiosqlite 0.22.1,
httpx 0.28.1 (0.27.2 for fastapi 0.100.0, whose Starlette 0.27 TestClient predates httpx
0.28). tests/repro/fastapi_asynccontextmanager.py is the pinned, JSON-printing variant that
the test suite runs; this one is how the version boundary was found (pip index versions
fastapi, then each release between 0.123.0 and 0.123.10):

fastapi 0.100.0, 0.115.14, 0.123.0, 0.123.1, 0.123.2, 0.123.3, 0.123.4  (fastapi<0.123.5)
    AttributeError: '_AsyncGeneratorContextManager' object has no attribute 'execute'
    The route runs and receives the context-manager object itself.
fastapi 0.123.5 to 0.123.10 (each), 0.165.0                        (fastapi>=0.123.5)
    TypeError: '_AsyncGeneratorContextManager' object is not an async iterator
    Raised while FastAPI resolves the dependency (contextlib's __aenter__ calls anext() on
    the object); the route never runs. 0.123.5 started unwrapping decorated dependencies
    (inspect.unwrap follows __wrapped__ to the async generator function), so the decorated
    function is treated as a generator dependency and wrapped a second time.
/fixed returns {"value": 1} on every version above; a client of /broken sees
"500 Internal Server Error" on all of them, and context_manager_dependencies(app) names
get_session on all of them.
"""

from __future__ import annotations

import inspect
import traceback
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import fastapi
from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite:///:memory:")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def get_session() -> AsyncIterator[AsyncSession]:
    """A context manager: right for `async with get_session() as db`, wrong for Depends()."""
    async with SessionLocal() as session:
        yield session


async def get_db() -> AsyncIterator[AsyncSession]:
    """The FastAPI dependency: a plain async generator that enters the context manager."""
    async with get_session() as session:
        yield session


app = FastAPI()


@app.get("/broken")
async def broken(db: AsyncSession = Depends(get_session)) -> dict[str, int]:  # noqa: B008
    return {"value": (await db.execute(text("select 1"))).scalar_one()}


@app.get("/fixed")
async def fixed(db: AsyncSession = Depends(get_db)) -> dict[str, int]:  # noqa: B008
    return {"value": (await db.execute(text("select 1"))).scalar_one()}


def context_manager_dependencies(app: FastAPI) -> list[str]:
    """Names of dependencies that are @asynccontextmanager/@contextmanager functions.

    Such a function is not a generator function itself, but inspect.unwrap() reaches one
    through the __wrapped__ attribute that the decorator sets. Usable as a CI check.
    """
    found: list[str] = []

    def walk(dependant) -> None:
        for sub in dependant.dependencies:
            call = sub.call
            inner = inspect.unwrap(call) if call is not None else None
            if (
                call is not None
                and inner is not call
                and not (inspect.isasyncgenfunction(call) or inspect.isgeneratorfunction(call))
                and (inspect.isasyncgenfunction(inner) or inspect.isgeneratorfunction(inner))
            ):
                found.append(f"{getattr(call, '__qualname__', call)!s}")
            walk(sub)

    for route in app.routes:
        if isinstance(route, APIRoute):
            walk(route.dependant)
    return found


if __name__ == "__main__":
    print("fastapi", fastapi.__version__)
    print("context-manager dependencies:", context_manager_dependencies(app))
    with TestClient(app) as client:
        print("/fixed:", client.get("/fixed").json())
        with TestClient(app, raise_server_exceptions=False) as quiet:
            print("/broken as a client sees it:", quiet.get("/broken").status_code)
        try:
            client.get("/broken")
        except Exception as exc:  # TestClient re-raises the server-side exception
            print("/broken:", "".join(traceback.format_exception_only(exc)).strip())
