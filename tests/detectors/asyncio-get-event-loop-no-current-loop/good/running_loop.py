import asyncio


async def serve():
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, warm_up)


def main():
    asyncio.run(serve())
