"""Reproductions behind learnings/sqlalchemy_sessions.xml (SQLite file databases, no server).

Documentation of how each symptom text was measured; not part of the test run:

    python -m venv /tmp/sa && /tmp/sa/bin/pip install 'sqlalchemy==2.1.9'
    /tmp/sa/bin/python tests/repro/sqlalchemy_sessions.py CASE

Measured with CPython 3.11.7 and SQLAlchemy 2.0.59 and 2.1.9: same text on both unless the
entry's `versions` says otherwise. Class, attribute and table names of this script and object
addresses are masked with `…` in the stored symptoms. FIXED=1 runs each entry's fix
instead of the mistake.
"""

from __future__ import annotations

import os
import sys
import tempfile
import warnings

from sqlalchemy import ForeignKey, String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

FIXED = os.environ.get("FIXED") == "1"  # FIXED=1 runs the entry's fix instead of the mistake


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "author"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    books: Mapped[list[Book]] = relationship(back_populates="author")


class Book(Base):
    __tablename__ = "book"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("author.id"))
    author: Mapped[Author] = relationship(back_populates="books")


def engine(**kw: object):  # type: ignore[no-untyped-def]
    path = os.path.join(tempfile.mkdtemp(), "repro.db")
    eng = create_engine(f"sqlite:///{path}", **kw)
    Base.metadata.create_all(eng)
    with Session(eng) as s:
        s.add(Author(name="Ursula", books=[Book()]))
        s.commit()
    return eng


def detached_lazy() -> None:
    """sqlalchemy-detached-instance-lazy-load"""
    eng = engine()
    with Session(eng) as s:
        stmt = select(Author)
        if FIXED:
            from sqlalchemy.orm import selectinload

            stmt = stmt.options(selectinload(Author.books))
        author = s.scalars(stmt).one()
    print(author.books)


def detached_refresh() -> None:
    """sqlalchemy-detached-instance-expired-after-commit"""
    eng = engine()
    with Session(eng, expire_on_commit=not FIXED) as s:
        author = s.scalars(select(Author)).one()
        author.name = "Le Guin"
        s.commit()
    print(author.name)


def queuepool_overflow() -> None:
    """sqlalchemy-queuepool-limit-overflow"""
    eng = engine(pool_size=2, max_overflow=1, pool_timeout=0.5)
    held = []
    for _ in range(4):  # connections checked out and never returned (sessions not closed)
        if FIXED:
            with Session(eng) as s:
                s.execute(select(Author)).all()
            held.append(None)
            print("sessions used:", len(held))
            continue
        s = Session(eng)
        s.execute(select(Author)).all()
        held.append(s)
        print("sessions open:", len(held))


def pending_rollback() -> None:
    """sqlalchemy-pending-rollback-after-failed-flush"""
    eng = engine()
    s = Session(eng)
    try:
        s.add(Author(name="Ursula"))  # unique name already taken
        s.commit()
    except Exception as exc:
        print("first error:", type(exc).__name__)
        if FIXED:
            s.rollback()
    print(s.scalars(select(Author)).all())


def already_attached() -> None:
    """sqlalchemy-object-already-attached-to-session"""
    eng = engine()
    s1 = Session(eng)
    author = s1.scalars(select(Author)).one()
    s2 = Session(eng)
    if FIXED:
        print(s2.get(Author, author.id))
        return
    s2.add(author)


def textual_sql() -> None:
    """sqlalchemy-2-textual-sql-needs-text"""
    eng = engine()
    with Session(eng) as s:
        if FIXED:
            from sqlalchemy import text

            print(s.execute(text("SELECT count(*) FROM author")).scalar_one())
            return
        s.execute("SELECT count(*) FROM author")


def engine_execute() -> None:
    """sqlalchemy-2-engine-execute-removed"""
    eng = engine()
    eng.execute("SELECT 1")


def row_by_name() -> None:
    """sqlalchemy-2-row-is-a-tuple"""
    eng = engine()
    with eng.connect() as conn:
        row = conn.execute(select(Author.id, Author.name)).first()
        print(row["name"])


def declarative_import() -> None:
    """sqlalchemy-2-declarative-base-moved"""
    warnings.simplefilter("default")
    from sqlalchemy.ext.declarative import declarative_base

    declarative_base()


def async_without_greenlet() -> None:
    """[separate venv] sqlalchemy-2-1-asyncio-needs-greenlet-extra

    Run in a venv made with `pip install sqlalchemy==2.1.9` (no [asyncio] extra): 2.1 no longer
    installs greenlet by itself; 2.0.59 still did on x86_64 Linux.
    """
    from sqlalchemy.ext.asyncio import create_async_engine

    print(create_async_engine("sqlite+aiosqlite://"))


CASES = {
    f.__name__: f
    for f in (
        detached_lazy,
        detached_refresh,
        queuepool_overflow,
        pending_rollback,
        already_attached,
        textual_sql,
        engine_execute,
        row_by_name,
        declarative_import,
        async_without_greenlet,
    )
}

if __name__ == "__main__":
    CASES[sys.argv[1]]()
