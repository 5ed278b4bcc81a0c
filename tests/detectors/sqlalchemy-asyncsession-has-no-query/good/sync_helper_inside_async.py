async def list_users(session):
    def legacy(sync_session):
        return sync_session.query(User).all()

    return await session.run_sync(legacy)
