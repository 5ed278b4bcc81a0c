import httpx as h


def upload(url, data):
    return h.post(url, content=data)
