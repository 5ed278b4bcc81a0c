import asyncio


def main():
    loop = asyncio.new_event_loop()
    task = loop.create_task(heartbeat())
    loop.run_until_complete(serve())
    task.cancel()
    loop.close()
