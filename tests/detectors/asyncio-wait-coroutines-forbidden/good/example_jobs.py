import asyncio


async def job(n):
    return n


async def main():
    done, _ = await asyncio.wait([asyncio.create_task(job(n)) for n in range(3)])
