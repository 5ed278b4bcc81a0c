"""Reproductions behind learnings/fastapi.xml.

Documentation of how each symptom text was measured; not part of the test run.

    pip install fastapi 'sqlalchemy[asyncio]' httpx
    python tests/repro/fastapi_pitfalls.py CASE

Measured on 2026-11-26 with CPython 3.11.7, pydantic 2.14.4, httpx 0.28.1, SQLAlchemy 2.0.58 /
2.1.9 and two stacks: fastapi 0.123.0 + starlette 0.50.0, fastapi 0.165.0 + starlette 1.10.0
(orm_param also on 0.115.14, 0.118.3, 0.119.0, 0.120.0, 0.123.1, 0.123.2 to find where the
message changed):

scalar_body        fastapi-scalar-parameter-is-query
    422 Unprocessable Entity   (the reason phrase is httpx's)
    {"detail":[{"type":"missing","loc":["query","name"],"msg":"Field required","input":null}]}
local_model        fastapi-scalar-parameter-is-query (a model FastAPI cannot resolve)
    the same 422, with "loc":["query","author"]
orm_param          fastapi-invalid-args-for-response-field
orm_return         fastapi-invalid-args-for-response-field
    fastapi.exceptions.FastAPIError: Invalid args for response field! Hint: check that
    <class '__main__.AuthorRow'> is a valid Pydantic field type. If you are using a return
    type annotation that is not a valid Pydantic field (e.g. Union[Response, dict, None])
    you can disable generating the response model from the type annotation with the path
    operation decorator parameter response_model=None. Read more:
    https://fastapi.tiangolo.com/tutorial/response-model/
    fastapi 0.119.0 to 0.123.1 print a literal {type_} instead of the class.
on_event           fastapi-on-event-ignored-with-lifespan
    DeprecationWarning: (newline, indent) on_event is deprecated, use lifespan event
    handlers instead. ...; then "ran: ['lifespan startup']": the on_event handler never ran
depends_called     fastapi-depends-called-dependency
    TypeError: <async_generator object get_db at 0x...> is not a callable object
form_no_multipart  fastapi-form-needs-python-multipart
    RuntimeError: Form data requires "python-multipart" to be installed.
    You can install "python-multipart" with: (blank line) pip install python-multipart

orm_return_fixed and fixed run the fixes the entries give and print 200 responses.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import AsyncIterator

from fastapi import Body, Depends, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class AuthorRow(Base):
    __tablename__ = "author"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


def show(response) -> None:
    print(response.status_code, response.reason_phrase)
    print(response.text)


def scalar_body() -> None:
    app = FastAPI()

    @app.post("/authors")
    async def create(name: str) -> dict[str, str]:  # a bare str is a query parameter
        return {"name": name}

    show(TestClient(app).post("/authors", json={"name": "Ursula"}))


def orm_param() -> None:
    app = FastAPI()

    @app.post("/authors")
    async def create(author: AuthorRow) -> None:  # an ORM class as a body type
        pass


def orm_return() -> None:
    app = FastAPI()

    @app.get("/authors/1")
    async def read() -> AuthorRow:  # an ORM class as the return annotation
        return AuthorRow(id=1, name="Ursula")


def orm_return_fixed() -> None:
    class AuthorOut(BaseModel):
        model_config = ConfigDict(from_attributes=True)
        id: int
        name: str

    app = FastAPI()

    @app.get("/authors/1", response_model=AuthorOut)
    async def read() -> AuthorRow:  # response_model wins; the ORM object is converted
        return AuthorRow(id=1, name="Ursula")

    @app.get("/raw", response_model=None)
    async def raw() -> AuthorRow:  # or: no response model at all (then nothing converts)
        return AuthorRow(id=1, name="Ursula")

    show(TestClient(app).get("/authors/1"))


def on_event() -> None:
    from contextlib import asynccontextmanager

    calls: list[str] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        calls.append("lifespan startup")
        yield

    app = FastAPI(lifespan=lifespan)

    @app.on_event("startup")
    async def connect() -> None:
        calls.append("on_event startup")  # never runs once lifespan= is given

    with TestClient(app):
        pass
    print("ran:", calls)


async def get_db() -> AsyncIterator[str]:
    yield "session"


def depends_called() -> None:
    app = FastAPI()

    @app.get("/")
    async def read(db: str = Depends(get_db())) -> str:  # get_db() called: wrong
        return db


def form_no_multipart() -> None:
    from fastapi import Form

    app = FastAPI()

    @app.post("/login")
    async def login(username: str = Form()) -> dict[str, str]:
        return {"username": username}


class AuthorIn(BaseModel):  # module level: see local_model
    name: str


def local_model() -> None:
    # A body model defined inside a function while `from __future__ import annotations` is
    # on: the annotation is the string "LocalIn", FastAPI cannot resolve it from the module
    # globals, and the parameter becomes a query parameter:
    # 422 {"detail":[{"type":"missing","loc":["query","author"],...}]}
    class LocalIn(BaseModel):
        name: str

    app = FastAPI()

    @app.post("/authors")
    async def create(author: LocalIn) -> dict[str, str]:
        return {"name": author.name}

    show(TestClient(app).post("/authors", json={"name": "Ursula"}))


def fixed() -> None:
    """The fixes: a body model, lifespan only, Depends(get_db) uncalled. Prints 200s."""
    from contextlib import asynccontextmanager

    calls: list[str] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        calls.append("startup")  # everything on_event("startup") used to do
        yield
        calls.append("shutdown")

    app = FastAPI(lifespan=lifespan)

    @app.post("/authors")
    async def create(author: AuthorIn) -> dict[str, str]:  # a model is read from the body
        return {"name": author.name}

    @app.post("/rename")
    async def rename(name: str = Body(embed=True)) -> dict[str, str]:  # or Body(embed=True)
        return {"name": name}

    @app.get("/")
    async def read(db: str = Depends(get_db)) -> str:  # the function, not get_db()
        return db

    with TestClient(app) as client:
        for response in (
            client.post("/authors", json={"name": "Ursula"}),
            client.post("/rename", json={"name": "Ursula"}),
            client.get("/"),
        ):
            show(response)
    print("ran:", calls)


CASES = {
    f.__name__: f
    for f in (
        scalar_body,
        orm_param,
        orm_return,
        orm_return_fixed,
        on_event,
        depends_called,
        form_no_multipart,
        local_model,
        fixed,
    )
}

if __name__ == "__main__":
    warnings.simplefilter("default")
    CASES[sys.argv[1]]()
