import asyncio
import time

import httpx
import requests


async def handler(url):
    await asyncio.sleep(0.2)
    async with httpx.AsyncClient(timeout=5) as client:
        return (await client.get(url)).json()


def sync_job(url):
    time.sleep(1)
    return requests.get(url, timeout=5)


async def offload(url):
    return await asyncio.to_thread(sync_job, url)
