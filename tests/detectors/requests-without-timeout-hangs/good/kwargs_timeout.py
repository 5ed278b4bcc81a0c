import requests

TIMEOUT = (3.05, 10)


def notify(url, payload):
    requests.post(url, json=payload, timeout=TIMEOUT)
