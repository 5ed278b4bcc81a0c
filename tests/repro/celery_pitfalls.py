"""Reproductions behind learnings/celery.xml.

Documentation of how each symptom text was measured; not part of the test run. A real Celery
worker runs in a thread of this process (celery.contrib.testing.worker.start_worker) with the
in-memory broker and result backend, so no Redis or RabbitMQ is needed:

    python -m venv /tmp/ce && /tmp/ce/bin/pip install celery==5.7.0
    /tmp/ce/bin/python tests/repro/celery_pitfalls.py CASE

Measured with CPython 3.11.7, Celery 5.7.0, kombu 5.7.0. Task, class and module names of
this script are masked with `…` in the stored symptoms. FIXED=1 runs each entry's fix.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import warnings

from celery import Celery
from celery.contrib.testing.worker import start_worker

FIXED = os.environ.get("FIXED") == "1"

FS = os.environ.get("CELERY_FS")  # a folder shared with a worker process (filesystem transport)
if FS:
    app = Celery("repro", broker="filesystem://", backend=f"file://{FS}/results")
    app.conf.broker_transport_options = {
        "data_folder_in": f"{FS}/queue",
        "data_folder_out": f"{FS}/queue",
        "control_folder": f"{FS}/control",  # not ./control in the working folder
    }
else:
    app = Celery("repro", broker="memory://", backend="cache+memory://")
app.conf.update(task_serializer="json", result_serializer="json", accept_content=["json"])


@app.task(name="repro.add")
def add(x: int, y: int) -> int:
    return x + y


@app.task(name="repro.total")
def total(xs: list[int]) -> int:
    if FIXED:
        from celery import chord

        return chord(add.s(x, 0) for x in xs)(collect.s()).id  # type: ignore[no-any-return]
    return sum(add.delay(x, 0).get(timeout=5) for x in xs)  # waits inside a task


@app.task(name="repro.collect")
def collect(results: list[int]) -> int:
    return sum(results)


if FIXED:

    @app.task(name="repro.notify")
    def notify(user_id: int) -> str:
        async def send() -> str:
            await asyncio.sleep(0)
            return f"sent {user_id}"

        return asyncio.run(send())

else:

    @app.task(name="repro.notify")
    async def notify(user_id: int) -> str:  # type: ignore[misc]
        await asyncio.sleep(0)
        return f"sent {user_id}"


class User:
    def __init__(self, id: int) -> None:
        self.id = id


@app.task(name="repro.welcome")
def welcome(user: object) -> None:
    pass


def result_get_in_task() -> None:
    """celery-result-get-inside-task

    Needs a real worker (the in-thread test worker of celery.contrib.testing switches the
    guard off), so this case starts a prefork `celery worker` in a subprocess and shares tasks
    and results with it through the filesystem transport.
    """
    import subprocess
    import tempfile

    if not FS:
        folder = tempfile.mkdtemp()
        for sub in ("queue", "results", "control"):
            os.makedirs(os.path.join(folder, sub))
        env = {**os.environ, "CELERY_FS": folder}
        here = os.path.dirname(os.path.abspath(__file__))
        cmd = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "celery_pitfalls",
            "worker",
            "--pool",
            "prefork",
            "-c",
            "2",
            "-l",
            "WARNING",
        ]
        worker = subprocess.Popen(
            cmd, cwd=here, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            subprocess.run(
                [sys.executable, os.path.abspath(__file__), "result_get_in_task"],
                env=env,
                check=False,
            )
        finally:
            worker.terminate()
            print(worker.communicate(timeout=30)[0])
        return
    try:
        print("caller got", total.delay([1, 2, 3]).get(timeout=20))
    except Exception as exc:
        print("caller:", type(exc).__name__, exc)


def async_task() -> None:
    """celery-async-def-task"""
    warnings.simplefilter("default")
    with start_worker(app, perform_ping_check=False):
        print(notify.delay(7).get(timeout=10))


def non_serializable() -> None:
    """celery-argument-not-json-serializable"""
    user = User(7)
    welcome.delay(user.id if FIXED else user)
    print("queued")


def unregistered() -> None:
    """celery-received-unregistered-task"""
    logging.basicConfig(level=logging.ERROR, format="[%(levelname)s/%(processName)s] %(message)s")
    with start_worker(app, perform_ping_check=False, loglevel="ERROR"):
        name = "repro.add" if FIXED else "repro.tasks.add"  # the producer's guess of the name
        result = app.send_task(name, args=(1, 2))
        try:
            print(result.get(timeout=3))
        except Exception as exc:
            print("caller:", type(exc).__name__, exc)


CASES = {f.__name__: f for f in (result_get_in_task, async_task, non_serializable, unregistered)}

if __name__ == "__main__":
    CASES[sys.argv[1]]()
