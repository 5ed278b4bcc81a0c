import asyncio


async def crawl(pages):
    try:
        async with asyncio.TaskGroup() as tg:
            for page in pages:
                tg.create_task(fetch(page))
    except ValueError:
        return None
