import time

import requests


async def handler(url):
    time.sleep(0.2)
    return requests.get(url, timeout=5).json()
