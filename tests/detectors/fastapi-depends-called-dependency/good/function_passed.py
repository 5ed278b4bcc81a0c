from fastapi import Depends


async def get_db():
    async with SessionFactory() as session:
        yield session


async def list_items(db=Depends(get_db)):
    return await db.execute(select(Item))
