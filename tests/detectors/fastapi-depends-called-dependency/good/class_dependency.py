from fastapi import Depends


class Pagination:
    def __init__(self, limit: int = 50):
        self.limit = limit


async def list_items(page=Depends(Pagination)):
    return page.limit
