import asyncio


def main():
    loop = asyncio.new_event_loop()
    loop.create_task(heartbeat())
    loop.run_until_complete(serve())
    loop.close()
