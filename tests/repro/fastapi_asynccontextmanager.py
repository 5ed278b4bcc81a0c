"""Reproduce the flagship learning: an ``@asynccontextmanager`` function given to ``Depends``.

Run with a Python that has FastAPI, SQLAlchemy, aiosqlite and httpx installed (see
``scripts/fastapi_envs.sh``); kbtool itself does not depend on any of them. Prints one JSON
object: the FastAPI version, and for the buggy and the fixed dependency whether a request
that runs ``SELECT 1`` on the injected session worked, or the exception it raised as
``Type: message`` (exactly as a traceback's last line shows it).
"""

# No `from __future__ import annotations`: FastAPI must see the real Annotated objects of
# the dependencies defined inside build_app.
import json
import sys
import tempfile
import warnings
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

import fastapi
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine


def build_app(db_path: Path) -> FastAPI:
    engine = create_async_engine(f"sqlite+aiosqlite:///{db_path}")
    session_factory = async_sessionmaker(engine, expire_on_commit=False)

    # The real bug shape: a context manager meant for `async with` ...
    @asynccontextmanager
    async def get_request_scoped_db_session() -> AsyncGenerator[AsyncSession, None]:
        async with session_factory() as session:
            yield session

    # ... and the fix: a plain async-generator dependency that enters it and yields the session.
    async def get_request_scoped_db_session_for_fastapi() -> AsyncGenerator[AsyncSession, None]:
        async with get_request_scoped_db_session() as session:
            yield session

    app = FastAPI()

    @app.get("/buggy")
    async def buggy(db: Annotated[AsyncSession, Depends(get_request_scoped_db_session)]) -> int:
        return int((await db.execute(text("SELECT 1"))).scalar_one())

    @app.get("/fixed")
    async def fixed(
        db: Annotated[AsyncSession, Depends(get_request_scoped_db_session_for_fastapi)],
    ) -> int:
        return int((await db.execute(text("SELECT 1"))).scalar_one())

    return app


def call(client: TestClient, path: str) -> dict[str, object]:
    try:
        response = client.get(path)
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return {
        "ok": response.status_code == 200,
        "status": response.status_code,
        "body": response.json(),
    }


def main() -> int:
    warnings.simplefilter("ignore")  # e.g. Starlette's deprecation notices on stderr
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(Path(tmp) / "repro.db")
        with TestClient(app, raise_server_exceptions=True) as client:
            result = {
                "fastapi": fastapi.__version__,
                "python": sys.version.split()[0],
                "buggy": call(client, "/buggy"),
                "fixed": call(client, "/fixed"),
            }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
