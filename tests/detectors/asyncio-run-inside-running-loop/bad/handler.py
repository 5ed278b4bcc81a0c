import asyncio


async def handler():
    report = asyncio.run(fetch_report())
    return report
