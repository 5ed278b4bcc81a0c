import asyncio

import pytest


@pytest.fixture
def loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def event_loop():
    return asyncio.new_event_loop()
