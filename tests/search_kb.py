"""Shared setup of the search tests: a writable copy of tests/fixtures/search/kb."""

from __future__ import annotations

import shutil
from pathlib import Path

from kbtool.config import Config, load_config

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "search"
KB = FIXTURES / "kb"


def copy_kb(tmp_path: Path, name: str = "kb") -> Config:
    """A fresh copy of the fixture KB (its index is built on first use)."""
    target = tmp_path / name
    shutil.copytree(KB, target, ignore=shutil.ignore_patterns(".kbtool"))
    return load_config(root=target)
