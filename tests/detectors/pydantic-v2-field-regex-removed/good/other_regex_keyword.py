import re

from fastapi import Query


def search(q: str = Query(pattern="^[a-z]+$")):
    return re.compile(q)
