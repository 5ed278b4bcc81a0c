import asyncio

from app.db import SessionLocal


async def nightly():
    await asyncio.gather(purge_sessions(SessionLocal), rebuild_stats(SessionLocal))
