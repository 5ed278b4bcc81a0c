import asyncio


async def handler():
    other = asyncio.new_event_loop()
    other.run_forever()
