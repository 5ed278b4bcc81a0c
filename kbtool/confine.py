"""The one rule for reading: never through a link that leaves the knowledge base root.

A path that sits inside the KB root (judged where it stands, its last link not followed)
may only be read if it also *leads* inside the root: a committed link to ``/etc/passwd``,
``~/.ssh`` or another checkout is refused (KB104 from :func:`kbtool.safexml.read_capped`),
whether it is a file, a folder on the way, or the folder a command was pointed at. A path
the user names outside the KB (``kbtool import-report ~/notes/bug.md``, ``kbtool migrate
../old-kb``) was chosen on the command line, not by the repository: it is read, confined
to its own real folder, so links inside *that* folder cannot leave it either.

Every reading command takes its ``root`` for :func:`kbtool.safexml.read_capped` from
:func:`read_root`.
"""

from __future__ import annotations

import os
from pathlib import Path


def located_inside(path: Path, root: Path) -> bool:
    """True when ``path`` stands inside ``root`` (the folders leading to it resolved, its
    own last component not followed)."""
    absolute = Path(os.path.abspath(path))  # noqa: PTH100 - judge the link, don't follow it
    if absolute.is_relative_to(root):
        return True
    try:
        return absolute.parent.resolve().is_relative_to(root)
    except (OSError, RuntimeError):
        return False


def read_root(path: Path, kb_root: Path | None) -> Path:
    """The folder every read under ``path`` must stay inside (see the module docstring)."""
    if kb_root is not None and located_inside(path, kb_root):
        return kb_root
    absolute = Path(os.path.abspath(path))  # noqa: PTH100
    try:
        real = absolute.resolve()
    except (OSError, RuntimeError):
        return absolute
    return real if real.is_dir() else real.parent


def leaves(path: Path, root: Path) -> bool:
    """True when ``path`` stands inside ``root`` but resolves outside it (a link out)."""
    try:
        return located_inside(path, root) and not path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):
        return False
