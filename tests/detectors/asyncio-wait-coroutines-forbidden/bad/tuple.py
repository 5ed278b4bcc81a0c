import asyncio


async def job(n):
    return n


async def main():
    await asyncio.wait((job(1), job(2)), timeout=1)
