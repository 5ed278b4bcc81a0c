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
import stat
from pathlib import Path

#: The deepest folder any walk enters, counted from where it starts (the learnings folder,
#: a scanned folder). No project nests so deep; a committed tree 1,500 levels deep cost
#: every command 14 s and ended it in a RecursionError. Deeper folders are reported (KB107
#: in a KB, ``too-deep`` in a scan), never read.
MAX_FOLDER_DEPTH = 100

#: Open flags for every read of a repository file: never through a link at the path's end,
#: never blocking on a FIFO.
READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


class NotRegular(OSError):
    """The path is a folder, FIFO, device or socket."""


class TooLarge(OSError):
    """The file is over the cap (``size`` is what it was, or the cap when it grew)."""

    def __init__(self, size: int, grew: bool = False):
        super().__init__(size)
        self.size = size
        self.grew = grew


def read_regular(path: Path | str, limit: int) -> bytes:
    """A regular file's bytes, opened without following a link at its end, at most
    ``limit`` of them. Raises :class:`NotRegular`, :class:`TooLarge` or the ``OSError``
    of the open or read. Whether the path may be read at all (:func:`read_root`) is the
    caller's question."""
    fd = os.open(path, READ_FLAGS)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegular(str(path))
        if info.st_size > limit:
            raise TooLarge(info.st_size)
        chunks = []
        remaining = limit + 1
        # The file's size (and one byte to see it did not grow) first: a read of 1 MiB for a
        # 140 KB file allocates and then shrinks a 1 MiB buffer, 3-10x the time of the read.
        want = info.st_size + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, want))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
            if len(chunk) < want:
                break  # a short read of a regular file: its end
            want = 1 << 20
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise TooLarge(limit, grew=True)
    return data


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
