"""DB-API drivers take plain SQL strings: only SQLAlchemy 2.0 wants text()."""

import sqlite3

import asyncpg


def _connect(path: str) -> sqlite3.Connection:
    return sqlite3.connect(path)


def count(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM author").fetchone()[0]


def build(path: str) -> None:
    conn = _connect(path)
    conn.execute("CREATE TABLE author (name TEXT)")
    db = sqlite3.connect(":memory:")
    db.execute("SELECT 1")


async def fetch(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    await conn.execute("SELECT 1")
