class Worker:
    def __init__(self, loop):
        self._loop = loop

    def submit(self, coro):
        self._loop.create_task(coro)
