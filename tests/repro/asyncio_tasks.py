"""Reproductions behind learnings/asyncio_tasks_and_timeouts.xml (standard library only).

Documentation of how each symptom text was measured; not part of the test run.
Run one case in a fresh interpreter so the output is what a user sees:

    python tests/repro/asyncio_tasks.py CASE

Measured with CPython 3.10.13, 3.11.7, 3.12.1 and 3.13.0 (same text unless the
entry's `versions` says otherwise). Names of this script (tasks, coroutines, line numbers,
addresses) are masked with `…` in the stored symptoms. FIXED=1 runs each
entry's fix instead of the mistake.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import time

FIXED = os.environ.get("FIXED") == "1"  # FIXED=1 runs the entry's fix instead of the mistake


def task_exception() -> None:
    """asyncio-task-exception-never-retrieved"""

    async def refresh_cache() -> None:
        raise ValueError("upstream returned 503")

    async def main() -> None:
        if FIXED:
            task = asyncio.create_task(refresh_cache())
            task.add_done_callback(lambda t: print("background task failed:", repr(t.exception())))
            await asyncio.sleep(0.01)
            return
        asyncio.get_running_loop().create_task(refresh_cache())
        await asyncio.sleep(0.01)

    asyncio.run(main())
    gc.collect()


def blocking_call() -> None:
    """asyncio-blocking-call-in-coroutine"""

    async def handler() -> None:
        if FIXED:
            await asyncio.sleep(0.2)
            return
        time.sleep(0.2)  # a sync call: the whole loop stops

    async def heartbeat() -> None:
        t0 = time.monotonic()
        await asyncio.sleep(0.01)
        print(f"heartbeat late by {time.monotonic() - t0 - 0.01:.2f}s")

    async def main() -> None:
        await asyncio.gather(heartbeat(), handler())

    asyncio.run(main(), debug=True)


def taskgroup_except() -> None:
    """asyncio-taskgroup-except-misses-exceptiongroup"""

    async def fetch(n: int) -> int:
        if n == 2:
            raise ValueError("bad page")
        return n

    async def main() -> None:
        try:
            async with asyncio.TaskGroup() as tg:
                for n in range(3):
                    tg.create_task(fetch(n))
        except ValueError:
            print("never printed: the TaskGroup raises an ExceptionGroup")

    async def fixed() -> None:
        try:
            async with asyncio.TaskGroup() as tg:
                for n in range(3):
                    tg.create_task(fetch(n))
        except* ValueError as group:
            print("handled with except*:", group.exceptions)

    asyncio.run(fixed() if FIXED else main())


def wait_coroutines() -> None:
    """asyncio-wait-coroutines-forbidden"""

    async def job() -> int:
        return 1

    async def main() -> None:
        if FIXED:
            done, _ = await asyncio.wait([asyncio.create_task(job()) for _ in range(2)])
            print("done:", len(done))
            return
        await asyncio.wait([job(), job()])

    asyncio.run(main())


def gather_function() -> None:
    """asyncio-gather-given-function"""

    async def job() -> int:
        return 1

    async def main() -> None:
        await asyncio.gather(job, job)  # the functions, not calls

    asyncio.run(main())


def wait_for_swallow() -> None:
    """asyncio-cancellederror-swallowed-timeout

    prints: no timeout raised; result 'cleaned up'
    """

    async def worker() -> str:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            if FIXED:
                raise
            return "cleaned up"  # swallows the cancellation
        return "done"

    async def main() -> None:
        t0 = time.monotonic()
        try:
            async with asyncio.timeout(0.05):
                result = await worker()
            print("no timeout raised; result", repr(result), f"after {time.monotonic() - t0:.2f}s")
        except TimeoutError:
            print("TimeoutError")

    asyncio.run(main())


def timeout_alias() -> None:
    """asyncio-timeouterror-not-builtin-before-3-11"""
    print("asyncio.TimeoutError is TimeoutError:", asyncio.TimeoutError is TimeoutError)

    async def main() -> None:
        try:
            await asyncio.wait_for(asyncio.sleep(1), 0.01)
        except TimeoutError:  # catches it on 3.11+ only
            print("caught TimeoutError")

    asyncio.run(main())


CASES = {
    f.__name__: f
    for f in (
        task_exception,
        blocking_call,
        taskgroup_except,
        wait_coroutines,
        gather_function,
        wait_for_swallow,
        timeout_alias,
    )
}

if __name__ == "__main__":
    import warnings

    warnings.simplefilter("default")
    CASES[sys.argv[1]]()
