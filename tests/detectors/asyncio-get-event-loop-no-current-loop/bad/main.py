import asyncio


def main():
    loop = asyncio.get_event_loop()
    loop.run_until_complete(serve())
