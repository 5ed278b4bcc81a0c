async def list_users(session):
    return session.query(User).filter(User.active).all()
