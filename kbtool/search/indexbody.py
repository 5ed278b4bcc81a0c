"""The long texts' full-text table (``body_fts``), built beside the rest during a full build.

FTS5 tokenises every word it is given in the process that inserts it, and the long texts are
most of the words: one writer inserting everything was the build's bottleneck. During a full
build the body rows go to a second SQLite connection, on a thread of its own, writing a
database file of its own (SQLite releases the GIL while it works, so the two connections use
both cores); at the end its ``body_fts`` tables are copied into the index whole, a copy of
the finished B-trees (no tokenising, no merging). The rows are the same, in the same order,
as one connection would have inserted: the index is the same whatever the timing.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from pathlib import Path
from typing import Any

from kbtool.search.indexschema import (
    AFTER_BULK_FTS,
    BODY_INSERT,
    BODY_TABLE,
    BULK_FTS,
    fts_settings,
)

#: FTS5's own tables behind ``body_fts`` (contentless: no ``_content``).
SHADOW_TABLES = ("body_fts_data", "body_fts_idx", "body_fts_docsize", "body_fts_config")
#: A scratch file: no journal, no syncing; a page cache for the final merge of segments.
PRAGMAS = ("page_size = 8192", "cache_size = -32768", "journal_mode = OFF", "synchronous = OFF")
#: Batches of rows waiting for the body thread (bounds the memory they hold).
QUEUED = 4
#: The term buffer while the body is loaded: at 128 MB the long texts of ~100k entries
#: (~200 MB of text) are tokenised into one segment, so the final ``optimize`` has nothing
#: to merge (with the index's usual 16 MB: 13 segments, and a merge of ~0.9 s of CPU at
#: 100k, alone at the end of the build). ~100 MB more peak memory. Larger KBs merge as before.
BODY_BULK_FTS = ("('hashsize', 128000000)", "('automerge', 0)")
#: The setting is stored with the table, which is copied into the index: put it back.
AFTER_BODY_BULK_FTS = (*AFTER_BULK_FTS, BULK_FTS[0])


class BodyWriter:
    """Inserts body rows into ``body_fts`` of the database at ``path``, on its own thread.

    :meth:`add` queues a batch of (rowid, text) rows; :meth:`close` says there are no more
    (the thread then merges the table's segments into one and commits, while the caller
    goes on); :meth:`finish` waits for that; :meth:`copy_into` then copies the table into
    another database that has an empty ``body_fts`` of the same definition."""

    def __init__(self, path: Path):
        self.path = path
        self._queue: queue.Queue[list[tuple[Any, ...]] | None] = queue.Queue(QUEUED)
        self._error: BaseException | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="kbtool-body-fts", daemon=True)
        self._thread.start()

    def add(self, rows: list[tuple[Any, ...]]) -> None:
        if self._error is None:
            self._put(rows)

    def close(self) -> None:
        """No more rows: the thread merges and commits while the caller goes on."""
        if not self._closed:
            self._closed = True
            self._put(None)

    def finish(self) -> None:
        """Wait for the rows to be written and committed (closing first if need be)."""
        self.close()
        self._thread.join()
        if self._error is not None:
            raise self._error

    def abandon(self) -> None:
        """Stop the thread, dropping what it has not written (the build failed)."""
        self._error = self._error or RuntimeError("the build was abandoned")
        self.close()
        self._thread.join()

    def _put(self, item: list[tuple[Any, ...]] | None) -> None:
        while self._thread.is_alive():  # a thread that died takes nothing more
            try:
                self._queue.put(item, timeout=0.5)
                return
            except queue.Full:
                continue

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(self.path, isolation_level=None)
            try:
                for pragma in PRAGMAS:
                    conn.execute(f"PRAGMA {pragma}")
                conn.execute(BODY_TABLE)
                fts_settings(conn, BODY_BULK_FTS, ("body_fts",))
                conn.execute("BEGIN")
                while (rows := self._queue.get()) is not None:
                    if self._error is None:
                        conn.executemany(BODY_INSERT, rows)
                if self._error is None:
                    fts_settings(conn, AFTER_BODY_BULK_FTS, ("body_fts",))
                    conn.execute("COMMIT")
            finally:
                conn.close()
        except BaseException as exc:  # raised by finish(), in the building thread
            self._error = exc

    def copy_into(self, conn: sqlite3.Connection) -> None:
        """Replace ``conn``'s (empty, never queried) ``body_fts`` with the one built here.
        ``conn`` must not have used its ``body_fts``: FTS5 caches a table's structure per
        connection, so the caller closes it before reading the copy through FTS5."""
        conn.execute("ATTACH DATABASE ? AS body", (str(self.path),))
        try:
            conn.execute("BEGIN")
            for table in SHADOW_TABLES:  # constants of this module
                conn.execute(f"DELETE FROM main.{table}")  # noqa: S608
                conn.execute(f"INSERT INTO main.{table} SELECT * FROM body.{table}")  # noqa: S608
            conn.execute("COMMIT")
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            conn.execute("DETACH DATABASE body")
