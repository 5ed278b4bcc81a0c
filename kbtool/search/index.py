"""The search index: an SQLite FTS5 cache of the entries, kept fresh incrementally.

The index (``<cache_dir>/index.db``) is derived data, never a source of truth:

- Before every query :func:`open_index` brings it up to date: files added, modified or
  removed since the last look (by mtime and size, confirmed by a content hash) are re-read
  and their entries replaced, silently.
- ``PRAGMA user_version`` carries :data:`SCHEMA_VERSION` and ``application_id`` marks the
  file as kbtool's. A missing file, another version, a file that is not SQLite, another
  program's database or a failed FTS5 ``integrity-check`` leads to a full rebuild with a
  one-line notice.
- A full rebuild is written to a temporary file and swapped in with ``os.replace``, so a
  reader never sees a half-built index.
- Processes coordinate with ``flock`` on ``index.lock``: readers hold it shared while they
  query, writers (update, rebuild, swap) exclusive. The database runs in WAL mode with a busy
  timeout and writes in ``BEGIN IMMEDIATE`` transactions, as a second line of defence.

Reading XML goes through :mod:`kbtool.safexml`, imported only when a file must be (re)read,
so an up-to-date search never imports lxml.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from kbtool import cachefs
from kbtool.config import Config
from kbtool.errors import UsageError
from kbtool.records import Record
from kbtool.search import indexplace, stamps, watchmark
from kbtool.search.indexplace import Place
from kbtool.search.indexschema import (
    AFTER_BULK_FTS,
    BODY_INSERT,
    BULK_FTS,
    FTS_TABLES,
    HEAD_COLUMNS,
    META_TABLE,
    SCHEMA,
    create_indexes,
    fts_settings,
)

TYPE_CHECKING = False  # typing is imported for the type checker only (start-up)
if TYPE_CHECKING:
    from typing import Any, TypeVar

    from kbtool.search.indexbody import BodyWriter

    # Imported where used: a query with a fresh index reads no file (indexread's three
    # NamedTuples cost its start-up ~1 ms).
    from kbtool.search.indexread import FileData, Rows, Stat, Todo

    T = TypeVar("T")

SCHEMA_VERSION = 8  # 6: entries.versions; 7: refs.line (kbtool links reads the index);
# 8: symptom signatures without a logger's name, a tool's "error:", alembic's "FAILED:"
APPLICATION_ID = 0x6B62746C  # "kbtl"
INDEX_NAME = "index.db"
LOCK_NAME = "index.lock"
BUSY_TIMEOUT_MS = 30_000

#: A full rebuild replaces an update once this share of the full-text rows is dead.
DEAD_SHARE = 0.25


class IndexUpdate(Record):
    """What an update did."""

    _fields = (
        "added",
        "modified",
        "removed",
        "files",
        "entries",
        "rebuilt",
        "reason",
        "unreadable",
        "seconds",
    )
    added: int
    modified: int
    removed: int
    files: int
    entries: int
    rebuilt: bool
    reason: str  # why it was rebuilt: "missing", "corrupt: …", …
    unreadable: list[tuple[str, str]]  # (path, first finding)
    seconds: float

    def __init__(
        self,
        added: int = 0,
        modified: int = 0,
        removed: int = 0,
        files: int = 0,
        entries: int = 0,
        rebuilt: bool = False,
        reason: str = "",
        unreadable: list[tuple[str, str]] | None = None,
        seconds: float = 0.0,
    ) -> None:
        self.added = added
        self.modified = modified
        self.removed = removed
        self.files = files
        self.entries = entries
        self.rebuilt = rebuilt
        self.reason = reason
        self.unreadable = [] if unreadable is None else unreadable
        self.seconds = seconds

    @property
    def changed(self) -> bool:
        return self.rebuilt or bool(self.added or self.modified or self.removed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "modified": self.modified,
            "removed": self.removed,
            "files": self.files,
            "entries": self.entries,
            "rebuilt": self.rebuilt,
            "reason": self.reason or None,
            "unreadable": [{"path": p, "error": e} for p, e in self.unreadable],
            "seconds": round(self.seconds, 3),
        }


Notice = Callable[[str], None]
Progress = Callable[[int, int], None]


def index_path(config: Config) -> Path:
    return config.cache_dir / INDEX_NAME


# ------------------------------------------------------------------ locking


class _Lock:
    """``flock`` on ``<cache>/index.lock``: shared for readers, exclusive for writers."""

    def __init__(self, path: Path, *, writable: bool = True):
        # Never through a link (a linked index.lock would create a file elsewhere); a
        # read-only folder still takes a shared lock on an existing lock file, or none.
        nofollow = getattr(os, "O_NOFOLLOW", 0)
        self.fd = -1
        if writable:
            self.fd = os.open(path, os.O_RDWR | os.O_CREAT | nofollow, 0o644)
        else:
            try:
                self.fd = os.open(path, os.O_RDONLY | nofollow)
            except OSError:
                self.fd = -1  # no lock file: SQLite's own locking only

    def shared(self) -> None:
        self._flock("LOCK_SH")

    def exclusive(self) -> None:
        self._flock("LOCK_EX")

    def _flock(self, how: str) -> None:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: SQLite's own locking only
            return
        if self.fd >= 0:
            fcntl.flock(self.fd, getattr(fcntl, how))

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # releases the lock


def ensure_cache_dir(config: Config) -> Path:
    """Create the cache folder with a ``.gitignore`` of ``*`` in it (it is never committed)."""
    from kbtool import cachefs

    folder = cachefs.cache_folder(config.root, config.cache_dir, create=True)
    if folder is None:
        reason = cachefs.unsafe_reason(config.root, config.cache_dir) or "cannot be created"
        raise UsageError(f"cache folder {config.cache_dir}: {reason}")
    return folder


# ------------------------------------------------------------------ opening


class Index:
    """An open, up-to-date index. Hold it only while querying: it keeps a shared lock."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        lock: _Lock,
        report: IndexUpdate,
        place: Place | None = None,
        check: stamps.Beside | None = None,
    ):
        self.conn = conn
        self._lock = lock
        self.report = report
        self._place = place
        self._check = check

    def stale(self) -> bool:
        """Whether a file of the KB changed since the index was brought up to date. Always
        False but for an index opened with ``speculate``: its check ran beside the reads
        made so far, and their answers stand only when this is False."""
        check, self._check = self._check, None
        return check is not None and check.stale()

    def close(self) -> None:
        if self._check is not None:
            self._check.abandon()
        self.conn.close()
        self._lock.close()
        if self._place is not None:
            self._place.cleanup()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: How :func:`_connect` opens the file: read and write; read-only and immutable (a folder
#: that cannot be written: SQLite needs no -shm file beside a WAL database either); read-only
#: beside writers (shell completion, the unreadable files' notice).
WRITE, IMMUTABLE, READ = "", "?mode=ro&immutable=1", "?mode=ro"


def _connect(path: Path, mode: str = WRITE) -> sqlite3.Connection:
    uri = path.as_uri() + mode
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    # A view or trigger of a file from elsewhere may call no function with side effects.
    conn.execute("PRAGMA trusted_schema = OFF")
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def _foreign_schema(conn: sqlite3.Connection) -> str:
    """Why the file's schema is not one kbtool writes ("" when it may be): an index holds
    tables and indexes only, and ``meta``, the one table read before the owner token is
    checked, is kbtool's statement to the letter with no index but its key's. Read from
    ``sqlite_schema`` alone, before any query touches a table: an ``index.db`` committed to
    a repository can make ``meta`` a view that never ends, a virtual table of any module,
    or give it a generated column (computed as each row is read: minutes a row, or a
    string of gigabytes)."""
    rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_schema").fetchall()
    if any(kind not in ("table", "index") for kind, _, _, _ in rows):
        return "not a kbtool index (it has views or triggers)"
    meta = [sql for kind, name, _, sql in rows if name == "meta"]
    if meta != [META_TABLE]:
        return "not a kbtool index (its meta table is not kbtool's)"
    if any(sql is not None for kind, _, table, sql in rows if kind == "index" and table == "meta"):
        return "not a kbtool index (an index on meta)"
    return ""


def _problem(
    path: Path, owner: str | None = None, mode: str = WRITE
) -> tuple[sqlite3.Connection | None, str]:
    """Open the index and say what is wrong with it, if anything ("" when usable).

    ``owner`` is :func:`kbtool.search.indexplace.owner_token`: an index without it was not
    built here (one committed to the repository, say) and is not trusted."""
    if not os.path.lexists(path):
        return None, "missing"
    unsafe = indexplace.unsafe_file(path)
    if unsafe:
        return None, unsafe
    try:
        conn = _connect(path, mode)
    except sqlite3.Error as exc:
        return None, f"unreadable ({exc})"
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        conn.close()
        return None, f"unreadable ({exc})"
    if app_id != APPLICATION_ID:
        conn.close()
        return None, "not a kbtool index"
    if version != SCHEMA_VERSION:
        conn.close()
        return None, f"format {version} (this kbtool uses {SCHEMA_VERSION})"
    try:
        foreign = _foreign_schema(conn)
        if foreign:
            conn.close()
            return None, foreign
        row = conn.execute("SELECT value FROM meta WHERE key = 'owner'").fetchone()
    except sqlite3.DatabaseError as exc:
        conn.close()
        return None, f"unreadable ({exc})"
    if owner is None or row is None or row[0] != owner:
        conn.close()
        return None, "not built here (no matching owner token)"
    return conn, ""


def trusted_reader(config: Config) -> sqlite3.Connection | None:
    """A read-only connection to this KB's index beside any writer, when the file is
    kbtool's and was built here (:func:`_problem`); None otherwise, having run nothing on
    it but those checks. For readers that never build (shell completion, notices)."""
    from kbtool.search.indexplace import owner_token

    path = index_path(config)
    if not path.is_file():
        return None
    conn, problem = _problem(path, owner_token(config), READ)
    if problem and conn is not None:
        conn.close()
    return None if problem else conn


def probe_problem(conn: sqlite3.Connection) -> str:
    """A quick check (milliseconds) that the full-text index still finds what it holds:
    the first, middle and last entries, each by the longest word of its title. FTS5's
    ``integrity-check`` is thorough but reads the whole index (seconds at 100k entries), so
    it is kept for ``kbtool index --check`` and for SQLite's own corruption errors."""
    try:
        low, high = conn.execute(  # two subqueries: each is a single B-tree seek
            "SELECT (SELECT min(rowid) FROM entries), (SELECT max(rowid) FROM entries)"
        ).fetchone()
        if low is None:
            return ""
        rows = conn.execute(
            "SELECT rowid, title FROM entries WHERE rowid IN (?, ?, "
            "(SELECT rowid FROM entries WHERE rowid >= ? ORDER BY rowid LIMIT 1))",
            (low, high, (low + high) // 2),
        ).fetchall()
        for rowid, title in rows:
            words = "".join(c if c.isalnum() else " " for c in title).split()
            word = max(words, key=len, default="")  # the longest: likely rare, so quick
            found = conn.execute(
                "SELECT 1 FROM entries_fts WHERE entries_fts MATCH ? AND rowid = ?",
                (f'"{word}"', rowid),
            )
            if len(word) > 1 and not found.fetchone():
                return f"damaged (entry {rowid} is not found by its title)"
    except sqlite3.DatabaseError as exc:
        return f"corrupt ({exc})"
    return ""


def integrity_problem(conn: sqlite3.Connection) -> str:
    """Run FTS5's ``integrity-check`` on both full-text tables; "" when they are sound."""
    try:
        for table in FTS_TABLES:  # constants of this module
            conn.execute(f"INSERT INTO {table}({table}) VALUES('integrity-check')")
        conn.execute("SELECT count(*) FROM entries").fetchone()
    except sqlite3.DatabaseError as exc:
        return f"corrupt ({exc})"
    # A contentless table passes its own check with its segments forgotten: probe it too.
    damaged = probe_problem(conn)
    return f"corrupt ({damaged})" if damaged else ""


def open_index(
    config: Config,
    *,
    notice: Notice | None = None,
    rebuild: bool = False,
    check: bool = False,
    counts: bool = False,
    progress: Progress | None = None,
    speculate: bool = False,
) -> Index:
    """The index of ``config``'s KB, brought up to date first. Use as a context manager.

    ``rebuild`` forces a full rebuild; ``check`` runs the FTS5 integrity check even on an
    index that looks sound; ``counts`` fills the report's totals even when nothing changed
    (queries skip that). ``notice`` receives the one-line notices (rebuilds);
    ``progress`` (files read, files to read) after each batch of files read.

    With ``speculate`` (a read), a large KB's freshness check may run in a child process
    while the caller reads the index: the caller must then ask :meth:`Index.stale` after its
    reads, and read again from a fresh index when it answers True (:func:`query_index`
    does); and the folders' stamps may spare the check its listing
    (:func:`stamps.folders_unchanged`). Without it (``kbtool index``, the watcher) the
    folders are always listed: the explicit update also sees a change that a file system
    which does not keep POSIX folder times failed to stamp.
    """
    started = time.perf_counter()
    place = indexplace.choose(config)
    if place.why and notice is not None:
        notice(f"{place.why}: using a temporary search index")
    owner = indexplace.owner_token(config)
    try:
        if not place.writable:
            return _open_readonly(config, place, owner, notice, rebuild or check, started)
        return _open_writable(
            config, place, owner, notice, rebuild, check, counts, progress, started, speculate
        )
    except BaseException:
        place.cleanup()
        raise


def _open_writable(
    config: Config,
    place: Place,
    owner: str | None,
    notice: Notice | None,
    rebuild: bool,
    check: bool,
    counts: bool,
    progress: Progress | None,
    started: float,
    speculate: bool = False,
) -> Index:
    path = place.folder / INDEX_NAME
    lock_path = place.folder / LOCK_NAME
    if not cachefs.is_plain_file_or_absent(lock_path):
        indexplace.clear(lock_path)  # a link, a folder, a FIFO: never opened
    lock = _Lock(lock_path)
    walked = None
    try:
        lock.shared()
        conn, problem = _problem(path, owner)
        if conn is not None and check:
            problem = integrity_problem(conn)
        report = IndexUpdate()
        if conn is not None and not problem and not rebuild:
            pending = None
            try:
                if watchmark.vouched(place.folder, config):
                    stale = False
                elif speculate and (pending := _check_beside(conn, config)) is not None:
                    stale = False  # for now: Index.stale() says after the read
                elif speculate and _unchanged(conn, config):
                    stale = False  # a read trusts the folders' stamps; an update walks
                else:
                    walked = stamps.walk(config)  # an update then starts from it
                    stale = _stale(conn, config, walked.files)
            except sqlite3.DatabaseError as exc:  # pages zeroed behind the header
                stale, problem = True, f"corrupt ({exc})"
            if not stale:
                if counts:
                    _fill_counts(conn, report)
                report.seconds = time.perf_counter() - started
                return Index(conn, lock, report, place, pending)
            if problem:
                rebuild = True
        if conn is not None:
            conn.close()
        lock.exclusive()  # blocks until readers are done; converted from shared
        report = _update_locked(config, path, rebuild, check, notice, progress, owner, walked)
        lock.shared()
        conn = _connect(path)
        report.seconds = time.perf_counter() - started
        return Index(conn, lock, report, place)
    except BaseException:
        lock.close()
        raise


def _open_readonly(
    config: Config,
    place: Place,
    owner: str | None,
    notice: Notice | None,
    rebuild: bool,
    started: float,
) -> Index:
    """A cache folder that cannot be written: search the index that is there (saying so when
    it is out of date); with none usable, build one in a temporary folder."""
    path = place.folder / INDEX_NAME
    lock = _Lock(place.folder / LOCK_NAME, writable=False)
    lock.shared()
    conn, problem = _problem(path, owner, IMMUTABLE)
    if conn is not None and not problem and not rebuild:
        try:
            stale = not _unchanged(conn, config) and _stale(conn, config)
        except sqlite3.DatabaseError as exc:
            stale, problem = True, f"corrupt ({exc})"
        if not problem:
            if stale and notice is not None:
                notice(
                    "the search index is out of date and its folder is read-only: "
                    "searching what it has"
                )
            report = IndexUpdate()
            report.seconds = time.perf_counter() - started
            return Index(conn, lock, report, place)
    if conn is not None:
        conn.close()
    lock.close()
    temp = indexplace.temporary_place("read-only")
    if notice is not None:
        notice(
            f"search index {problem or 'rebuild requested'} and its folder is read-only: "
            "using a temporary search index"
        )
    return _open_writable(config, temp, owner, None, True, False, False, None, started)


def check_limit(limit: int) -> None:
    """UsageError unless ``limit`` (a ``--limit`` of search or match) is at least 1."""
    if limit < 1:
        raise UsageError(f"{{limit}} must be at least 1, not {limit}", params=("limit",))


def query_index(
    config: Config,
    run: Callable[[sqlite3.Connection], T],
    *,
    empty: Callable[[T], bool],
    notice: Notice | None = None,
    progress: Progress | None = None,
    speculate: bool = True,
) -> T:
    """Run a read against the up-to-date index.

    On a large KB the freshness check runs beside the read (``speculate``: see
    :func:`open_index`); when it finds a file changed, the index is brought up to date and
    the read runs again.

    When it finds nothing, probe the index (a corrupt FTS5 index can answer with no rows
    rather than an error: :func:`probe_problem`); when that probe fails or SQLite says the
    database is damaged, rebuild it with a notice and run the read again. Never an empty
    answer from a broken cache.
    """
    stale = False
    with open_index(config, notice=notice, progress=progress, speculate=speculate) as index:
        try:
            result = run(index.conn)
            stale = index.stale()  # its check ran beside the read: the answer is of old files
            if not stale and not empty(result):
                return result
            problem = "" if stale else probe_problem(index.conn)
        except sqlite3.DatabaseError as exc:
            problem = f"corrupt ({exc})"
        if not problem and not stale:
            return result
    if not problem:  # closed first: bringing it up to date takes the lock a read shares
        return query_index(
            config, run, empty=empty, notice=notice, progress=progress, speculate=False
        )
    if notice is not None:
        notice(f"search index {problem}: rebuilding it from the entries")
    with open_index(config, rebuild=True, progress=progress) as index:
        return run(index.conn)


def _update_locked(
    config: Config,
    path: Path,
    rebuild: bool,
    check: bool,
    notice: Notice | None,
    progress: Progress | None,
    owner: str | None = None,
    walked: stamps.Walked | None = None,
) -> IndexUpdate:
    """Bring the index at ``path`` up to date (exclusive lock held); ``walked`` is the walk
    that found it stale, if one did (files changed since are seen by the next query's)."""
    # Another process may have done the work while we waited for the lock: look again.
    conn, problem = _problem(path, owner)
    if conn is not None and check and not problem:
        problem = integrity_problem(conn)
    compact = conn is not None and not problem and _too_dead(conn)
    if conn is None or problem or rebuild or compact:
        old = _file_hashes(conn) if conn is not None and not problem else {}
        if conn is not None:
            conn.close()
        if problem and problem != "missing" and notice is not None:
            notice(f"search index {problem}: rebuilding it from the entries")
        elif problem == "missing" and notice is not None:
            notice("building the search index")
        report = _rebuild(config, path, old, progress, owner)
        report.rebuilt = True
        report.reason = problem or ("compacting" if compact else "requested")
        return report
    try:
        return _apply_changes(config, conn, progress, walked)
    finally:
        conn.close()


# ------------------------------------------------------------------ scanning


def _stat_walk(config: Config) -> list[tuple[str, Stat]]:
    """The KB's XML files as absolute path strings, each with its size and mtime ((-1, -1)
    when it cannot be read): the files of ``kb.iter_xml_paths((), config)``, in its order (a
    test holds the two equal)."""
    from kbtool.search.indexread import Stat

    return [(path, Stat(size, mtime)) for _, size, mtime, path in _walk(config)]


def _walk(
    config: Config, scanned: list[stamps.Scanned] | None = None
) -> list[tuple[str, int, int, str]]:
    """(relative path, size, mtime, path) of each XML file, as :func:`_stat_walk` orders
    them; size and mtime are -1 when the file cannot be stat'ed. From ``scanned`` when
    given, else from a walk now."""
    return [
        (base + name, size, mtime, f"{folder}/{name}")
        for base, folder, names, sizes, mtimes in (
            stamps.scan(config) if scanned is None else scanned
        )
        for name, size, mtime in zip(names, sizes, mtimes, strict=True)
    ]


def disk_files(
    config: Config, scanned: list[stamps.Scanned] | None = None
) -> dict[str, tuple[str, Stat]]:
    """Every XML file of the KB's learnings folder: relative path → (path, size and mtime)
    (from ``scanned``, the walk :func:`stamps.scan` made, when given)."""
    from kbtool.search.indexread import Stat

    return {rel: (path, Stat(size, mtime)) for rel, size, mtime, path in _walk(config, scanned)}


def _stale(
    conn: sqlite3.Connection, config: Config, scanned: list[stamps.Scanned] | None = None
) -> bool:
    """Whether a file of the KB was added, removed or changed since the last update (by
    the walk ``scanned`` when given)."""
    scanned = stamps.scan(config) if scanned is None else scanned
    stored = _stored(conn, "stamps")
    if stored is not None:  # one compare instead of reading every file's row
        return stamps.stale(stored, config, scanned)
    if conn.execute("SELECT 1 FROM files WHERE racy LIMIT 1").fetchone() is not None:
        return True  # a file changed close to when it was read: hash it again
    disk = disk_files(config, scanned)
    known = {
        row[0]: (row[1], row[2]) for row in conn.execute("SELECT path, size, mtime_ns FROM files")
    }
    if known.keys() != disk.keys():
        return True
    return any(known[rel] != (stat.size, stat.mtime_ns) for rel, (_, stat) in disk.items())


def _check_beside(conn: sqlite3.Connection, config: Config) -> stamps.Beside | None:
    """The freshness check started beside the caller's read (:func:`stamps.check_beside`);
    None when the index stored no stamps or the check is better done at once."""
    stored = _stored(conn, "stamps")
    return None if stored is None else stamps.check_beside(stored, config, _stored(conn, "folders"))


def _unchanged(conn: sqlite3.Connection, config: Config) -> bool:
    """Whether the stored stamps say the index is fresh without a walk (no folder changed,
    no file: :func:`stamps.unchanged`); False when they cannot tell."""
    folders = _stored(conn, "folders")  # first: without it, the stamps are not read here
    stored = _stored(conn, "stamps") if folders else None
    return stored is not None and stamps.unchanged(stored, folders, config)


def _stored(conn: sqlite3.Connection, key: str) -> bytes | None:
    """The value :func:`_save_stamps` stored under ``key``; None when it did not."""
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    except sqlite3.DatabaseError:
        return None
    return None if row is None else bytes(row[0])


def _save_stamps(
    conn: sqlite3.Connection, disk: dict[str, tuple[str, Stat]], folders: bytes = b""
) -> None:
    """Remember the files' stamps as one value for :func:`_stale`, when every file of the
    walk is in the index with that stamp and none is racy (a racy file must be hashed again,
    so each file's row must be looked at); with it, the stamps of the walk's ``folders``
    (:func:`stamps.folders_value`), which spare later checks the listing."""
    conn.execute("DELETE FROM meta WHERE key IN ('stamps', 'folders')")
    files = [(rel, st.size, st.mtime_ns) for rel, (_, st) in disk.items()]
    known = set(conn.execute("SELECT path, size, mtime_ns FROM files WHERE NOT racy"))
    if len(known) == len(files) and known.issuperset(files):
        # The same value as stamps.value(stamps.scan(...)) gives for these files: one "folder" whose
        # names are the whole relative paths.
        whole = ("", "", [f[0] for f in files], [f[1] for f in files], [f[2] for f in files])
        conn.execute("INSERT INTO meta VALUES ('stamps', ?)", (stamps.value([whole]),))
        if folders:
            conn.execute("INSERT INTO meta VALUES ('folders', ?)", (folders,))


def _file_hashes(conn: sqlite3.Connection) -> dict[str, str]:
    return dict(conn.execute("SELECT path, sha256 FROM files").fetchall())


def _fill_counts(conn: sqlite3.Connection, report: IndexUpdate) -> None:
    report.files = conn.execute("SELECT count(*) FROM files").fetchone()[0]
    report.entries = conn.execute("SELECT count(*) FROM entries").fetchone()[0]


# ------------------------------------------------------------------ reading entries


def _numbered(rows: Rows, base: int) -> Rows:
    """The rows with their entry numbers moved to start at ``base``."""
    from kbtool.search.indexread import Rows

    return Rows(*([(r[0] + base, *r[1:]) for r in part] for part in rows))


def _hash_file(config: Config, path: str) -> str:
    """The file's SHA-256, read the safe way (inside the root, capped, regular files only);
    "" when it cannot be read."""
    import hashlib

    from kbtool.safexml import read_capped

    data = read_capped(Path(path), config.root, config.max_file_bytes)
    return hashlib.sha256(data).hexdigest() if isinstance(data, bytes) else ""


# ------------------------------------------------------------------ writing


def _meta(conn: sqlite3.Connection, key: str, default: int = 0) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    try:
        return int(row[0]) if row else default
    except ValueError:
        return default


def _set_meta(conn: sqlite3.Connection, key: str, value: int) -> None:
    conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, str(value)))


_INSERTS = (
    ("entries", "INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
    (
        "head",
        f"INSERT INTO entries_fts (rowid, {', '.join(HEAD_COLUMNS)}) "  # noqa: S608
        f"VALUES (?{', ?' * len(HEAD_COLUMNS)})",
    ),
    ("body", BODY_INSERT),
    ("tags", "INSERT INTO tags VALUES (?, ?)"),
    ("symptoms", "INSERT INTO symptoms VALUES (?, ?, ?, ?, ?, ?)"),
    ("refs", "INSERT INTO refs VALUES (?, ?, ?, ?, ?)"),
)
#: The "did you mean" words are the short fields' again, unstemmed: made from the head rows
#: by SQLite (the fields, a line each), not carried a second time from the workers.
_WORDS = (
    "INSERT INTO words_fts (rowid, words) VALUES "  # noqa: S608 - constants
    f"(?, {' || char(10) || '.join('?' * len(HEAD_COLUMNS))})"
)


def _insert(
    conn: sqlite3.Connection,
    batch: Sequence[FileData],
    now_ns: int,
    body: BodyWriter | None = None,
) -> None:
    """Write the rows of some files, numbered on from meta 'next' (never a number used
    before: the contentless tables may still hold the rows of a number given earlier).
    With ``body``, the body rows go to it instead (a full build: kbtool.search.indexbody)."""
    conn.executemany(
        "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                d.rel,
                d.stat.size,
                d.stat.mtime_ns,
                d.sha256,
                int(now_ns - d.stat.mtime_ns < stamps.RACY_NS),
                len(d.rows.entries),
                d.error,
            )
            for d in batch
        ],
    )
    base = _meta(conn, "next", 1)
    numbered = []
    for d in batch:
        numbered.append(_numbered(d.rows, base))
        base += len(d.rows.entries)
    _set_meta(conn, "next", base)
    for n, (name, sql) in enumerate(_INSERTS):
        rows = [row for part in numbered for row in part[n]]
        if body is not None and name == "body":
            body.add(rows)
        else:
            conn.executemany(sql, rows)
        if name == "head":
            conn.executemany(_WORDS, rows)


def _delete(conn: sqlite3.Connection, rel: str) -> None:
    """Forget a file's entries. Their full-text rows stay, dead (see SCHEMA)."""
    rowids = [r[0] for r in conn.execute("SELECT rowid FROM entries WHERE path = ?", (rel,))]
    for rowid in rowids:  # its tags stay, dead (never looked up but through a live entry)
        for table in ("symptoms", "refs"):
            conn.execute(f"DELETE FROM {table} WHERE entry = ?", (rowid,))  # noqa: S608
    conn.execute("DELETE FROM entries WHERE path = ?", (rel,))
    conn.execute("DELETE FROM files WHERE path = ?", (rel,))
    _set_meta(conn, "dead", _meta(conn, "dead") + len(rowids))


def _too_dead(conn: sqlite3.Connection) -> bool:
    """Whether so many full-text rows are dead that a rebuild should compact them."""
    try:
        dead = _meta(conn, "dead")
        return dead > 100 and dead > DEAD_SHARE * _meta(conn, "next", 1)
    except sqlite3.DatabaseError:
        return False


PARALLEL_MIN_BYTES = 16 * 1024 * 1024
BATCH_FILES = 16
#: Files handed to each worker ahead of the one the writer waits for.
AHEAD = 4


def _read_batches(
    config: Config, todo: Sequence[Todo], progress: Progress | None = None
) -> Iterator[list[FileData]]:
    """Read files in batches, in ``todo``'s order (so a build is the same bytes every
    time); with much to read, parse in worker processes while this one writes."""
    done = 0
    batch: list[FileData] = []
    for data in _read_all(config, todo):
        batch.append(data)
        if len(batch) >= BATCH_FILES:
            yield batch
            done += len(batch)
            batch = []
            if progress is not None:
                progress(done, len(todo))
    if batch:
        yield batch
        if progress is not None:
            progress(done + len(batch), len(todo))


def _read_all(config: Config, todo: Sequence[Todo]) -> Iterator[FileData]:
    total = sum(max(item[2].size, 0) for item in todo)
    workers = min(os.cpu_count() or 1, 4)
    if total >= PARALLEL_MIN_BYTES and workers >= 2:
        from kbtool.search.indexworker import Workers

        with Workers(config, workers) as pool:
            done = 0
            for data in pool.read(todo):
                done += 1
                yield data
            if done == len(todo):
                return
            todo = todo[done:]  # a worker failed: read the rest here
    from kbtool.search.indexread import read_file

    for rel, path, stat in todo:
        yield read_file(config.root, config.max_file_bytes, path, rel, stat)


def _rebuild(
    config: Config,
    path: Path,
    old: dict[str, str],
    progress: Progress | None,
    owner: str | None = None,
) -> IndexUpdate:
    """Build a fresh index into a temporary file, then swap it in (exclusive lock held)."""
    import contextlib  # off the queries' start-up

    from kbtool.collector import Paused

    report = IndexUpdate()
    folder = path.parent
    for stale in folder.glob(f"{INDEX_NAME}.tmp-*"):  # left by a build that was killed
        with contextlib.suppress(OSError):
            stale.unlink()
    tmp = folder / f"{INDEX_NAME}.tmp-{os.getpid()}"
    body_tmp = folder / f"{INDEX_NAME}.tmp-{os.getpid()}-body"
    walked = stamps.walk(config)
    disk = disk_files(config, walked.files)
    todo = [(rel, p, st) for rel, (p, st) in sorted(disk.items())]
    body: BodyWriter | None = None
    try:
        conn = _connect(tmp)
        try:
            conn.execute("PRAGMA page_size = 8192")
            conn.execute("PRAGMA cache_size = -65536")
            conn.execute("PRAGMA journal_mode = OFF")
            conn.execute("PRAGMA synchronous = OFF")
            conn.executescript(SCHEMA)
            head_tables = tuple(t for t in FTS_TABLES if t != "body_fts")
            fts_settings(conn, BULK_FTS, head_tables)
            from kbtool.search.indexbody import BodyWriter

            body = BodyWriter(body_tmp)
            conn.execute("BEGIN")
            now = time.time_ns()
            _set_meta(conn, "next", 1)
            _set_meta(conn, "dead", 0)
            with Paused():  # rows by the million, and no cycle among them
                for batch in _read_batches(config, todo, progress):
                    _insert(conn, batch, now, body)
                    for data in batch:
                        _count(report, data, old)
            body.close()  # its last merge and commit run beside the indexes' creation
            create_indexes(conn)
            fts_settings(conn, AFTER_BULK_FTS, head_tables)
            _save_stamps(conn, disk, walked.folders)
            # No build time: two builds of the same files give the same bytes.
            conn.execute("INSERT INTO meta VALUES ('owner', ?)", (owner or "",))
            conn.execute("COMMIT")
            body.finish()
            body.copy_into(conn)  # in a transaction of its own (ATTACH needs none open)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("PRAGMA journal_mode = WAL")
            _fill_counts(conn, report)
        finally:
            conn.close()
        # No fsync: after a crash a torn cache is found unreadable or damaged and rebuilt.
        for suffix in indexplace.COMPANIONS:  # the old database's, if a process left them
            indexplace.clear(path.with_name(path.name + suffix))
        if path.is_symlink() or not path.is_file():
            indexplace.clear(path)  # a folder or a link where the index belongs
        tmp.replace(path)
    except BaseException:
        if body is not None:
            body.abandon()
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    finally:
        with contextlib.suppress(OSError):
            body_tmp.unlink()
    report.removed = len(old.keys() - disk.keys())
    return report


def _count(report: IndexUpdate, data: FileData, old: dict[str, str]) -> None:
    if data.error is not None:
        report.unreadable.append((data.rel, data.error))
    if data.rel not in old:
        report.added += 1
    elif old[data.rel] != data.sha256:
        report.modified += 1


def _apply_changes(
    config: Config,
    conn: sqlite3.Connection,
    progress: Progress | None,
    walked: stamps.Walked | None = None,
) -> IndexUpdate:
    """Re-read the files that changed since the index last saw them (exclusive lock held)."""
    report = IndexUpdate()
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    walked = stamps.walk(config) if walked is None else walked
    disk = disk_files(config, walked.files)
    known = {  # the hashes are asked only for the files whose stamps changed
        row[0]: (row[1], row[2], row[3])
        for row in conn.execute("SELECT path, size, mtime_ns, racy FROM files")
    }

    def sha_of(rel: str) -> str:
        return str(conn.execute("SELECT sha256 FROM files WHERE path = ?", (rel,)).fetchone()[0])

    now = time.time_ns()
    changed: list[tuple[str, str, Stat]] = []
    touched: list[tuple[int, int, int, str]] = []
    for rel, (p, stat) in disk.items():
        if rel not in known:
            changed.append((rel, p, stat))
            continue
        size, mtime, racy = known[rel]
        if size == stat.size and mtime == stat.mtime_ns and not racy:
            continue
        if size == stat.size and _hash_file(config, p) == sha_of(rel):  # same bytes: new stamp
            racy = int(now - stat.mtime_ns < stamps.RACY_NS)
            touched.append((stat.mtime_ns, racy, stat.size, rel))
        else:
            changed.append((rel, p, stat))
    removed = sorted(known.keys() - disk.keys())
    conn.execute("BEGIN IMMEDIATE")
    todo = sorted(changed)
    try:
        for rel in removed:
            _delete(conn, rel)
        conn.executemany(
            "UPDATE files SET mtime_ns = ?, racy = ?, size = ? WHERE path = ?", touched
        )
        old = {rel: sha_of(rel) for rel, _, _ in changed if rel in known}
        for batch in _read_batches(config, todo, progress):
            for data in batch:
                if data.rel in known:
                    _delete(conn, data.rel)
                _count(report, data, old)
            _insert(conn, batch, now)
        _save_stamps(conn, disk, walked.folders)
        create_indexes(conn)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    report.removed = len(removed)
    _fill_counts(conn, report)
    return report
