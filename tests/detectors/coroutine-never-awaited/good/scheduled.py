import asyncio


async def refresh():
    await cache.reload()


def on_startup(loop):
    loop.call_soon(asyncio.ensure_future, refresh())
    asyncio.run(refresh())
