"""Reproductions behind learnings/postgresql_drivers.xml.

Documentation of how each symptom text was measured; not part of the test run. Cases marked
[server] start a real, throw-away PostgreSQL (Debian's `postgresql` package: initdb + pg_ctl
in a temporary folder, on a Unix socket, stopped at exit); they cannot run in the unit test
job and run where PostgreSQL is installed:

    apt-get install -y postgresql
    python -m venv /tmp/pg
    /tmp/pg/bin/pip install 'sqlalchemy[asyncio]==2.1.9' 'psycopg[binary]==3.3.9' 'asyncpg==0.32.0'
    /tmp/pg/bin/python tests/repro/postgresql_drivers.py CASE

Measured with CPython 3.11.7, PostgreSQL 15, SQLAlchemy 2.1.9 and 2.0.59, psycopg 3.3.9,
asyncpg 0.32.0 (psycopg2 not installed); FIXED=1 runs the fix where a case has one.
Values, names and paths of this script are masked with `…` in the stored symptoms.
"""

from __future__ import annotations

import asyncio
import atexit
import datetime as dt
import glob
import os
import shutil
import subprocess
import sys
import tempfile

from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import create_async_engine


def server() -> str:
    """[server] Start PostgreSQL in a temporary folder; return a libpq socket directory."""
    bindir = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]
    data = tempfile.mkdtemp()
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root
        shutil.chown(data, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        [*prefix, f"{bindir}/initdb", "-D", data, "-U", "app", "--auth=trust"],
        check=True,
        capture_output=True,
    )
    opts = f"-k {data} -c listen_addresses='' -c max_connections=20"
    start = [
        *prefix,
        f"{bindir}/pg_ctl",
        "-D",
        data,
        "-l",
        f"{data}/server.log",
        "-o",
        opts,
        "-w",
        "start",
    ]
    subprocess.run(
        start, check=True, stdout=subprocess.DEVNULL
    )  # not a pipe: the server inherits it
    stop = [*prefix, f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "stop"]
    atexit.register(lambda: subprocess.run(stop, stdout=subprocess.DEVNULL, check=False))
    return data


def psycopg2_default() -> None:
    """postgresql-url-defaults-to-psycopg2"""
    create_engine("postgresql://app@db.internal/app")


def postgres_scheme() -> None:
    """postgresql-postgres-scheme-not-a-dialect"""
    create_engine("postgres://app@db.internal/app")


def asyncpg_sslmode() -> None:
    """asyncpg-sslmode-unexpected-keyword"""

    async def main() -> None:
        engine = create_async_engine("postgresql+asyncpg://app@db.internal/app?sslmode=require")
        async with engine.connect():
            pass

    asyncio.run(main())


def failed_transaction() -> None:
    """[server] postgresql-in-failed-sql-transaction"""
    import psycopg

    host = server()
    with psycopg.connect(host=host, user="app", dbname="postgres") as conn:
        conn.execute("CREATE TABLE account (id int PRIMARY KEY)")
        try:
            if os.environ.get("FIXED") == "1":  # the fix: a savepoint around the statement
                with conn.transaction():
                    conn.execute("INSERT INTO acount VALUES (1)")
            else:
                conn.execute("INSERT INTO acount VALUES (1)")  # a typo: the statement fails
        except psycopg.Error as exc:
            print("first error:", type(exc).__name__, exc)
        print(conn.execute("SELECT 1").fetchone())


def failed_transaction_asyncpg() -> None:
    """[server] postgresql-in-failed-sql-transaction"""
    import asyncpg

    host = server()

    async def main() -> None:
        conn = await asyncpg.connect(host=host, user="app", database="postgres")
        async with conn.transaction():
            try:
                await conn.execute("INSERT INTO acount VALUES (1)")  # a typo: the statement fails
            except asyncpg.PostgresError as exc:
                print("first error:", type(exc).__name__, exc)
            await conn.execute("SELECT 1")

    asyncio.run(main())


def asyncpg_aware_datetime() -> None:
    """[server] asyncpg-naive-aware-datetime"""
    import asyncpg

    host = server()

    async def main() -> None:
        conn = await asyncpg.connect(host=host, user="app", database="postgres")
        await conn.execute("CREATE TABLE event (at timestamp without time zone)")
        await conn.execute(
            "INSERT INTO event VALUES ($1)", dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)
        )

    asyncio.run(main())


def asyncpg_percent() -> None:
    """[server] asyncpg-percent-s-placeholders"""
    import asyncpg

    host = server()

    async def main() -> None:
        conn = await asyncpg.connect(host=host, user="app", database="postgres")
        await conn.fetch("SELECT %s::int", 1)

    asyncio.run(main())


def too_many_clients() -> None:
    """[server] postgresql-too-many-clients"""
    import asyncpg

    host = server()

    size = int(os.environ.get("POOL_SIZE", "5"))

    async def main() -> None:
        pools = []
        for n in range(5):  # five app processes, each with its own pool (max_connections=20)
            pool = await asyncpg.create_pool(
                host=host, user="app", database="postgres", min_size=size, max_size=size
            )
            pools.append(pool)
            print("pool", n + 1, "open")
        import psycopg

        conns = []
        for _ in range(10):  # more processes: cron jobs, a migration
            conns.append(psycopg.connect(host=host, user="app", dbname="postgres"))
            print("psycopg connection", len(conns), "open")

    asyncio.run(main())


CASES = {
    f.__name__: f
    for f in (
        psycopg2_default,
        postgres_scheme,
        asyncpg_sslmode,
        failed_transaction,
        failed_transaction_asyncpg,
        asyncpg_aware_datetime,
        asyncpg_percent,
        too_many_clients,
    )
}

if __name__ == "__main__":
    CASES[sys.argv[1]]()
