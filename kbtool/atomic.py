"""Atomic, stale-safe file writes that never leave a truncated or half-written file."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kbtool.errors import ConcurrentChangeError


@dataclass(frozen=True)
class Stamp:
    """What a file looked like when it was read: size, mtime and content hash."""

    size: int
    mtime_ns: int
    sha256: str

    @classmethod
    def of(cls, path: Path, data: bytes | None = None) -> Stamp:
        info = path.stat()
        if data is None:
            data = path.read_bytes()
        return cls(info.st_size, info.st_mtime_ns, hashlib.sha256(data).hexdigest())


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (best effort: some file systems refuse)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path: Path, data: bytes, *, expected: Stamp | None = None) -> bool:
    """Write ``data`` to ``path`` atomically; return False when the bytes were already there.

    A temporary file in the same folder is written and fsynced, then swapped in with
    ``os.replace`` and the folder fsynced. With ``expected``, the write is refused
    (ConcurrentChangeError) if the file changed since it was read. The old file's
    permission bits are kept.
    """
    folder = path.parent
    exists = path.exists()
    if exists:
        current = path.read_bytes()
        if expected is not None and Stamp.of(path, current) != expected:
            raise ConcurrentChangeError(f"{path}: file changed during the run; not written")
        if current == data:
            return False
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if exists:
            tmp.chmod(path.stat().st_mode & 0o7777)
        else:
            tmp.chmod(0o644)
        if expected is not None and Stamp.of(path) != expected:
            raise ConcurrentChangeError(f"{path}: file changed during the run; not written")
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(folder)
    return True


#: A temporary file of :func:`atomic_write` untouched this long belongs to a killed run.
STALE_TEMP_SECONDS = 600.0


def remove_stale_temps(path: Path, *, older_than: float = STALE_TEMP_SECONDS) -> list[Path]:
    """Remove what a killed :func:`atomic_write` of ``path`` left behind: regular files
    named ``.NAME.xxxxxxxx.tmp`` beside it, not modified for ``older_than`` seconds (a
    younger one may be another process's write in progress). Returns the files removed."""
    import re
    import stat
    import time

    pattern = re.compile(rf"\.{re.escape(path.name)}\.[a-z0-9_]{{8}}\.tmp")
    cutoff = time.time() - older_than
    removed = []
    try:
        temps = [p for p in path.parent.iterdir() if pattern.fullmatch(p.name)]
    except OSError:
        return []
    for temp in temps:
        with contextlib.suppress(OSError):
            info = os.lstat(temp)
            if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
                temp.unlink()
                removed.append(temp)
    return removed
