"""A watcher that keeps the search index fresh, so that queries can skip their freshness check.

Every query first makes sure that no XML file changed since the index was last brought up to
date: one ``stat`` a file. At a million entries (20,000 files) that check is most of a
query's time (docs/performance.md). :func:`watch` (``kbtool index --watch``) answers it the
way git's fsmonitor does: a long-running process learns of every change from the kernel
(Linux inotify), brings the index up to date itself, and vouches for it. A query skips the
walk only when :func:`kbtool.search.watchmark.vouched` holds:

- a live process holds the exclusive ``flock`` on ``<cache>/watch.lock`` (a file committed
  with a pull request, or left by a watcher that died, holds no lock), and
- that file says ``clean`` for this very learnings folder.

The watcher writes ``dirty`` as soon as the kernel reports a change under the folder, before
it updates the index, and ``clean`` only after the update, when no further event is waiting.
A query that starts in the moment between an edit and the kernel's report (well under a
millisecond) sees the index as it was just before the edit, as it would have a moment earlier.

The watcher never vouches for a folder that holds an XML file reached through a link (an edit
behind a link raises no event where it is watched); it keeps the index fresh all the same.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path

from kbtool.config import Config
from kbtool.errors import ConfigError, UsageError
from kbtool.search.watchmark import WATCH_LOCK, clean_record

TYPE_CHECKING = False  # typing is imported for the type checker only (start-up)

if TYPE_CHECKING:
    import struct

    from kbtool.search.index import IndexUpdate

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)

# inotify(7) masks
_IN_MODIFY = 0x2
_IN_ATTRIB = 0x4
_IN_CLOSE_WRITE = 0x8
_IN_MOVED_FROM = 0x40
_IN_MOVED_TO = 0x80
_IN_CREATE = 0x100
_IN_DELETE = 0x200
_IN_DELETE_SELF = 0x400
_IN_MOVE_SELF = 0x800
_IN_Q_OVERFLOW = 0x4000
_IN_IGNORED = 0x8000
_IN_ONLYDIR = 0x01000000
_IN_DONT_FOLLOW = 0x02000000
_IN_ISDIR = 0x40000000
_WATCHED = (
    _IN_MODIFY
    | _IN_ATTRIB
    | _IN_CLOSE_WRITE
    | _IN_MOVED_FROM
    | _IN_MOVED_TO
    | _IN_CREATE
    | _IN_DELETE
    | _IN_DELETE_SELF
    | _IN_MOVE_SELF
    | _IN_ONLYDIR
    | _IN_DONT_FOLLOW
)
# Events after which the set of watched folders must be worked out again.
_RESHAPE = _IN_DELETE_SELF | _IN_MOVE_SELF | _IN_Q_OVERFLOW | _IN_IGNORED


class _Inotify:
    """The learnings folder's folders under inotify (Linux), through libc with ctypes."""

    def __init__(self) -> None:
        import ctypes
        import ctypes.util

        self._libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        self.fd = self._libc.inotify_init1(os.O_NONBLOCK | _CLOEXEC)
        if self.fd < 0:
            raise ConfigError(f"inotify: {os.strerror(ctypes.get_errno())}")
        self.folders: dict[int, str] = {}

    def add(self, folder: str) -> None:
        import ctypes

        wd = self._libc.inotify_add_watch(self.fd, os.fsencode(folder), _WATCHED)
        if wd < 0:
            errno = ctypes.get_errno()
            if errno == 28:  # ENOSPC
                raise ConfigError(
                    "too many folders to watch: raise fs.inotify.max_user_watches "
                    "(sysctl) or stop other watchers"
                )
            if errno in (2, 20):  # ENOENT, ENOTDIR: it went away while we looked
                return
            raise ConfigError(f"cannot watch {folder}: {os.strerror(errno)}")
        self.folders[wd] = folder

    def wait(self, timeout: float) -> list[tuple[int, int, str]]:
        """The events that arrive within ``timeout`` seconds: (wd, mask, name)."""
        import select

        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return []
        events = []
        header = _header()
        import contextlib  # the watcher's own: off the queries' start-up

        with contextlib.suppress(BlockingIOError):
            while True:
                data = os.read(self.fd, 65536)
                pos = 0
                while pos + 16 <= len(data):
                    wd, mask, _cookie, length = header.unpack_from(data, pos)
                    name = data[pos + 16 : pos + 16 + length].rstrip(b"\0")
                    events.append((wd, mask, os.fsdecode(name)))
                    pos += 16 + length
        return events

    def close(self) -> None:
        os.close(self.fd)


def _header() -> struct.Struct:
    """``struct inotify_event``'s header: wd, mask, cookie, len (struct is imported here, off
    the queries' start-up)."""
    import struct

    return struct.Struct("iIII")


def _watch_tree(config: Config) -> tuple[_Inotify, bool]:
    """Every folder the index reads, under inotify; and whether the watcher may vouch (no XML
    file reached through a link)."""
    top = os.path.abspath(config.learnings_dir)  # noqa: PTH100 - strings, as stamps.listed
    if os.path.islink(top) or not os.path.isdir(top):  # noqa: PTH112, PTH114
        raise ConfigError(f"{config.learnings_dir}: the learnings folder must be a real folder")
    from kbtool.search.stamps import reads_folder, skipped_folders

    skip = skipped_folders(config)
    ino = _Inotify()
    trusted = True
    pending = [top]
    try:
        while pending:
            folder = pending.pop()
            ino.add(folder)
            try:
                listing = list(os.scandir(folder))
            except OSError:
                continue
            for item in listing:
                if item.is_symlink() and item.name.endswith(".xml"):
                    trusted = False
                elif item.is_dir():
                    path = f"{folder}/{item.name}"
                    if reads_folder(item, path, skip):
                        pending.append(path)
    except BaseException:
        ino.close()
        raise
    return ino, trusted


class _State:
    """The watcher's side of ``watch.lock``: held exclusively, saying clean or dirty."""

    def __init__(self, folder: Path) -> None:
        import fcntl

        path = folder / WATCH_LOCK
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT | _NOFOLLOW | _CLOEXEC, 0o644)
        try:
            if not stat.S_ISREG(os.fstat(self.fd).st_mode):
                raise ConfigError(f"{path} is not a regular file")
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            raise UsageError("another watcher already keeps this knowledge base's index") from None
        except BaseException:
            os.close(self.fd)
            raise

    def say(self, record: bytes) -> None:
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, record, 0)

    def close(self) -> None:
        import contextlib

        with contextlib.suppress(OSError):
            self.say(b"stopped\n")
        os.close(self.fd)  # releases the lock


def _update(config: Config, notice: Callable[[str], None] | None) -> IndexUpdate:
    from kbtool.search.index import open_index

    with open_index(config, notice=notice, counts=True) as index:
        return index.report


def watch(
    config: Config,
    on_update: Callable[[IndexUpdate], None],
    *,
    notice: Callable[[str], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    settle: float = 0.05,
    on_ready: Callable[[bool], None] | None = None,
) -> None:
    """Keep ``config``'s index up to date until ``should_stop()`` (checked every 0.2 s).

    ``on_update`` receives the report of each update (the first one at start);
    ``on_ready(vouching)`` is called once the first update is done. Changes that arrive
    within ``settle`` seconds of each other are applied together.
    """
    if not sys.platform.startswith("linux"):
        raise UsageError("watching needs Linux (inotify); searches check for changes themselves")
    from kbtool.search import indexplace

    place = indexplace.choose(config)
    if place.temporary or not place.writable:
        place.cleanup()
        raise ConfigError(
            f"the cache folder {config.cache_dir} cannot hold the index: nothing to keep fresh"
        )
    state = _State(place.folder)
    try:
        state.say(b"dirty\n")
        ino, trusted = _watch_tree(config)
        try:
            on_update(_update(config, notice))
            if trusted:
                state.say(clean_record(config))
            if on_ready is not None:
                on_ready(trusted)
            while not should_stop():
                events = ino.wait(0.2)
                if not events:
                    continue
                state.say(b"dirty\n")
                while True:  # let a burst of changes (a git checkout) settle
                    more = ino.wait(settle)
                    if not more:
                        break
                    events += more
                if any(mask & _RESHAPE or mask & _IN_ISDIR for _, mask, _ in events):
                    ino.close()
                    ino, trusted = _watch_tree(config)
                on_update(_update(config, notice))
                if trusted and not _pending(ino):
                    state.say(clean_record(config))
        finally:
            ino.close()
    finally:
        state.close()


def _pending(ino: _Inotify) -> bool:
    """Whether an event arrived while the index was being updated (then it stays dirty and
    the loop takes that event next)."""
    import select

    ready, _, _ = select.select([ino.fd], [], [], 0)
    return bool(ready)
