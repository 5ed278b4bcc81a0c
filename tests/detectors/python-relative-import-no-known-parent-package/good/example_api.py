from .db import URL


def url():
    return URL
