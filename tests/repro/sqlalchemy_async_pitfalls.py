"""Reproductions behind learnings/sqlalchemy_async.xml (and one entry of database_asyncio.xml).

Documentation of how each symptom text was measured; not part of the test run.

    pip install 'sqlalchemy[asyncio]' aiosqlite
    python tests/repro/sqlalchemy_async_pitfalls.py CASE

Measured with CPython 3.11.7, aiosqlite 0.22.1, greenlet 3.5.6 and SQLAlchemy 2.0.58 and
2.1.9; "20" in the background links is "21" on 2.1.x:

lazy_load         sqlalchemy-async-lazy-load-missing-greenlet
    2.0.58: sqlalchemy.exc.MissingGreenlet: greenlet_spawn has not been called; can't call
    await_only() here. Was IO attempted in an unexpected place? (Background on this error
    at: https://sqlalche.me/e/20/xd2s)
    2.1.9:  sqlalchemy.exc.StatementError: (sqlalchemy.exc.MissingGreenlet) greenlet_spawn
    has not been called; can't call await_() here. Was IO attempted in an unexpected place?
    (then the SQL, its parameters and the background link on lines of their own), after
    a chained sqlalchemy.exc.MissingGreenlet: ... can't call await_() here. ... (Background
    on this error at: https://sqlalche.me/e/21/xd2s), and at exit:
    sys:1: RuntimeWarning: coroutine 'Connection.cursor' was never awaited
expired           sqlalchemy-async-expire-on-commit
    the same MissingGreenlet texts, on reading a column after commit()
detached          sqlalchemy-async-expire-on-commit
    sqlalchemy.orm.exc.DetachedInstanceError: Instance <Author at 0x...> is not bound to a
    Session; attribute refresh operation cannot proceed (Background on this error at:
    https://sqlalche.me/e/20/bhk3)
sync_driver       sqlalchemy-async-engine-sync-driver
    sqlalchemy.exc.InvalidRequestError: The asyncio extension requires an async driver to be
    used. The loaded 'pysqlite' is not async.
query             sqlalchemy-asyncsession-has-no-query
    AttributeError: 'AsyncSession' object has no attribute 'query'
missing_await     sqlalchemy-async-execute-not-awaited
    AttributeError: 'coroutine' object has no attribute 'scalars'
    sys:1: RuntimeWarning: coroutine 'AsyncSession.execute' was never awaited
lazy_raise        sqlalchemy-async-lazy-load-missing-greenlet (raiseload, the loud variant)
    sqlalchemy.exc.InvalidRequestError: 'Author.books' is not available due to
    lazy='raise'
concurrent        async-session-shared-between-tasks
    sqlalchemy.exc.InvalidRequestError: This session is provisioning a new connection;
    concurrent operations are not permitted (Background on this error at:
    https://sqlalche.me/e/20/isce)
    and, while the session closes during that error:
    sqlalchemy.exc.IllegalStateChangeError: Method 'close()' can't be called here; method
    '_connection_for_bind()' is already in progress and this would cause an unexpected
    state change to <SessionTransactionState.CLOSED: 5> (Background on this error at:
    https://sqlalche.me/e/20/isce)

The *_fixed cases and query_fixed run the fixes the entries give and print their results.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile

from sqlalchemy import ForeignKey, select
from sqlalchemy.ext.asyncio import (
    AsyncAttrs,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(AsyncAttrs, DeclarativeBase):  # AsyncAttrs: for the awaitable_attrs fix
    pass


class Author(Base):
    __tablename__ = "author"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    books: Mapped[list[Book]] = relationship(back_populates="author")


class Book(Base):
    __tablename__ = "book"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    author_id: Mapped[int] = mapped_column(ForeignKey("author.id"))
    author: Mapped[Author] = relationship(back_populates="books")


async def setup() -> async_sessionmaker[AsyncSession]:
    # A file database: each new connection really connects (":memory:" shares one).
    engine = create_async_engine(f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/repro.db")
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    factory = async_sessionmaker(engine)  # expire_on_commit=True, the default
    async with factory() as session:
        session.add(Author(name="Ursula", books=[Book(title="The Dispossessed")]))
        await session.commit()
    return factory


async def lazy_load() -> None:
    factory = await setup()
    async with factory() as session:
        author = (await session.execute(select(Author))).scalar_one()
        print([b.title for b in author.books])  # lazy load: sync IO inside async


async def expired() -> None:
    factory = await setup()
    async with factory() as session:
        author = Author(name="Le Guin")
        session.add(author)
        await session.commit()
        print(author.name)  # expired by commit: reloading it is IO


async def detached() -> None:
    factory = await setup()
    async with factory() as session:
        author = Author(name="Le Guin")
        session.add(author)
        await session.commit()
    print(author.name)  # expired and no longer attached to a session


async def sync_driver() -> None:
    create_async_engine("sqlite:///:memory:")


async def query() -> None:
    factory = await setup()
    async with factory() as session:
        session.query(Author).all()  # type: ignore[attr-defined]


async def missing_await() -> None:
    factory = await setup()
    async with factory() as session:
        result = session.execute(select(Author))
        print(result.scalars().all())  # type: ignore[attr-defined]


async def concurrent() -> None:
    # A fresh engine, so the first execute has to open a connection (that await is the
    # window in which the other tasks arrive).
    engine = create_async_engine(f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/repro.db")
    async with async_sessionmaker(engine)() as session:
        # One AsyncSession shared by concurrent tasks.
        await asyncio.gather(*(session.execute(select(1)) for _ in range(3)))


# ---- the fixes, each printing its result instead of failing ----


async def lazy_load_fixed() -> None:
    from sqlalchemy.orm import selectinload

    factory = await setup()
    async with factory() as session:
        stmt = select(Author).options(selectinload(Author.books))  # loaded with the query
        author = (await session.execute(stmt)).scalar_one()
        print([b.title for b in author.books])
        print([b.title for b in await author.awaitable_attrs.books])  # or await the load


async def expired_fixed() -> None:
    factory = await setup()
    no_expire = async_sessionmaker(factory.kw["bind"], expire_on_commit=False)
    async with no_expire() as session:
        author = Author(name="Le Guin")
        session.add(author)
        await session.commit()
    print(author.name)  # still loaded: commit did not expire it

    async with factory() as session:  # expire_on_commit=True, refreshed explicitly
        other = Author(name="Tolkien")
        session.add(other)
        await session.commit()
        await session.refresh(other)  # the reload, awaited
        print(other.name)


async def concurrent_fixed() -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/repro.db")
    factory = async_sessionmaker(engine)

    async def one_query() -> int:
        async with factory() as session:  # one session per task
            return (await session.execute(select(1))).scalar_one()

    print(await asyncio.gather(*(one_query() for _ in range(3))))


async def query_fixed() -> None:
    factory = await setup()
    async with factory() as session:
        print((await session.scalars(select(Author))).all())  # the 2.0 style
        print(await session.get(Author, 1))
        # Legacy Query code can run unchanged inside run_sync:
        print(await session.run_sync(lambda sync_session: sync_session.query(Author).all()))


async def lazy_raise() -> None:
    from sqlalchemy.orm import raiseload

    factory = await setup()
    async with factory() as session:
        stmt = select(Author).options(raiseload("*"))  # or relationship(lazy="raise")
        author = (await session.execute(stmt)).scalar_one()
        print(author.books)  # a clear error instead of MissingGreenlet


CASES = {
    f.__name__: f
    for f in (
        lazy_load,
        expired,
        detached,
        sync_driver,
        query,
        missing_await,
        concurrent,
        lazy_load_fixed,
        expired_fixed,
        concurrent_fixed,
        query_fixed,
        lazy_raise,
    )
}

if __name__ == "__main__":
    asyncio.run(CASES[sys.argv[1]]())
