"""Which Markdown fix reports a KB has: the ``*.md`` files under its reports folder.

A module of its own (standard library only) so that ``kbtool show`` can look at the
reports before it decides to build the link graph (:mod:`kbtool.reports.links`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

TYPE_CHECKING = False  # typing is imported for the type checker only (start-up)
if TYPE_CHECKING:
    from kbtool.config import Config


def walk_reports(config: Config) -> Iterator[str]:
    """The reports' paths relative to the KB root, sorted, hidden files and folders left out,
    links not followed."""
    folder = config.reports_dir
    if not folder.is_dir() or not config.inside(folder):
        return
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.endswith(".md") and not name.startswith("."):
                yield (Path(dirpath) / name).relative_to(config.root).as_posix()


def has_reports(config: Config) -> bool:
    """Whether the reports folder holds any Markdown file."""
    return next(walk_reports(config), None) is not None
