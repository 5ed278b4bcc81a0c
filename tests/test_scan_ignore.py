"""``kbtool scan``: .gitignore files, ``--exclude`` globs and ``--statistics``."""

from __future__ import annotations

import json
import os
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
