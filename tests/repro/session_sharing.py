"""Reproductions behind async-session-shared-between-tasks (learnings/database_asyncio.xml)
and the lazy="raise_on_sql" advice of sqlalchemy-async-lazy-load-missing-greenlet.

Documentation of how each text was measured; not part of the test run.

    pip install 'sqlalchemy[asyncio]' aiosqlite asyncpg
    python tests/repro/session_sharing.py CASE

The asyncpg cases start a throw-away PostgreSQL server (initdb + pg_ctl from the Debian or
upstream packages, on a Unix socket in a temporary folder; as root they run as the
``postgres`` user) and stop it afterwards. Measured with CPython 3.11.7, SQLAlchemy 2.0.58
and 2.1.9, aiosqlite 0.22.1, asyncpg 0.32.0, PostgreSQL 15:

fresh_session_sqlite    the session has no connection yet: both SQLAlchemy versions raise
    sqlalchemy.exc.InvalidRequestError: This session is provisioning a new connection;
    concurrent operations are not permitted (Background on this error at:
    https://sqlalche.me/e/20/isce)          ("21" on 2.1.x)
after_first_query_sqlite  the session already holds its connection: no error at all on
    2.0.58 and 2.1.9 (aiosqlite serialises the statements on its one thread); prints
    [1, 1, 1]. The sharing is still wrong: the statements share one transaction.
fresh_session_asyncpg   the same InvalidRequestError as on aiosqlite
after_first_query_asyncpg  no error either: SQLAlchemy's asyncpg adapter serialises the
    statements of one connection with a lock; prints [1, 1, 1]
commit_during_query_asyncpg  one task commits (or rolls back, or closes the session: the end
    of another request) while another task's statement runs on the shared session; the
    driver refuses:
    2.0.58: sqlalchemy.exc.InterfaceError: (sqlalchemy.dialects.postgresql.asyncpg.
    InterfaceError) <class 'asyncpg.exceptions._base.InterfaceError'>: cannot perform
    operation: another operation is in progress
    2.1.9:  sqlalchemy.exc.InterfaceError: (sqlalchemy.dialects.postgresql.asyncpg.
    InterfaceError) cannot perform operation: another operation is in progress
    (each then "(Background on this error at: https://sqlalche.me/e/20/rvf5)", "21" on
    2.1.x, on its own line), after the chained driver error on both:
    asyncpg.exceptions._base.InterfaceError: cannot perform operation: another operation
    is in progress
    (also so with asyncpg 0.29.0 and SQLAlchemy 2.0.58)
fixed_asyncpg           one session per task: prints [1, 1, 1]
lazy_load_asyncpg       sqlalchemy-async-lazy-load-missing-greenlet on asyncpg: a lazy load
    under AsyncSession raises MissingGreenlet directly on 2.1.9 too (on aiosqlite 2.1.9 wraps
    it in a StatementError and leaves a 'Connection.cursor' coroutine unawaited):
    2.0.58: sqlalchemy.exc.MissingGreenlet: greenlet_spawn has not been called; can't call
    await_only() here. Was IO attempted in an unexpected place? (Background on this error
    at: https://sqlalche.me/e/20/xd2s)
    2.1.9:  sqlalchemy.exc.MissingGreenlet: greenlet_spawn has not been called; can't call
    await_() here. Was IO attempted in an unexpected place? (Background on this error at:
    https://sqlalche.me/e/21/xd2s)
raise_on_sql            relationship(lazy="raise_on_sql"), attribute read after the query:
    sqlalchemy.exc.InvalidRequestError: 'Author.books' is not available due to
    lazy='raise_on_sql'
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import ForeignKey, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def _sqlite_url() -> str:
    return f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/repro.db"


@contextlib.contextmanager
def postgres() -> Iterator[str]:
    """A PostgreSQL server on a Unix socket in a temporary folder; yields its asyncpg URL."""
    base = Path(tempfile.mkdtemp(prefix="kbrepro-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(base, "postgres")
        shutil.chown(sock, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]

    def run(*cmd: str) -> None:
        subprocess.run([*prefix, *cmd], check=True, capture_output=True)

    run("initdb", "-A", "trust", "-U", "postgres", "-D", str(data))
    opts = f"-k {sock} -c listen_addresses=''"
    run("pg_ctl", "-D", str(data), "-o", opts, "-w", "start", "-l", str(base / "log"))
    try:
        yield f"postgresql+asyncpg://postgres@/postgres?host={sock}"
    finally:
        run("pg_ctl", "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(base, ignore_errors=True)


async def _gather_on_one_session(url: str, warm_up: bool) -> None:
    engine = create_async_engine(url)
    try:
        async with async_sessionmaker(engine)() as session:
            if warm_up:
                await session.execute(text("SELECT 1"))  # the session now holds a connection
            # One AsyncSession shared by concurrent tasks.
            stmts = [text("SELECT 1 FROM pg_sleep(0.1)") if "asyncpg" in url else select(1)] * 3
            results = await asyncio.gather(*(session.execute(s) for s in stmts))
            print([r.scalar_one() for r in results])
    finally:
        await engine.dispose()


async def fresh_session_sqlite() -> None:
    await _gather_on_one_session(_sqlite_url(), warm_up=False)


async def after_first_query_sqlite() -> None:
    await _gather_on_one_session(_sqlite_url(), warm_up=True)


async def fresh_session_asyncpg() -> None:
    with postgres() as url:
        await _gather_on_one_session(url, warm_up=False)


async def after_first_query_asyncpg() -> None:
    with postgres() as url:
        await _gather_on_one_session(url, warm_up=True)


async def commit_during_query_asyncpg() -> None:
    with postgres() as url:
        engine = create_async_engine(url)
        try:
            async with async_sessionmaker(engine)() as session:
                await session.execute(text("SELECT 1"))
                # One task still reads while another one finishes its unit of work.
                await asyncio.gather(
                    session.execute(text("SELECT 1 FROM pg_sleep(0.2)")), session.commit()
                )
        finally:
            await engine.dispose()


async def fixed_asyncpg() -> None:
    with postgres() as url:
        engine = create_async_engine(url)
        factory = async_sessionmaker(engine)

        async def one_query() -> int:
            async with factory() as session:  # one session per task
                return int((await session.execute(text("SELECT 1"))).scalar_one())

        print(await asyncio.gather(*(one_query() for _ in range(3))))
        await engine.dispose()


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "author"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    books: Mapped[list[Book]] = relationship(back_populates="author", lazy="raise_on_sql")


class Book(Base):
    __tablename__ = "book"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    author_id: Mapped[int] = mapped_column(ForeignKey("author.id"))
    author: Mapped[Author] = relationship(back_populates="books", lazy="raise_on_sql")


class Lazy(DeclarativeBase):
    pass


class LazyAuthor(Lazy):
    __tablename__ = "lazy_author"
    id: Mapped[int] = mapped_column(primary_key=True)
    books: Mapped[list[LazyBook]] = relationship(back_populates="author")  # lazy="select"


class LazyBook(Lazy):
    __tablename__ = "lazy_book"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    author_id: Mapped[int] = mapped_column(ForeignKey("lazy_author.id"))
    author: Mapped[LazyAuthor] = relationship(back_populates="books")


async def lazy_load_asyncpg() -> None:
    with postgres() as url:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.run_sync(Lazy.metadata.create_all)
            factory = async_sessionmaker(engine)
            async with factory() as session:
                session.add(LazyAuthor(books=[LazyBook(title="B")]))
                await session.commit()
            async with factory() as session:
                author = (await session.execute(select(LazyAuthor))).scalar_one()
                print([b.title for b in author.books])  # lazy load: sync IO inside async
        finally:
            await engine.dispose()


async def raise_on_sql() -> None:
    engine = create_async_engine(_sqlite_url())
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    factory = async_sessionmaker(engine, expire_on_commit=False)
    session: AsyncSession
    async with factory() as session:
        session.add(Author(name="A", books=[Book(title="B")]))
        await session.commit()
    async with factory() as session:
        author = (await session.execute(select(Author))).scalar_one()
        print([b.title for b in author.books])  # not loaded: refused, no IO attempted


CASES = {
    f.__name__: f
    for f in (
        fresh_session_sqlite,
        after_first_query_sqlite,
        fresh_session_asyncpg,
        after_first_query_asyncpg,
        commit_during_query_asyncpg,
        fixed_asyncpg,
        lazy_load_asyncpg,
        raise_on_sql,
    )
}

if __name__ == "__main__":
    asyncio.run(CASES[sys.argv[1]]())
