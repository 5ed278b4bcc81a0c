"""kbtool.collector.Paused: the cyclic collector off inside, as it was after."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from kbtool.collector import Paused


@pytest.fixture(autouse=True)
def _collector_restored() -> Iterator[None]:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_off_inside_and_on_after() -> None:
    gc.enable()
    with Paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_on_after_an_exception() -> None:
    gc.enable()
    with pytest.raises(ValueError), Paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_left_off_when_it_was_off() -> None:
    gc.disable()
    with Paused(age=True):
        pass
    assert not gc.isenabled()


def test_age_moves_the_young_objects_out_of_the_young_generation() -> None:
    gc.enable()
    gc.collect()
    startup = gc.get_freeze_count()  # CPython 3.12 starts with objects of its own frozen
    with Paused(age=True):
        kept = [[n] for n in range(5000)]  # containers the collector tracks
    if startup == 0:
        assert gc.get_count()[0] < 100  # without aging: > 5000 young objects waiting
    else:  # aging (freeze, unfreeze) would thaw the interpreter's frozen objects: not done
        assert gc.get_count()[0] >= 5000 and gc.get_freeze_count() == startup
    assert gc.is_tracked(kept[0])
    with Paused():
        more = [[n] for n in range(5000)]
    assert gc.get_count()[0] >= 5000
    del kept, more


def test_an_index_build_leaves_the_collector_on(tmp_path: Path) -> None:
    from kbtool.config import load_config
    from kbtool.search.index import open_index

    folder = tmp_path / "learnings"
    folder.mkdir()
    gc.enable()
    with open_index(load_config(root=tmp_path), rebuild=True):
        assert gc.isenabled()
    assert gc.isenabled()
