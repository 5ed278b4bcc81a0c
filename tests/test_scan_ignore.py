"""``kbtool scan``: .gitignore files, ``--exclude`` globs and ``--statistics``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from test_scan import KB_XML, lines, scan

from kbtool.scan.ignore import IgnoreRules

FILES = {
    ".gitignore": "build/\n*.gen.py\n!keep.gen.py\n/top_only.py\nlogs\n",
    "app.py": "print(1)\n",
    "top_only.py": "print(1)\n",  # anchored: ignored here …
    "pkg/top_only.py": "print(1)\n",  # … not below
    "x.gen.py": "print(1)\n",
    "keep.gen.py": "print(1)\n",  # negated
    "build/a.py": "print(1)\n",  # dir-only pattern
    "logs/a.py": "print(1)\n",  # a pattern without a slash names folders too
    "pkg/.gitignore": "sub/\n!x.gen.py\n",  # nested: re-includes what the parent ignores
    "pkg/x.gen.py": "print(1)\n",
    "pkg/sub/b.py": "print(1)\n",
    "pkg/mod.py": "print(1)\n",
    "vendor/lib.py": "print(1)\n",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    kb = tmp_path / "kb"
    (kb / "learnings").mkdir(parents=True)
    (kb / "learnings" / "test.xml").write_text(KB_XML, encoding="utf-8")
    for rel, text in FILES.items():
        path = kb / "code" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return kb


def scanned(kb: Path, *args: str) -> list[str]:
    cwd = os.getcwd()
    try:
        os.chdir(kb / "code")
        code, out, _ = scan(*args, root=kb)
    finally:
        os.chdir(cwd)
    assert code in (0, 1)
    return sorted(lines(out))


def test_gitignore_nested_negated_dir_only_and_anchored(project: Path) -> None:
    assert scanned(project) == [
        "app.py:1:1",
        "keep.gen.py:1:1",
        "pkg/mod.py:1:1",
        "pkg/top_only.py:1:1",
        "pkg/x.gen.py:1:1",
        "vendor/lib.py:1:1",
    ]


def test_exclude_globs_and_no_gitignore(project: Path) -> None:
    assert scanned(project, "--exclude", "vendor/", "--exclude", "pkg/*.py") == [
        "app.py:1:1",
        "keep.gen.py:1:1",
    ]
    everything = scanned(project, "--no-gitignore")
    assert len(everything) == len([r for r in FILES if not r.endswith(".gitignore")])


def test_a_parent_gitignore_counts_up_to_the_repository_root(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("src/generated/\n")
    (tmp_path / "src" / "generated").mkdir(parents=True)
    rules = IgnoreRules(tmp_path / "src")
    assert rules.ignored("generated", is_dir=True)
    assert not rules.ignored("generated")  # a file of that name: 'generated/' is folders only
    assert not rules.ignored("main.py")
    # outside any repository, a .gitignore above the scanned folder does not count
    (tmp_path / ".git").rmdir()
    assert not IgnoreRules(tmp_path / "src").ignored("generated", is_dir=True)


def test_statistics_counts_per_detector(project: Path) -> None:
    cwd = os.getcwd()
    try:
        os.chdir(project / "code")
        code, out, _ = scan("--statistics", root=project)
        assert code == 1
        assert out.split() == ["6", "print-call", "print()", "left", "in", "code"]
        code, out, _ = scan("--statistics", "--format", "json", root=project)
    finally:
        os.chdir(cwd)
    data = json.loads(out)
    assert data["statistics"] == [
        {"entry": "print-call", "count": 6, "title": "print() left in code"}
    ]
    assert data["summary"]["findings"] == 6


# ------------------------------------------------------------------ hostile ignore files

#: Patterns a project writes: matched as before.
EVERYDAY = [
    "*.pyc",
    "*.min.*",
    "**/*.min.*",
    "**/build/**/*.py",
    "docs/**/gen",
    "src/**/*_pb2.py",
    "*_pb2*.py",
    "**/node_modules/**",
    "!keep.log",
    ".*.sw?",
    "a/**/b/**/c",
    r"\*\*\*a*b",  # escaped stars are plain characters
]
#: Patterns whose match takes time that grows as a high power of the path's length.
COSTLY = [
    "*a*a*b",
    "*a*a*a*a*b",
    "!*a*a*b",
    "/x/*a*a*a*b",
    "*test*data*.json",
    "**/a/**/a/**/b",
    "a/**/a/**/a/**/b",
    "**/a*/**/*b",
]


@pytest.mark.parametrize("pattern", EVERYDAY)
def test_everyday_patterns_are_matched(pattern: str) -> None:
    from kbtool.scan.ignore import costly

    assert not costly(pattern)


@pytest.mark.parametrize("pattern", COSTLY)
def test_costly_patterns_are_set_aside(pattern: str) -> None:
    from kbtool.scan.ignore import compile_patterns, costly

    assert costly(pattern)
    aside: list[tuple[int, str]] = []
    spec = compile_patterns(["*.log", pattern], aside)
    assert aside == [(2, pattern)] and len(spec.patterns) == 1


def test_a_hostile_gitignore_cannot_hold_the_scan(tmp_path: Path) -> None:
    """A pull request's ``.gitignore`` with ``*a*a*a*a*b`` beside files named by 200 ``a``s
    held ``kbtool scan`` for hours (4.7 s a file). The pattern is set aside with a KB513
    warning, the files are scanned, and the other patterns still count. In a child process
    with a deadline, so that a regression fails instead of hanging."""
    import subprocess
    import sys

    kb = tmp_path / "kb"
    (kb / "learnings").mkdir(parents=True)
    (kb / "learnings" / "test.xml").write_text(KB_XML, encoding="utf-8")
    code = kb / "code"
    code.mkdir()
    (code / ".gitignore").write_text("*.gen.py\n*a*a*a*a*a*a*b\n")
    for n in range(20):
        (code / f"{'a' * 200}{n}.py").write_text("print(1)\n")
    (code / "x.gen.py").write_text("print(1)\n")
    done = subprocess.run(
        [sys.executable, "-m", "kbtool", "--root", str(kb), "scan", "--format", "json", "."],
        cwd=code,
        capture_output=True,
        text=True,
        timeout=120,
    )
    data = json.loads(done.stdout)
    assert done.returncode == 1, done.stderr
    assert len(data["findings"]) == 20
    assert all(f["path"].startswith("a" * 200) for f in data["findings"])  # x.gen.py ignored
    [problem] = data["problems"]
    assert (problem["path"], problem["line"], problem["code"]) == (".gitignore", 2, "KB513")
    assert "*a*a*a*a*a*a*b" in problem["message"]


def test_a_costly_exclude_is_a_usage_error(project: Path) -> None:
    cwd = os.getcwd()
    try:
        os.chdir(project / "code")
        code, _, err = scan("--exclude", "*a*a*a*b", root=project)
        named = scan("--exclude", "*a*a*a*b", "app.py", root=project)  # a file, not a folder
    finally:
        os.chdir(cwd)
    assert code == 2 and "KB513" in err
    assert named[0] == 2 and "KB513" in named[2]


def test_folders_deeper_than_the_limit_are_not_entered(tmp_path: Path) -> None:
    from kbtool.confine import MAX_FOLDER_DEPTH as MAX_DEPTH
    from kbtool.scan.scanner import iter_targets

    deep = tmp_path
    for _ in range(MAX_DEPTH + 5):
        deep = deep / "d"
    deep.mkdir(parents=True)
    (deep / "bottom.py").write_text("x = 1\n")
    shallow = tmp_path.joinpath(*["d"] * (MAX_DEPTH - 1))
    (shallow / "within.py").write_text("x = 1\n")
    from collections import Counter

    skipped: Counter[str] = Counter()
    found = [t.rel for t in iter_targets([tmp_path], skipped=skipped)]
    assert found == ["d/" * (MAX_DEPTH - 1) + "within.py"]
    assert skipped["too-deep"] == 1


def test_a_detector_that_backtracks_ends_the_scan_in_failure_not_a_hang(tmp_path: Path) -> None:
    """A pull request's entry with ``x.*x.*x.*x.*x.*y`` (past the static check) and a file
    of one line of 3,000 ``x``: the scan hung. Now the search stops at its limit, KB514 is
    reported at the file, and the scan fails (exit 1), so a file made to outlast the limit
    cannot pass unchecked. A child process with a deadline."""
    import subprocess
    import sys

    kb = tmp_path / "kb"
    (kb / "learnings").mkdir(parents=True)
    slow = KB_XML.replace(
        "</detectors>",
        '<detector kind="regex"><pattern>x.*x.*x.*x.*x.*y</pattern>'
        '<example kind="bad">x x x x x y</example><example kind="good">z</example>'
        "</detector></detectors>",
        1,
    )
    (kb / "learnings" / "test.xml").write_text(slow, encoding="utf-8")
    (kb / "code").mkdir()
    (kb / "code" / "slow.py").write_text("x" * 3000 + "\n")
    done = subprocess.run(
        [sys.executable, "-m", "kbtool", "--root", str(kb), "scan", "--format", "json", "."],
        cwd=kb / "code",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    [problem] = json.loads(done.stdout)["problems"]
    assert (problem["path"], problem["code"], problem["severity"]) == ("slow.py", "KB514", "error")


# ------------------------------------------------------------------ what git tracks

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=k@b", "-c", "user.name=k", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def _repository(tmp_path: Path, *init: str) -> Path:
    """A repository whose .gitignore names a committed file and a folder holding one."""
    kb = tmp_path / "kb"
    (kb / "learnings").mkdir(parents=True)
    (kb / "learnings" / "test.xml").write_text(KB_XML, encoding="utf-8")
    code = kb / "code"
    for rel in ("app/hidden.py", "app/ok.py", "build/kept.py"):
        (code / rel).parent.mkdir(parents=True, exist_ok=True)
        (code / rel).write_text("print(1)\n")
    _git(kb, "init", "-q", *init)
    _git(kb, "add", "learnings", "code/app/hidden.py", "code/app/ok.py")
    _git(kb, "add", "-f", "code/build/kept.py")
    _git(kb, "commit", "-q", "-m", "code")
    # the pull request: hide a committed file, and add files git does not track
    (code / ".gitignore").write_text("app/hidden.py\nbuild/\napp/new.py\n")
    (code / "build" / "untracked.py").write_text("print(2)\n")
    (code / "app" / "new.py").write_text("print(2)\n")
    return kb


@needs_git
@pytest.mark.parametrize("version", ["2", "3", "4"])
def test_a_gitignore_cannot_hide_a_file_git_tracks(tmp_path: Path, version: str) -> None:
    """git applies .gitignore to untracked files only; a pull request that names a
    committed file in a .gitignore hid it from every detector. Every index version git
    writes (3: an intent-to-add entry sets the extended flags; 4: compressed paths)."""
    kb = _repository(tmp_path)
    if version == "3":
        (kb / "code" / "app" / "later.py").write_text("print(3)\n")
        _git(kb, "add", "-N", "code/app/later.py")
    _git(kb, "update-index", "--index-version", version)
    found = scanned(kb)
    expected = ["app/hidden.py:1:1", "app/ok.py:1:1", "build/kept.py:1:1"]
    if version == "3":
        expected.insert(1, "app/later.py:1:1")
    assert found == expected  # app/new.py and build/untracked.py: ignored, as before


@needs_git
def test_a_pyvenv_cfg_cannot_hide_a_folder_git_tracks(tmp_path: Path) -> None:
    """A folder holding ``pyvenv.cfg`` is a virtual environment, and is not scanned; a pull
    request that added an empty ``pyvenv.cfg`` to ``app/`` hid every file of it. A real
    environment is never committed: a folder with files git tracks is scanned."""
    kb = _repository(tmp_path)
    (kb / "code" / "app" / "pyvenv.cfg").write_text("")  # the pull request's one line
    _git(kb, "add", "code/app/pyvenv.cfg")
    venv = kb / "code" / "env"  # a real one, beside the code, untracked
    (venv / "lib").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (venv / "lib" / "site.py").write_text("print(4)\n")
    assert scanned(kb) == ["app/hidden.py:1:1", "app/ok.py:1:1", "build/kept.py:1:1"]


@needs_git
@pytest.mark.parametrize("setting", ["reports", "cache", "learnings"])
def test_the_configuration_cannot_make_code_the_kbs_own_folder(
    tmp_path: Path, setting: str
) -> None:
    """The scan leaves out the knowledge base's own folders, whose files hold code that
    detectors would flag. A pull request's ``kbtool.toml`` naming ``code/app`` as one of them
    (``reports = "code/app"``) hid that folder's code; only the KB's own kinds of files
    (entries, reports) and an untracked cache folder are left out now."""
    kb = _repository(tmp_path)
    if setting == "learnings":  # the entries move along, so that the KB still loads
        (kb / "learnings" / "test.xml").rename(kb / "code" / "app" / "test.xml")
    (kb / "kbtool.toml").write_text(f'{setting} = "code/app"\n')
    assert scanned(kb) == ["app/hidden.py:1:1", "app/ok.py:1:1", "build/kept.py:1:1"]


@needs_git
def test_folders_skipped_by_name_are_scanned_when_git_tracks_files_in_them(
    tmp_path: Path,
) -> None:
    """``.venv``, ``.tox``, ``node_modules`` … are left out by name: tools write them, and
    they are never committed. A pull request that committed its code as ``.tox/m/run.py``
    and a link ``app2 -> .tox/m`` (Python imports ``app2.run`` through it; the walk follows
    no folder link) hid the code from every detector."""
    kb = _repository(tmp_path)
    code = kb / "code"
    for rel in (".tox/m/run.py", "node_modules/x.py", ".venv/y.py", "pkg.egg-info/z.py"):
        (code / rel).parent.mkdir(parents=True, exist_ok=True)
        (code / rel).write_text("print(1)\n")
        _git(kb, "add", "-f", f"code/{rel}")
    (code / "app2").symlink_to(".tox/m", target_is_directory=True)
    (code / ".venv" / "untracked.py").write_text("print(2)\n")  # entered: scanned too
    (code / ".mypy_cache").mkdir()  # git tracks nothing in it: left out
    (code / ".mypy_cache" / "untracked.py").write_text("print(2)\n")
    assert scanned(kb) == [
        ".tox/m/run.py:1:1",
        ".venv/untracked.py:1:1",
        ".venv/y.py:1:1",
        "app/hidden.py:1:1",
        "app/ok.py:1:1",
        "build/kept.py:1:1",
        "node_modules/x.py:1:1",
        "pkg.egg-info/z.py:1:1",
    ]


@needs_git
def test_a_sha256_repository_is_read_too(tmp_path: Path) -> None:
    kb = _repository(tmp_path, "--object-format=sha256")
    assert scanned(kb) == ["app/hidden.py:1:1", "app/ok.py:1:1", "build/kept.py:1:1"]


@needs_git
def test_a_damaged_index_falls_back_to_the_gitignore_files(tmp_path: Path) -> None:
    """Every cut of a real index parses to None or to some of its paths, never an error."""
    from kbtool.scan.gitindex import parse

    kb = _repository(tmp_path)
    data = (kb / ".git" / "index").read_bytes()
    whole = parse(data)
    assert whole is not None and "code/app/hidden.py" in whole
    for cut in range(len(data)):
        part = parse(data[:cut])
        assert part is None or part <= whole
    flipped = bytearray(data)
    for at in range(0, len(data), 7):
        flipped[at] ^= 0xFF
        got = parse(bytes(flipped))
        assert got is None or isinstance(got, frozenset)
    (kb / ".git" / "index").write_bytes(b"DIRC\0\0\0\x09garbage")  # unknown version
    assert scanned(kb) == ["app/ok.py:1:1"]  # .gitignore alone, as before


def test_an_index_whose_compressed_paths_grow_without_end_is_not_read() -> None:
    """Index version 4 writes each path as a part of the one before plus new bytes: entries
    that drop nothing and add 1,000 bytes each made paths of megabytes, and memory the
    square of the file's size (a 6 MB index: gigabytes). A path longer than any file system
    allows makes the index unreadable (then the .gitignore files count alone)."""
    import struct

    from kbtool.scan.gitindex import parse

    entry = bytes(40 + 20) + struct.pack(">H", 0xFFF) + b"\x00" + b"a" * 1000 + b"\x00"
    data = b"DIRC" + struct.pack(">II", 4, 300) + entry * 300
    assert parse(data) is None
    fine = bytes(40 + 20) + struct.pack(">H", 5) + b"\x00" + b"a.py\x00"
    assert parse(b"DIRC" + struct.pack(">II", 4, 1) + fine) == frozenset({"a.py"})
