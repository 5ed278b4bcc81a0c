import asyncio


async def refresh():
    pass


async def main():
    task = asyncio.create_task(refresh)
    await task
