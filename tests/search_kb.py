"""Shared setup of the search tests: a writable copy of tests/fixtures/search/kb."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from kbtool.config import Config, load_config
from kbtool.search import stamps

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "search"
KB = FIXTURES / "kb"


def copy_kb(tmp_path: Path, name: str = "kb") -> Config:
    """A fresh copy of the fixture KB (its index is built on first use)."""
    target = tmp_path / name
    shutil.copytree(KB, target, ignore=shutil.ignore_patterns(".kbtool"))
    return load_config(root=target)


def bundled_copy(root: Path) -> Config:
    """A copy of the bundled ``learnings/`` (and its fix reports) as a KB at ``root``."""
    shutil.copytree(Path(__file__).resolve().parent.parent / "learnings", root / "learnings")
    (root / "kbtool.toml").write_text('learnings = "learnings"\nreports = "learnings/reports"\n')
    return load_config(root=root)


def aged_folders(config: Config) -> None:
    """Every folder of the learnings dated 10 s back: none is racy, so a walk stamps them
    (kbtool.search.stamps.folders_value)."""
    for folder in [config.learnings_dir, *config.learnings_dir.rglob("*")]:
        if folder.is_dir() and not folder.is_symlink():
            info = folder.stat()
            os.utime(folder, ns=(info.st_atime_ns, info.st_mtime_ns - 10_000_000_000))


def count_listings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that grows by one each time the folders are listed (kbtool.search.stamps)."""
    listings: list[int] = []
    real = stamps.listed

    def counted(config: Config, *args: object) -> list[stamps.Listed]:
        listings.append(1)
        return real(config, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(stamps, "listed", counted)
    return listings
