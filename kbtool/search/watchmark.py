"""The watcher's mark: ``<cache>/watch.lock`` and what it says, read by every query.

A live watcher (:func:`kbtool.search.watch.watch`) holds the file's exclusive ``flock`` and
writes ``clean <learnings folder>`` while the index is fresh; :func:`vouched` is the few
system calls a query makes to trust it and skip its freshness check. This module is all
the index needs of the watcher.
"""

from __future__ import annotations

import os
import stat

TYPE_CHECKING = False  # typing is imported for the type checker only (start-up)
if TYPE_CHECKING:
    from pathlib import Path

    from kbtool.config import Config

WATCH_LOCK = "watch.lock"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def clean_record(config: Config) -> bytes:
    """What the lock file says while the index is fresh for ``config``'s learnings folder."""
    folder = os.path.abspath(config.learnings_dir)  # noqa: PTH100 - no system call
    return f"clean {folder}\n".encode("utf-8", "surrogateescape")


def vouched(folder: Path, config: Config) -> bool:
    """Whether a live watcher vouches that the index in ``folder`` is up to date with
    ``config``'s learnings folder. A few system calls; False whenever in doubt."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return False
    try:
        fd = os.open(folder / WATCH_LOCK, os.O_RDONLY | _NOFOLLOW | os.O_NONBLOCK | _CLOEXEC)
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:  # held: a watcher is alive
            return os.pread(fd, 4096, 0) == clean_record(config)
        except OSError:
            return False
        return False  # nobody holds it: no watcher
    finally:
        os.close(fd)  # also releases a shared lock taken above
