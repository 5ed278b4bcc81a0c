"""Reproductions behind learnings/python_asyncio.xml (standard library only).

Documentation of how each symptom text was measured; not part of the test run.
Run one case in a fresh interpreter so the output is what a user sees:

    python tests/repro/asyncio_pitfalls.py CASE

Measured with CPython 3.11.7 and 3.13.0 (same text unless noted):

never_awaited   coroutine-never-awaited
    RuntimeWarning: coroutine 'save_order' was never awaited
run_in_loop     asyncio-run-inside-running-loop
    RuntimeError: asyncio.run() cannot be called from a running event loop
    RuntimeWarning: coroutine 'fetch_report' was never awaited
nested_loop     asyncio-run-until-complete-in-running-loop
    RuntimeError: This event loop is already running
    RuntimeError: Cannot run the event loop while another loop is running
different_loop  asyncio-object-bound-to-another-loop
    RuntimeError: Task <...> got Future <Future pending> attached to a different loop
event_other_loop asyncio-object-bound-to-another-loop
    RuntimeError: <asyncio.locks.Event object at 0x... [unset]> is bound to a different
    event loop
task_destroyed  asyncio-task-destroyed-pending
    Task was destroyed but it is pending!
get_loop        asyncio-get-event-loop-no-current-loop
    3.11.7: no message (a loop is created silently)
    3.12.1, 3.13.0: DeprecationWarning: There is no current event loop
    (3.14 raises RuntimeError instead, per the Python docs; not measured here)
get_loop_thread asyncio-get-event-loop-no-current-loop (a thread other than the main one:
    no loop is ever created for it, on every version)
    3.11.7, 3.12.1, 3.13.0: RuntimeError: There is no current event loop in thread
    'Thread-1 (worker)'.   (the thread's name is the user's: 'Thread-…', or its name=)
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import sys


async def save_order() -> None:
    await asyncio.sleep(0)


def never_awaited() -> None:
    async def main() -> None:
        save_order()  # the missing await: nothing runs, a warning appears at GC

    asyncio.run(main())


async def fetch_report() -> str:
    return "report"


def run_in_loop() -> None:
    def sync_helper() -> str:
        # A sync helper that "just runs" a coroutine, called from async code.
        return asyncio.run(fetch_report())

    async def handler() -> None:
        sync_helper()

    asyncio.run(handler())


def nested_loop() -> None:
    async def handler() -> None:
        loop = asyncio.get_running_loop()
        loop.run_until_complete(fetch_report())

    asyncio.run(handler())


def nested_other_loop() -> None:
    async def handler() -> None:
        other = asyncio.new_event_loop()
        try:
            other.run_until_complete(fetch_report())
        finally:
            other.close()

    asyncio.run(handler())


# A module-level object created in one loop and awaited from another.
_shared: dict[str, asyncio.Future[int]] = {}


def different_loop() -> None:
    async def make() -> None:
        _shared["fut"] = asyncio.get_running_loop().create_future()

    async def use() -> None:
        await _shared["fut"]

    loop_a = asyncio.new_event_loop()
    loop_a.run_until_complete(make())
    asyncio.run(use())  # a second loop awaits loop A's future


def event_other_loop() -> None:
    ready = asyncio.Event()  # global style: one object shared by two event loops

    async def first() -> None:
        # Waiting binds the Event to the running loop.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ready.wait(), 0.01)

    async def second() -> None:
        await ready.wait()

    asyncio.run(first())
    asyncio.run(second())  # a new loop: the Event still belongs to the first one


def task_destroyed() -> None:
    async def forever() -> None:
        await asyncio.Event().wait()

    loop = asyncio.new_event_loop()
    loop.create_task(forever())  # noqa: RUF006 - the fire-and-forget task is the bug shown
    loop.run_until_complete(asyncio.sleep(0))
    loop.close()  # the pending task is dropped without cancel or await
    gc.collect()


def get_loop() -> None:
    loop = asyncio.get_event_loop()  # no running loop, none set
    print("got", type(loop).__name__)


def get_loop_thread() -> None:
    import threading
    import traceback

    def worker() -> None:
        try:
            asyncio.get_event_loop()  # no loop in this thread, and none is made for it
        except RuntimeError:
            traceback.print_exc()

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()


CASES = {
    f.__name__: f
    for f in (
        never_awaited,
        run_in_loop,
        nested_loop,
        nested_other_loop,
        different_loop,
        event_other_loop,
        task_destroyed,
        get_loop,
        get_loop_thread,
    )
}

if __name__ == "__main__":
    import warnings

    warnings.simplefilter("default")
    CASES[sys.argv[1]]()
