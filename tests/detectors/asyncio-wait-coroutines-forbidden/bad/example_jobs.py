import asyncio


async def job(n):
    return n


async def main():
    done, _ = await asyncio.wait([job(1), job(2)])
    more, _ = await asyncio.wait([job(n) for n in range(3)])
