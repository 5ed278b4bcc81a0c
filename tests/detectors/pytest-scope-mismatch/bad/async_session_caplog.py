import pytest_asyncio


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def server(caplog):
    async with start_server() as srv:
        yield srv
