import asyncio


class ReportService:
    async def daily(self):
        return asyncio.run(self.fetch())
