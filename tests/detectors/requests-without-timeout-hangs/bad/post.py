import requests


def notify(url, payload):
    requests.post(url, json=payload)
