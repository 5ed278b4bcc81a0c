import asyncio


async def handler(event):
    return event


async def main(events):
    return await asyncio.gather(*[handler(e) for e in events])
