import asyncio


async def refresh_cache():
    return await load_all()


def main():
    loop = asyncio.new_event_loop()
    loop.run_until_complete(refresh_cache())
