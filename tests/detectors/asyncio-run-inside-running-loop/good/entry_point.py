import asyncio


async def handler():
    return await fetch_report()


def main():
    asyncio.run(handler())
