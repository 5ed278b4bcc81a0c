import aiosqlite


async def first_row(path):
    async with aiosqlite.connect(path) as db:
        async with db.execute("select 1, 2") as cursor:
            return await cursor.fetchone()
