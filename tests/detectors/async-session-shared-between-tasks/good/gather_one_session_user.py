import asyncio

from sqlalchemy.ext.asyncio import AsyncSession


async def profile(session: AsyncSession, client, user_id: int):
    user, avatar = await asyncio.gather(
        load_user(session, user_id),
        client.get(f"/avatars/{user_id}"),
    )
    return user, avatar
