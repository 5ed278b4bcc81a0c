"""kbtool.forked: work in a forked child, its answer, its failures, what it may touch."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from kbtool import forked
from kbtool.forked import Forked

pytestmark = pytest.mark.skipif(
    not hasattr(os, "fork") or forked.cores() < 2, reason="no fork or a single core here"
)


def test_the_answer_comes_back_whole() -> None:
    big = bytes(range(256)) * 10_000  # 2.5 MB: more than a pipe holds at once
    pending = Forked.start(lambda: big)
    assert pending is not None
    assert pending.result() == big
    assert pending.result() is None  # asked twice: the child is gone, no second answer


def test_work_that_fails_answers_none() -> None:
    def fails() -> bytes:
        raise RuntimeError("boom")

    pending = Forked.start(fails)
    assert pending is not None
    assert pending.result() is None


def test_the_child_holds_none_of_the_parents_files(tmp_path: Path) -> None:
    fd = os.open(tmp_path / "lock", os.O_RDWR | os.O_CREAT)
    try:

        def probe() -> bytes:
            try:
                os.fstat(fd)
            except OSError:
                return b"closed"
            return b"open"

        pending = Forked.start(probe)
        assert pending is not None
        assert pending.result() == b"closed"
    finally:
        os.close(fd)


def test_an_abandoned_child_is_stopped_and_reaped() -> None:
    pending = Forked.start(lambda: (os.pause(), b"")[1])  # would wait for ever
    assert pending is not None
    pid = pending._pid
    pending.abandon()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # neither running nor a zombie
    assert pending.result() is None


def test_no_fork_while_another_thread_runs() -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not forked.can_fork()
        assert Forked.start(lambda: b"x") is None
    finally:
        stop.set()
        other.join()
    assert forked.can_fork()


def test_the_objects_frozen_for_the_child_are_thawed_after() -> None:
    import gc

    startup = gc.get_freeze_count()  # CPython 3.12 starts with objects of its own frozen
    pending = Forked.start(lambda: b"x")
    assert pending is not None
    if startup == 0:
        assert gc.get_freeze_count() > 0, "frozen while the child runs"
    else:  # unfreezing after would thaw the interpreter's own: nothing is frozen
        assert gc.get_freeze_count() == startup
    assert pending.result() == b"x"
    assert gc.get_freeze_count() == startup
    gc.freeze()  # the caller's own: left as they are
    try:
        pending = Forked.start(lambda: b"y")
        assert pending is not None
        pending.abandon()
        assert gc.get_freeze_count() > 0, "the caller's frozen objects stay frozen"
    finally:
        gc.unfreeze()
