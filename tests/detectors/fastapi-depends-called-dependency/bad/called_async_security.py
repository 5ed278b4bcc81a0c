from fastapi import Security


async def current_user(token: str):
    return await decode(token)


async def me(user=Security(current_user())):
    return user
