"""Files of the KB that could not be read: reading commands say so instead of going quiet.

A malformed category file gives no entries, so ``search``, ``list``, ``show`` … would act
as if its entries never existed. After such a command has run, the index knows which files
gave no entries and why (``files.error``); :func:`warn_unreadable` turns that into one line
on stderr pointing at ``kbtool validate`` (``links`` too: it reads its graph from the
index). Commands that read the XML themselves (``render``, ``plan``) count their unparsed
sources with :func:`count_unparsed`.

:func:`find_id_in_unreadable` is the cheap text scan ``show`` uses when an id is in no
readable file: ``id="…"`` in the raw bytes of the unreadable ones, with its line.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Sequence

from kbtool.config import Config

TYPE_CHECKING = False  # typing is imported for the type checker only (start-up)

if TYPE_CHECKING:
    from kbtool.safexml import XmlSource

Notice = Callable[[str], None]
MAX_SCAN_BYTES = 16 * 1024 * 1024  # per file: the KB's own cap applies first


def unreadable_files(config: Config) -> list[tuple[str, str]]:
    """(path relative to the root, first problem) of each file the index could not read;
    empty when there is no usable index (nothing to say, never an error)."""
    from kbtool.search.index import trusted_reader

    try:
        conn = trusted_reader(config)  # a committed index.db is not read: it may be hostile
        if conn is None:
            return []
        try:
            return unreadable_in(conn)
        finally:
            conn.close()
    except sqlite3.Error:
        return []


def unreadable_in(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """:func:`unreadable_files` from an open index (a search asks its own connection)."""
    rows = conn.execute(
        "SELECT path, error FROM files WHERE error IS NOT NULL ORDER BY path"
    ).fetchall()
    return [(str(p), str(e)) for p, e in rows]


def message(paths: Sequence[str]) -> str:
    """``N file(s) could not be read (a, b, …): their entries are left out; run …``."""
    from kbtool.textsafe import sanitize

    shown = ", ".join(sanitize(p, 120) for p in paths[:3]) + (", …" if len(paths) > 3 else "")
    files = "1 file" if len(paths) == 1 else f"{len(paths)} files"
    return (
        f"warning: {files} could not be read ({shown}): their entries are left out; "
        "run 'kbtool validate' to see why"
    )


def warn_unreadable(
    config: Config, notice: Notice, files: list[tuple[str, str]] | None = None
) -> int:
    """Say on ``notice`` how many files the index could not read (``files``, when the caller
    has them already); return that number."""
    files = unreadable_files(config) if files is None else files
    if files:
        notice(message([p for p, _ in files]))
    return len(files)


def count_unparsed(sources: Sequence[XmlSource], config: Config, notice: Notice) -> int:
    """The same warning for commands that parsed the files themselves."""
    bad = [s.display for s in sources if s.root is None]
    if bad:
        notice(message(bad))
    return len(bad)


def find_id_in_unreadable(config: Config, entry_id: str) -> list[tuple[str, int]]:
    """(path, line) of each ``id="entry_id"`` in the raw text of an unreadable file."""
    from kbtool.safexml import read_capped

    pattern = re.compile(rb"""\bid\s*=\s*(["'])""" + re.escape(entry_id.encode()) + rb"\1")
    found: list[tuple[str, int]] = []
    for rel, _ in unreadable_files(config):
        data = read_capped(
            config.root / rel, config.root, min(config.max_file_bytes, MAX_SCAN_BYTES)
        )
        if not isinstance(data, bytes):
            continue
        for hit in pattern.finditer(data):
            found.append((rel, data.count(b"\n", 0, hit.start()) + 1))
    return found
