import pytest_asyncio


@pytest_asyncio.fixture(loop_scope="session", scope="session")
async def client():
    async with make_client() as c:
        yield c
