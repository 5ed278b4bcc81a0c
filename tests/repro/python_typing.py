"""Reproductions behind learnings/python_typing.xml.

Documentation of how each symptom text was measured; not part of the test run:

    python -m venv /tmp/ty && /tmp/ty/bin/pip install pydantic==2.14.4 fastapi==0.165.0 httpx
    /tmp/ty/bin/python tests/repro/python_typing.py CASE

Measured with CPython 3.11.7 (and 3.13.0 for the dataclass case), pydantic 2.14.4,
FastAPI 0.165.0. Class and field names of this script are masked with `…` in the stored
symptoms. FIXED=1 runs each entry's fix instead of the mistake.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

FIXED = os.environ.get("FIXED") == "1"

if TYPE_CHECKING:
    from decimal import Decimal


def type_checking_pydantic() -> None:
    """python-typing-type-checking-import-pydantic"""
    from pydantic import BaseModel

    if FIXED:
        from decimal import Decimal  # a run-time import: pydantic can resolve the name

        globals()["Decimal"] = Decimal

    class Invoice(BaseModel):
        total: Decimal

    print(Invoice(total="1.50"))


def fastapi_local_model() -> None:
    """fastapi-future-annotations-local-model"""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient
    from pydantic import BaseModel

    def create_app() -> FastAPI:
        class Item(BaseModel):  # defined inside the factory: not a module global
            name: str

        if FIXED:
            globals()["Item"] = Item
        app = FastAPI()

        @app.post("/items")
        def create(item: Item) -> dict[str, str]:
            return {"name": item.name}

        return app

    client = TestClient(create_app())
    response = client.post("/items", json={"name": "pen"})
    print(response.status_code, response.text)


def dataclass_mutable_default() -> None:
    """python-dataclass-mutable-default"""
    if FIXED:

        @dataclass
        class Cart:
            items: list[str] = field(default_factory=list)

    else:

        @dataclass
        class Cart:  # type: ignore[no-redef]
            items: list[str] = []  # noqa: RUF008 - the mistake shown

    print(Cart())


CASES = {
    f.__name__: f for f in (type_checking_pydantic, fastapi_local_model, dataclass_mutable_default)
}

if __name__ == "__main__":
    CASES[sys.argv[1]]()
