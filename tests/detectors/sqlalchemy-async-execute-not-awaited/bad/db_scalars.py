from sqlalchemy import select


async def active_users(db):
    return db.scalars(select(User).where(User.active)).all()
