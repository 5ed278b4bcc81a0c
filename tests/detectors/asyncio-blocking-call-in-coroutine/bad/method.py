import requests


class Client:
    async def post(self, url, body):
        return requests.post(url, json=body, timeout=5)
