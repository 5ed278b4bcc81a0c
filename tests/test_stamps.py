"""kbtool.search.stamps: the freshness value, and its check split with a forked child."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from search_kb import copy_kb

from kbtool import forked
from kbtool.config import Config
from kbtool.search import stamps


def _kb(tmp_path: Path, files: int) -> Config:
    """The fixture KB with ``files`` more small XML files over three folders (deep ones too)."""
    config = copy_kb(tmp_path)
    folders = [config.learnings_dir / "a", config.learnings_dir / "b" / "c", config.learnings_dir]
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    for n in range(files):
        (folders[n % 3] / f"f{n:04}.xml").write_text(f"<x>{n}</x>")
    return config


@given(
    st.lists(
        st.tuples(
            st.text(
                st.characters(blacklist_characters="\0/", blacklist_categories=("Cs",)),
                min_size=1,
                max_size=8,
            ),
            st.integers(-1, 2**40),
            st.integers(-1, 2**62),
        ),
        max_size=20,
    )
)
def test_a_value_reads_back(files: list[tuple[str, int, int]]) -> None:
    folders = [("k/", "/k", [f[0] for f in files], [f[1] for f in files], [f[2] for f in files])]
    parsed = stamps.parse(stamps.value(folders if files else []))
    assert parsed is not None
    paths, sizes, mtimes = parsed
    assert list(sizes) == [f[1] for f in files] and list(mtimes) == [f[2] for f in files]
    assert paths == stamps._paths(folders if files else [])


@given(st.binary(max_size=80))
def test_anything_else_is_no_value(junk: bytes) -> None:
    assert stamps.parse(junk) is None
    assert stamps.parse(stamps._MAGIC + junk[:15]) is None


def test_a_value_cut_short_or_grown_is_no_value() -> None:
    good = stamps.value([("k/", "/k", ["a.xml", "b.xml"], [1, 2], [3, 4])])
    assert stamps.parse(good) is not None
    assert stamps.parse(good[:-1]) is None
    assert stamps.parse(good + b"\0") is None


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    if not hasattr(os, "fork") or forked.cores() < 2:
        pytest.skip("no fork or a single core here")
    assert forked.can_fork(), "a thread another test left running"
    monkeypatch.setattr(stamps, "_CHUNK_FILES", 7)  # many chunks for both processes to take
    monkeypatch.setattr(stamps, "BESIDE_FROM_FILES", 10)


def _aged(config: Config) -> None:
    for path in config.learnings_dir.rglob("*.xml"):
        info = path.stat()
        os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns - 10_000_000_000))


@pytest.mark.usefixtures("small_chunks")
def test_the_check_beside_agrees_with_the_check_here(tmp_path: Path) -> None:
    config = _kb(tmp_path, 300)
    _aged(config)
    stored = stamps.value(stamps.scan(config))

    def beside() -> bool:
        check = stamps.check_beside(stored, config)
        if check is None:
            return stamps.stale(stored, config)
        return check.stale()

    assert not stamps.stale(stored, config)
    assert not beside()
    for n in (1, 150, 299):  # whichever process takes its chunk
        target = next(config.learnings_dir.rglob(f"f{n:04}.xml"))
        before = target.stat()
        os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns + 1))
        assert stamps.stale(stored, config)
        assert beside(), f"file {n} edited in place"
        os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert not beside()
    shutil.move(config.learnings_dir / "a" / "f0000.xml", tmp_path / "f0000.xml")
    assert beside(), "a file removed"
    shutil.move(tmp_path / "f0000.xml", config.learnings_dir / "a" / "f0000.xml")
    assert not beside()
    (config.learnings_dir / "b" / "new.xml").write_text("<x/>")
    assert beside(), "a file added"
    (config.learnings_dir / "b" / "new.xml").unlink()
    (config.learnings_dir / "b" / "c" / "gone.xml").symlink_to(tmp_path / "nowhere.xml")
    assert beside(), "a dangling link added"
    stored = stamps.value(stamps.scan(config))  # its stamps: -1, -1
    assert not stamps.stale(stored, config)
    assert not beside(), "a dangling link is as unchanged here as there"


@pytest.mark.usefixtures("small_chunks")
def test_a_check_given_up_leaves_no_child(tmp_path: Path) -> None:
    config = _kb(tmp_path, 60)
    stored = stamps.value(stamps.scan(config))
    check = stamps.check_beside(stored, config)
    assert check is not None
    child = check._child
    assert child is not None
    pid = child._pid
    check.abandon()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    check.abandon()  # twice is harmless


@pytest.mark.usefixtures("small_chunks")
def test_a_planted_value_leads_no_stat_outside(tmp_path: Path) -> None:
    config = _kb(tmp_path, 30)
    for planted in (["../../etc/passwd"], ["/etc/passwd"], ["learnings/../../x.xml"]):
        files = [f"learnings/f{n:04}.xml" for n in range(29)] + planted
        stored = stamps.value([("", "", files, [1] * 30, [1] * 30)])
        assert stamps._leaves(stamps.parse(stored)[0])  # type: ignore[index]
        assert stamps.check_beside(stored, config) is None, "checked here"
        assert stamps.stale(stored, config), "stale"
    fine = stamps.value([("", "", ["learnings/a..b.xml", "learnings/..x.xml"], [1, 1], [1, 1])])
    assert not stamps._leaves(stamps.parse(fine)[0])  # type: ignore[index]


def test_the_command_line_answers_once_and_sees_an_edit(tmp_path: Path) -> None:
    """A KB of 5,000 files through the command line, where the check runs beside the
    read: the answer is printed once (the child writes nothing of the parent's), and a file
    edited in place is searched as it now is."""
    import subprocess
    import sys

    if not hasattr(os, "fork") or forked.cores() < 2:
        pytest.skip("no fork or a single core here")
    config = _kb(tmp_path, stamps.BESIDE_FROM_FILES)
    _aged(config)

    def search(word: str) -> list[str]:
        done = subprocess.run(
            [sys.executable, "-m", "kbtool", "search", "--ids", word],
            cwd=config.root,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.splitlines()

    subprocess.run(
        [sys.executable, "-m", "kbtool", "index"], cwd=config.root, capture_output=True, check=True
    )
    found = search("cursor")
    assert found and len(found) == len(set(found))
    target = config.learnings_dir / "api_http.xml"
    folder_mtime = target.parent.stat().st_mtime_ns
    target.write_text(target.read_text(encoding="utf-8").replace("Cursor", "Qzxwvu", 1))
    info = target.stat()
    os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns + 5_000_000_000))
    os.utime(target.parent, ns=(folder_mtime, folder_mtime))
    hits = search("qzxwvu")
    assert len(hits) == 1 and hits[0] in found, "the edit is searched"
