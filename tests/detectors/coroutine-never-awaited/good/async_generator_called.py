async def rows():
    yield 1


def make():
    rows()
