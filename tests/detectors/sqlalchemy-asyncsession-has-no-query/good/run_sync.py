async def list_users(session):
    return await session.run_sync(lambda s: s.query(User).all())
