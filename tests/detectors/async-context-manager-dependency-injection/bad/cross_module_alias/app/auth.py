from fastapi import Depends

from app.dependencies import get_request_scoped_db_session as get_db


async def current_user(db=Depends(get_db)):
    return await db.get(User, 1)
