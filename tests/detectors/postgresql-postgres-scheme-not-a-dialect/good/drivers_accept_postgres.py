import asyncpg
import psycopg


def connect_sync():
    return psycopg.connect("postgres://app@db.internal/app")


async def connect_pool():
    return await asyncpg.create_pool("postgres://app@db.internal/app", min_size=1)


def describe_engine(engine) -> str:
    return f"create_engine('{engine.url.render_as_string(hide_password=True)}')"
