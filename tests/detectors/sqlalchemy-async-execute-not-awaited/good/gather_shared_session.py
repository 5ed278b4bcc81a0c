import asyncio

from sqlalchemy import select


async def dashboard(session):
    # the shared-session entry's mistake, not a missing await
    return await asyncio.gather(session.execute(select(User)), session.execute(select(Order)))
