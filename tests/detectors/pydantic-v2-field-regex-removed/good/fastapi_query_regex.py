from fastapi import Query


async def search(q: str = Query(regex="^[a-z]+$")):
    return q
