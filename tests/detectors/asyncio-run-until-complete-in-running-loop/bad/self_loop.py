class Bridge:
    def __init__(self, loop):
        self.loop = loop

    async def call(self, coro):
        return self.loop.run_until_complete(coro)
