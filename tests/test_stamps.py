"""kbtool.search.stamps: the freshness value, and its check split with a forked child."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from search_kb import aged_folders, copy_kb

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


# ------------------------------------------------------------------ the folders' stamps


def _stamped(config: Config) -> bytes:
    aged_folders(config)
    walked = stamps.walk(config)
    assert walked.folders, "aged folders are stamped"
    assert walked.files == stamps.scan(config), "the walk lists what the scan lists"
    return walked.folders


def _same_listing(folders: bytes, config: Config) -> bool:
    root = os.open(config.root, os.O_RDONLY)
    try:
        return stamps.folders_unchanged(folders, config, root)
    finally:
        os.close(root)


def test_a_folders_value_reads_back_and_nothing_else_does(tmp_path: Path) -> None:
    config = _kb(tmp_path, 9)
    (config.learnings_dir / "empty").mkdir()  # listed, though it holds no file yet
    folders = _stamped(config)
    parsed = stamps.parse_folders(folders)
    assert parsed is not None
    rules, paths, numbers = parsed
    assert paths.split(b"\0") == [
        b"learnings",
        b"learnings/a",
        b"learnings/b",
        b"learnings/b/c",
        b"learnings/empty",
    ]
    assert len(numbers) == 4 * 5 and rules == stamps._rules(config)
    assert stamps.parse_folders(folders[:-1]) is None
    assert stamps.parse_folders(folders + b"\0") is None
    assert stamps.parse_folders(b"") is None
    assert stamps.parse_folders(stamps.value(stamps.scan(config))) is None, "the files' value"


@given(st.binary(max_size=120))
def test_junk_is_no_folders_value(junk: bytes) -> None:
    assert stamps.parse_folders(junk) is None
    parsed = stamps.parse_folders(stamps._FOLDERS_MAGIC + junk)
    if parsed is not None:  # only when its counts and lengths add up
        _, paths, numbers = parsed
        assert len(numbers) == 4 * len(paths.split(b"\0"))


def test_the_folders_stamps_see_every_change_to_a_listing(tmp_path: Path) -> None:
    """Each change that alters what a walk lists alters a folder's stamp; an edit in place
    alters none (the files' own stamps see it)."""
    config = _kb(tmp_path, 30)
    learnings = config.learnings_dir
    changes: dict[str, Callable[[], object]] = {
        "a file added": lambda: (learnings / "b" / "c" / "new.xml").write_text("<x/>"),
        "a file removed": lambda: (learnings / "a" / "f0000.xml").unlink(),
        "a file renamed": lambda: (learnings / "f0002.xml").rename(learnings / "g0002.xml"),
        "a file moved between folders": lambda: shutil.move(
            learnings / "a" / "f0003.xml", learnings / "b" / "f0003.xml"
        ),
        "a folder added": lambda: (learnings / "later").mkdir(),  # not stamped: files may come
        "a folder removed": lambda: shutil.rmtree(learnings / "b" / "c"),
        "a folder made unreadable": lambda: (learnings / "a").chmod(0o300),
        "a folder renamed": lambda: (learnings / "b").rename(learnings / "bb"),
    }
    for what, change in changes.items():
        folders = _stamped(config)
        assert _same_listing(folders, config), what
        before = stamps.scan(config)
        change()
        assert _same_listing(folders, config) is False, what
        if what not in ("a folder added", "a folder made unreadable"):  # (root reads it)
            assert stamps.scan(config) != before, what
        (learnings / "a").chmod(0o755)

    folders = _stamped(config)
    target = learnings / "f0005.xml"
    assert target.is_file()
    target.write_text("<x>edited in place</x>")
    assert _same_listing(folders, config), "an edit in place changes no folder"
    (learnings / "a" / "hidden.xml").write_text("<x/>")
    info = (learnings / "a").stat()
    os.utime(learnings / "a", ns=(info.st_atime_ns, info.st_mtime_ns - 10_000_000_000))
    assert not _same_listing(folders, config), "a file added, its folder's mtime set back"


def test_folders_changed_just_before_the_walk_are_not_trusted(tmp_path: Path) -> None:
    config = _kb(tmp_path, 6)
    assert stamps.walk(config).folders == b"", "a folder changed within RACY_NS"
    aged_folders(config)
    (config.learnings_dir / "b" / "c" / "late.xml").write_text("<x/>")
    assert stamps.walk(config).folders == b"", "one racy folder is enough"


def test_the_folders_stamps_hold_for_their_rules_only(tmp_path: Path) -> None:
    from kbtool.config import load_config

    config = _kb(tmp_path, 6)
    folders = _stamped(config)
    assert _same_listing(folders, config)
    toml = config.root / "kbtool.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + 'reports = "learnings/a"\n')
    other = load_config(root=config.root)
    assert stamps.skipped_folders(other) != stamps.skipped_folders(config)
    assert not _same_listing(folders, other), "another walk, whatever the folders say"


def test_a_learnings_folder_that_is_one_file_has_no_folders_stamps(tmp_path: Path) -> None:
    from kbtool.config import load_config

    config = _kb(tmp_path, 0)
    shutil.copy(config.learnings_dir / "api_http.xml", config.root / "one.xml")
    (config.root / "kbtool.toml").write_text('[tool.kbtool]\nlearnings = "one.xml"\n')
    single = load_config(root=config.root)
    aged_folders(config)
    walked = stamps.walk(single)
    assert [names for _, _, names, *_ in walked.files] == [["one.xml"]]
    assert walked.folders == b""


def test_a_planted_folders_value_leads_no_stat_outside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _kb(tmp_path, 3)
    folders = _stamped(config)
    rules, paths, numbers = stamps.parse_folders(folders)  # type: ignore[misc]
    statted: list[object] = []
    real_stat = os.stat

    def recorded(*args: object, **kwargs: object) -> os.stat_result:
        statted.append(args)
        return real_stat(*args, **kwargs)  # type: ignore[arg-type]

    for planted in (b"../..", b"/etc", b"learnings/../../x"):
        bad_paths = paths.replace(b"learnings/a", planted, 1)
        head = len(rules).to_bytes(8, "little") + (len(numbers) // 4).to_bytes(8, "little")
        value = stamps._FOLDERS_MAGIC + head + len(bad_paths).to_bytes(8, "little")
        value += rules + bad_paths + numbers.tobytes()
        assert stamps.parse_folders(value) is not None
        with monkeypatch.context() as patch:
            patch.setattr(os, "stat", recorded)
            assert not _same_listing(value, config)
        assert statted == [], planted
    with monkeypatch.context() as patch:
        patch.setattr(os, "stat", recorded)
        assert _same_listing(folders, config)
    assert len(statted) == 4, "the genuine value stats each of its four folders"


@pytest.mark.usefixtures("small_chunks")
def test_the_check_beside_lists_no_folder_that_is_unchanged(tmp_path: Path) -> None:
    """With the folders' stamps, the child lists nothing while they hold, and still sees
    each change (it lists then)."""
    config = _kb(tmp_path, 300)
    _aged(config)
    folders = _stamped(config)
    stored = stamps.value(stamps.scan(config))
    marker = tmp_path / "listed-in-child"
    parent = os.getpid()
    real_listed = stamps.listed

    def listed(config: Config, folders: object = None) -> list[stamps.Listed]:
        if os.getpid() != parent:
            marker.touch()
        return real_listed(config, folders)  # type: ignore[arg-type]

    def beside() -> bool:
        check = stamps.check_beside(stored, config, folders)
        assert check is not None
        return check.stale()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(stamps, "listed", listed)
        assert not beside()
        assert not marker.exists(), "the folders vouched for the listing"
        assert stamps.unchanged(stored, folders, config), "here too, without a walk"
        target = config.learnings_dir / "b" / "c" / "f0100.xml"
        before = target.stat()
        os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns + 1))
        assert beside(), "an edit in place: the files' stamps see it"
        assert not stamps.unchanged(stored, folders, config)
        assert not marker.exists()
        os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
        (config.learnings_dir / "a" / "new.xml").write_text("<x/>")
        assert beside(), "a file added"
        assert marker.exists(), "a folder changed: the child listed"
        assert not stamps.unchanged(stored, folders, config)
