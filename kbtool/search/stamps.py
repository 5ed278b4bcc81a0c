"""How the search index knows it is fresh: every XML file's path, size and mtime.

Before each query the index compares the stamps it stored with the files on disk. At a
million entries that is 20,000 ``stat`` calls, the largest part of a query, so:

- :func:`scan` walks the learnings folder with C's loops (no ``Path`` a file, each file
  stat'ed relative to its open folder) and :func:`value` turns the result into one bytes
  value the index compares whole (:func:`stale`);
- :func:`walk` also stamps each folder it lists (:func:`folders_value`): a folder whose
  stamp is unchanged holds the same names (adding, removing or renaming an entry sets its
  mtime and ctime), so a check whose folders are all unchanged lists none of them
  (:func:`folders_unchanged`) and only stats the stored files (:func:`unchanged`);
- :func:`check_beside` splits the same check between this process and a forked child
  (:mod:`kbtool.forked`) while this one reads the index: the child compares the listing
  with the stored one (by the folders' stamps, else by listing them), the stored files'
  stamps are taken in chunks by whichever process is free, and :meth:`Beside.stale` gives
  the verdict after the read. A read whose check finds a change is thrown away and made
  again on the updated index (``kbtool.search.index.query_index``).
"""

from __future__ import annotations

import functools
import operator
import os
import time
from array import array

from kbtool.config import SKIP_DIRS
from kbtool.confine import MAX_FOLDER_DEPTH
from kbtool.records import NamedTuple

TYPE_CHECKING = False  # typing is imported for the type checker only (start-up)
if TYPE_CHECKING:
    from collections.abc import Sequence

    from kbtool.config import Config
    from kbtool.forked import Forked

#: One folder's XML files as :func:`scan` finds them: (its path relative to the root with a
#: trailing '/', its path, the files' names in order, their sizes, their mtimes).
Scanned = tuple[str, str, list[str], list[int], list[int]]
#: The same without the stamps (:func:`listed`).
Listed = tuple[str, str, list[str]]

#: A file or folder changed this close to when it was stamped may change again within the same
#: tick of the file system's clock (2 s on FAT) and keep the stamp: it is not trusted. The
#: index hashes such a file again next time; such a folder's stamp is not stored.
RACY_NS = 2_000_000_000

_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_SIZE = operator.attrgetter("st_size")
_MTIME = operator.attrgetter("st_mtime_ns")


# ------------------------------------------------------------------ the walk


class Walked(NamedTuple):
    """What :func:`walk` found: the files, and the folders' stamps (:func:`folders_value`)."""

    files: list[Scanned]
    folders: bytes


def scan(config: Config) -> list[Scanned]:
    """The XML files of the learnings folder, folder by folder (those with any), in the
    order of ``kb.iter_xml_paths``: a folder's files by name, then its sub-folders by name,
    each with its size and mtime (-1 when it cannot be stat'ed)."""
    return walk(config).files


def walk(config: Config) -> Walked:
    """:func:`scan`, with the stamps of the folders it listed, each taken before its
    listing (b"" when one cannot be trusted: :func:`folders_value`)."""
    started = time.time_ns()
    folders: list[tuple[str, os.stat_result]] = []
    files = [
        (base, folder, names, *stamps_of(folder, names))
        for base, folder, names in listed(config, folders)
    ]
    return Walked(files, folders_value(config, folders, started))


def listed(config: Config, folders: list[tuple[str, os.stat_result]] | None = None) -> list[Listed]:
    """:func:`scan` without the stamps: the folders and their XML files' names. Each folder
    listed is added to ``folders``, with its path relative to the root and its ``lstat``
    taken before it was listed."""
    top = os.path.abspath(config.learnings_dir)  # noqa: PTH100 - strings, see the module
    root = str(config.root)
    if os.path.islink(top) or not os.path.isdir(top):  # noqa: PTH112, PTH114
        folder, name = os.path.split(top)
        return [(relative(folder, root) + "/", folder, [name])]  # one file: no folder stamped
    skip = skipped_folders(config)
    out: list[Listed] = []
    failed: list[str] = []

    def visit(folder: str, depth: int = 0) -> None:
        try:
            if folders is not None:
                folders.append((relative(folder, root), os.lstat(folder)))
            with os.scandir(folder) as listing:
                entries = list(listing)
            names, subdirs = _split(entries)
        except OSError:
            failed.append(folder)
            return
        if names:
            out.append((relative(folder, root) + "/", folder, names))
        if depth >= MAX_FOLDER_DEPTH:
            return  # not read by any command (KB107 in validate)
        for name in subdirs:
            path = f"{folder}/{name}"
            if os.path.realpath(path) not in skip:
                visit(path, depth + 1)

    visit(top)
    if failed and folders is not None:
        folders.clear()  # a folder not listed (perhaps only this time): no stamp vouches
    return out


def stamps_of(folder: str, names: list[str]) -> tuple[list[int], list[int]]:
    """The sizes and mtimes of the files ``names`` of ``folder`` (-1 for a file that cannot
    be stat'ed), each stat'ed relative to the open folder; links are followed, as reading
    the file does."""
    try:
        fd = _open_folder(folder)
    except OSError:  # gone since it was listed
        return [-1] * len(names), [-1] * len(names)
    try:
        return stamps_at(fd, names)
    finally:
        os.close(fd)


def _open_folder(path: str | os.PathLike[str]) -> int:
    return os.open(path, os.O_RDONLY | _DIRECTORY | _CLOEXEC)


def stamps_at(fd: int, names: Sequence[str] | Sequence[bytes]) -> tuple[list[int], list[int]]:
    """:func:`stamps_of` for names relative to the open folder ``fd``."""
    try:
        stats = list(map(functools.partial(os.stat, dir_fd=fd), names))
    except OSError:  # one is gone or unreadable (a dangling link): one at a time
        each = [_stat_of(name, fd) for name in names]
        return [size for size, _ in each], [mtime for _, mtime in each]
    return list(map(_SIZE, stats)), list(map(_MTIME, stats))


def _stat_of(name: str | bytes, folder_fd: int) -> tuple[int, int]:
    """(size, mtime in ns) of one file, (-1, -1) when it cannot be stat'ed."""
    try:
        info = os.stat(name, dir_fd=folder_fd)
    except OSError:
        return -1, -1
    return info.st_size, info.st_mtime_ns


def _split(entries: list[os.DirEntry[str]]) -> tuple[list[str], list[str]]:
    """A folder listing's XML file names and the names of the sub-folders the index reads
    (:func:`reads_folder`), each sorted."""
    try:
        folders = [e for e in entries if e.is_dir()]  # no system call but for a link
    except OSError:  # a link that cannot be followed: one at a time
        folders = [e for e in entries if _is_dir(e)]
    names = [e.name for e in entries if e.name.endswith(".xml")]
    if folders:  # a folder named like an XML file is a folder
        taken = {e.name for e in folders}
        names = [name for name in names if name not in taken]
    names.sort()
    return names, sorted(e.name for e in folders if _reads(e))


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def skipped_folders(config: Config) -> set[str]:
    """The folders under the learnings folder that hold no entries: the cache, the reports."""
    return {str(config.cache_dir), str(config.reports_dir)}


def reads_folder(item: os.DirEntry[str], path: str, skip: set[str]) -> bool:
    """Whether the index reads the sub-folder ``item`` (at ``path``): the one rule of the walk
    and of the watcher (kbtool.search.watch), so the watcher watches what the index reads."""
    return _reads(item) and os.path.realpath(path) not in skip


def _reads(item: os.DirEntry[str]) -> bool:
    """The part of :func:`reads_folder` the listing alone answers."""
    return item.name not in SKIP_DIRS and not item.is_symlink()


def relative(path: str, root: str) -> str:
    prefix = root + os.sep
    rel = path[len(prefix) :] if path.startswith(prefix) else os.path.relpath(path, root)
    return rel.replace(os.sep, "/")


# ------------------------------------------------------------------ the value


_MAGIC = b"kbtool-stamps-1\0"
_WORD = 8  # bytes of each count, size and mtime


def value(folders: Sequence[Scanned]) -> bytes:
    """Every file's path, size and mtime, in the walk's order, as one bytes value: the paths
    (relative to the root, NUL between them: built folder by folder, no string a file), then
    the sizes and the mtimes as two arrays of 64-bit numbers (:func:`parse` reads it back)."""
    paths = _paths(folders)
    sizes = array("q")
    mtimes = array("q")
    for folder in folders:
        sizes.extend(folder[3])
        mtimes.extend(folder[4])
    head = len(sizes).to_bytes(_WORD, "little") + len(paths).to_bytes(_WORD, "little")
    return _MAGIC + head + paths + sizes.tobytes() + mtimes.tobytes()


def parse(stored: bytes) -> tuple[bytes, array[int], array[int]] | None:
    """The paths, sizes and mtimes of a value :func:`value` made; None for anything else
    (the index is a cache: whatever is in it may be damaged or planted; an older kbtool's
    value compares unequal, and the update that follows stores it anew)."""
    start = len(_MAGIC) + 2 * _WORD
    if not stored.startswith(_MAGIC) or len(stored) < start:
        return None
    files = int.from_bytes(stored[len(_MAGIC) : len(_MAGIC) + _WORD], "little")
    length = int.from_bytes(stored[len(_MAGIC) + _WORD : start], "little")
    if len(stored) != start + length + 2 * _WORD * files:
        return None
    paths = stored[start : start + length]
    sizes, mtimes = array("q"), array("q")
    sizes.frombytes(stored[start + length : start + length + _WORD * files])
    mtimes.frombytes(stored[start + length + _WORD * files :])
    return paths, sizes, mtimes


def _paths(folders: Sequence[Listed] | Sequence[Scanned]) -> bytes:
    text = "\0".join(base + ("\0" + base).join(names) for base, _, names, *_ in folders)
    return text.encode("utf-8", "surrogateescape")


def stale(stored: bytes, config: Config, scanned: list[Scanned] | None = None) -> bool:
    """Whether the files on disk (as ``scanned``, else walked now) differ from the stamps
    ``stored``: here, at once."""
    return stored != value(scan(config) if scanned is None else scanned)


# ------------------------------------------------------------------ the folders' stamps


_FOLDERS_MAGIC = b"kbtool-folders-1\0"
_FOLDER_WORDS = 4  # numbers a folder: device, inode, mtime and ctime (ns)
_UNSIGNED = (1 << 64) - 1  # each stored as an unsigned 64-bit number


def _folder_stamp(info: os.stat_result) -> tuple[int, int, int, int]:
    return (
        info.st_dev & _UNSIGNED,
        info.st_ino & _UNSIGNED,
        info.st_mtime_ns & _UNSIGNED,
        info.st_ctime_ns & _UNSIGNED,
    )


def _rules(config: Config) -> bytes:
    """What else decides which folders the walk lists: the root, the learnings folder, the
    folders it skips. Another configuration is another walk, whatever the folders say."""
    top = os.path.abspath(config.learnings_dir)  # noqa: PTH100 - strings, see the module
    text = "\0".join((str(config.root), top, *sorted(skipped_folders(config))))
    return text.encode("utf-8", "surrogateescape")


def folders_value(
    config: Config, folders: Sequence[tuple[str, os.stat_result]], started_ns: int
) -> bytes:
    """The stamps of the folders a walk listed (device, inode, mtime, ctime of each, taken
    before its listing), with the rules of the walk, as one bytes value; b"" when they
    cannot vouch for a listing: none, a folder outside the root, or one changed within
    :data:`RACY_NS` of the walk (an entry added in the same tick of the clock after the
    listing would leave its stamp as it was)."""
    if not folders:
        return b""
    for _, info in folders:
        if started_ns - info.st_mtime_ns < RACY_NS:
            return b""
    paths = "\0".join(rel for rel, _ in folders).encode("utf-8", "surrogateescape")
    if _leaves(paths):
        return b""
    numbers = array("Q")
    for _, info in folders:
        numbers.extend(_folder_stamp(info))
    rules = _rules(config)
    head = len(rules).to_bytes(_WORD, "little") + len(folders).to_bytes(_WORD, "little")
    head += len(paths).to_bytes(_WORD, "little")
    return _FOLDERS_MAGIC + head + rules + paths + numbers.tobytes()


def parse_folders(stored: bytes) -> tuple[bytes, bytes, array[int]] | None:
    """The rules, the folders' paths and their stamps of a value :func:`folders_value` made;
    None for anything else (b"" included)."""
    start = len(_FOLDERS_MAGIC) + 3 * _WORD
    if not stored.startswith(_FOLDERS_MAGIC) or len(stored) < start:
        return None
    at = len(_FOLDERS_MAGIC)
    rules_length, count, paths_length = (
        int.from_bytes(stored[at + n * _WORD : at + (n + 1) * _WORD], "little") for n in range(3)
    )
    end = start + rules_length + paths_length
    if count == 0 or len(stored) != end + _WORD * _FOLDER_WORDS * count:
        return None
    paths = stored[start + rules_length : end]
    if paths.count(b"\0") != count - 1:
        return None
    numbers = array("Q")
    numbers.frombytes(stored[end:])
    return stored[start : start + rules_length], paths, numbers


def folders_unchanged(stored: bytes | None, config: Config, root: int) -> bool:
    """Whether every folder :func:`folders_value` stamped is as it was, under the same
    rules: then a walk would list the same names (an entry added, removed or renamed sets
    its folder's mtime and ctime; a folder added or removed, its parent's). ``root`` is the
    root folder, open. False when the value cannot tell: then list."""
    parsed = None if not stored else parse_folders(stored)
    if parsed is None:
        return False
    rules, paths, numbers = parsed
    if rules != _rules(config) or _leaves(paths):
        return False
    now = array("Q")
    for rel in paths.split(b"\0"):
        try:
            info = os.stat(rel, dir_fd=root, follow_symlinks=False)
        except OSError:
            return False
        now.extend(_folder_stamp(info))
    return now == numbers


def unchanged(stored: bytes, folders: bytes | None, config: Config) -> bool:
    """Whether no file was added, removed or changed since the stamps ``stored`` and the
    folders' ``folders`` were taken, found without listing a folder: False when the folders
    changed (or cannot tell) or a file did; then walk (:func:`stale`)."""
    old = _stored_files(stored) if folders else None
    if old is None:
        return False
    try:
        root = _open_folder(config.root)
    except OSError:
        return False
    try:
        files = old[0].split(b"\0") if old[1] else []
        return folders_unchanged(folders, config, root) and _same_stamps(root, files, *old[1:])
    finally:
        os.close(root)


def _stored_files(stored: bytes) -> tuple[bytes, array[int], array[int]] | None:
    """:func:`parse`, and None for a value with a path that leaves the root (planted): its
    files are stat'ed before anything is compared with a listing."""
    old = parse(stored)
    return None if old is None or _leaves(old[0]) else old


def _same_stamps(fd: int, files: Sequence[bytes], sizes: array[int], mtimes: array[int]) -> bool:
    """Whether ``files`` (relative to the open folder ``fd``) have these sizes and mtimes."""
    now_sizes, now_mtimes = stamps_at(fd, files)
    return array("q", now_sizes) == sizes and array("q", now_mtimes) == mtimes


# ------------------------------------------------------------------ beside the read


#: A KB with fewer files is checked at once: at 2,000 files (100k generated entries) the
#: check is ~7 ms, and a second process beside the read gave -8 ms to +2 ms on a quiet
#: machine and cost more under load (docs/performance.md, "The check beside the read").
BESIDE_FROM_FILES = 5000
_TOKEN = 4  # bytes of a chunk's number in the queue
_CHUNK_FILES = 256  # the fewest files a chunk holds (but the last)
_FRESH, _CHANGED = b"\0", b"\1"


def _leaves(paths: bytes) -> bool:
    """Whether a stored path is absolute or goes up (only a planted value has one): the
    files are stat'ed before the child has compared them with the listing."""
    return (
        paths.startswith(b"/")
        or b"\0/" in paths
        or (b".." in paths and b"/../" in b"/" + paths.replace(b"\0", b"/") + b"/")
    )  # ".." first: a search of the paths, not two copies of them (~1 ms at 20,000 files)


class Beside:
    """The freshness check running beside a read: :meth:`stale` after the read.

    A forked child compares the listing with the stored one (the folders' stamps, else the
    names it lists: :func:`folders_unchanged`); the stored files' stamps are taken, a chunk
    at a time, by whichever process is free (the chunks' numbers wait in a pipe, which hands
    each to one reader)."""

    __slots__ = (
        "_child",
        "_files",
        "_folders",
        "_paths",
        "_queue",
        "_root",
        "_size",
        "_stamps",
    )

    def __init__(
        self, stored: tuple[bytes, array[int], array[int]], root: int, folders: bytes | None = None
    ) -> None:
        paths, sizes, mtimes = stored
        self._paths = paths
        self._folders = folders
        self._files = paths.split(b"\0")  # relative to the root: os.stat takes bytes
        self._stamps = sizes, mtimes
        self._root = root
        self._size = max(_CHUNK_FILES, -(-len(sizes) // 1000))
        chunks = -(-len(sizes) // self._size)  # at most ~1,000: the pipe takes them at once
        read, write = os.pipe()
        try:
            os.write(write, b"".join(n.to_bytes(_TOKEN, "little") for n in range(chunks)))
        finally:
            os.close(write)
        self._queue = read
        self._child: Forked | None = None

    def start(self, config: Config) -> bool:
        """Fork the child; False when it could not be."""
        from kbtool.forked import Forked

        def work() -> bytes:
            if (
                not folders_unchanged(self._folders, config, self._root)
                and _paths(listed(config)) != self._paths
            ):  # a file added, removed or renamed
                return _CHANGED
            return _FRESH if self._drain() else _CHANGED

        self._child = Forked.start(work, keep=(self._queue, self._root))
        return self._child is not None

    def stale(self) -> bool:
        """Whether a file changed: the chunks nobody took yet are checked here, then the
        child's answer is awaited (no answer counts as a change: the caller checks again)."""
        try:
            if not self._drain():
                return True
            return self._child is None or self._child.result() != _FRESH
        finally:
            self.abandon()

    def abandon(self) -> None:
        """Give the check up (or end it): stop the child, close what it shared."""
        if self._child is not None:
            self._child.abandon()
            self._child = None
        for fd in (self._queue, self._root):
            if fd >= 0:
                os.close(fd)
        self._queue = self._root = -1

    def _drain(self) -> bool:
        """Take chunks from the queue until it is empty; False at the first one changed."""
        sizes, mtimes = self._stamps
        while token := os.read(self._queue, _TOKEN):
            start = int.from_bytes(token, "little") * self._size
            end = start + self._size
            files = self._files[start:end]
            if not _same_stamps(self._root, files, sizes[start:end], mtimes[start:end]):
                return False
        return True


def check_beside(stored: bytes, config: Config, folders: bytes | None = None) -> Beside | None:
    """Start the check of :func:`stale` beside the caller's read (with the folders' stamps
    ``folders`` if stored); None when the caller had better check at once (a small KB, no
    second core, no stamps of this shape)."""
    from kbtool import forked

    old = _stored_files(stored) if forked.can_fork() else None
    if old is None or len(old[1]) < BESIDE_FROM_FILES:
        return None
    try:
        root = _open_folder(config.root)
    except OSError:
        return None
    check = Beside(old, root, folders)
    if not check.start(config):
        check.abandon()
        return None
    return check
