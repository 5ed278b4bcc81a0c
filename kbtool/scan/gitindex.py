"""The paths git tracks, read from ``.git/index`` without running git.

``.gitignore`` rules apply to files git does not track: a file committed and then named in
a ``.gitignore`` stays in the repository, and a pull request can do both at once. A scan
that left such a file out would let the pull request hide code from every detector, so
:class:`kbtool.scan.ignore.IgnoreRules` asks :func:`tracked` first, as git does.

The index format (https://git-scm.com/docs/index-format), versions 2 to 4: a 12-byte header
(``DIRC``, version, entry count), then each entry: 40 bytes of stat data, the object id (20
bytes, or 32 in a SHA-256 repository), 2 bytes of flags (2 more in version 3 when the
extended flag is set), then the path: NUL-ended and padded with NULs to a multiple of 8
bytes from the entry's start (versions 2 and 3), or prefix-compressed against the previous
path (version 4: a varint of bytes to drop from it, then the NUL-ended rest).

Anything unexpected (no ``.git`` folder, another version, a truncated file, over
:data:`MAX_INDEX_BYTES`) gives None: then ``.gitignore`` files count alone, as before.
"""

from __future__ import annotations

import struct
from pathlib import Path

MAX_INDEX_BYTES = 256 << 20
#: Longer than any path a file system takes (Linux: 4,096 bytes, macOS: 1,024): an index
#: with one is not a real one (version 4 builds each path on the one before).
MAX_PATH_BYTES = 4096
_STAT = 40  # ctime, mtime (8 bytes each), dev, ino, mode, uid, gid, size (4 each)
_EXTENDED = 0x4000


class Tracked:
    """The tracked paths of one repository (POSIX, relative to its root) and their folders."""

    __slots__ = ("files", "folders")

    def __init__(self, files: frozenset[str]) -> None:
        self.files = files
        folders: set[str] = set()
        for path in files:
            cut = path.rfind("/")
            while cut > 0 and path[:cut] not in folders:
                folders.add(path[:cut])
                cut = path.rfind("/", 0, cut)
        self.folders = frozenset(folders)

    def holds(self, rel: str, *, is_dir: bool = False) -> bool:
        """Whether git tracks the file ``rel``, or (``is_dir``) any file below the folder."""
        return rel in (self.folders if is_dir else self.files)


def tracked(repo: Path) -> Tracked | None:
    """The paths ``repo/.git/index`` lists; None when it cannot be read as one."""
    path = repo / ".git" / "index"
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_INDEX_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    files = parse(data, _object_id_size(repo))
    return None if files is None else Tracked(files)


def _object_id_size(repo: Path) -> int:
    """32 in a SHA-256 repository (``objectformat = sha256`` in its config), else 20."""
    try:
        config = (repo / ".git" / "config").read_bytes()[: 1 << 16]
    except OSError:
        return 20
    return 32 if b"sha256" in config.replace(b" ", b"").lower() else 20


def parse(data: bytes, id_size: int = 20) -> frozenset[str] | None:
    """The paths of an index file's entries; None when ``data`` is not one."""
    if len(data) < 12 or data[:4] != b"DIRC":
        return None
    version, count = struct.unpack_from(">II", data, 4)
    if version not in (2, 3, 4):
        return None
    paths: list[str] = []
    at, previous = 12, b""
    try:
        for _ in range(count):
            start = at
            at += _STAT + id_size
            (flags,) = struct.unpack_from(">H", data, at)
            at += 2
            if version >= 3 and flags & _EXTENDED:
                at += 2
            if version == 4:
                drop, at = _varint(data, at)
                end = data.index(b"\0", at)
                if len(previous) - drop + end - at > MAX_PATH_BYTES:
                    return None  # paths that grow without end: memory the square of the file
                name = previous[: len(previous) - drop] + data[at:end]
                at = end + 1
            else:
                end = data.index(b"\0", at)
                name = data[at:end]
                at = start + ((end - start) // 8 + 1) * 8  # NUL padding to 8 bytes
            if at > len(data):
                return None
            paths.append(name.decode("utf-8", "surrogateescape"))
            previous = name
    except (struct.error, ValueError):
        return None
    return frozenset(paths)


def _varint(data: bytes, at: int) -> tuple[int, int]:
    """Git's offset varint (each continuation adds one before shifting)."""
    byte = data[at]
    at += 1
    value = byte & 0x7F
    while byte & 0x80:
        byte = data[at]
        at += 1
        value = ((value + 1) << 7) | (byte & 0x7F)
    return value, at
