import requests


def fetch(url):
    return requests.get(url, timeout=(3.05, 10)).json()
