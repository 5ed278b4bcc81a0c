"""The search index's tables: their SQL, the full-text columns, their weights and tokenizer,
and the FTS5 settings of a bulk load.

:mod:`kbtool.search.index` creates and keeps the index; :mod:`kbtool.search.indexbody` fills
its long texts' table during a full build; :mod:`kbtool.search.fulltext` and
:mod:`kbtool.search.snippets` query and cut snippets with the same columns and tokenizer.
"""

from __future__ import annotations

import sqlite3

#: The text is kept once, in the XML files: both full-text tables are contentless. The short
#: fields (the "head") have a small table of their own, searched first and weighted high;
#: the long ones (description and the rest, as one column: a column costs ~25% of a
#: table's size) are in ``body_fts``. Snippets are made from the entry's XML when shown.
HEAD_COLUMNS = ("title", "symptoms", "tags", "category")
HEAD_WEIGHTS = (10.0, 10.0, 2.0, 2.0)
BODY_WEIGHT = 0.5
TOKENIZER = "porter unicode61 remove_diacritics 2"
#: The "did you mean" words' tokenizer: the same words, not stemmed.
WORDS_TOKENIZER = "unicode61 remove_diacritics 2"
BODY_TABLE = (
    f"CREATE VIRTUAL TABLE body_fts USING fts5(body, content = '', tokenize = '{TOKENIZER}')"
)
#: A row a statement (``executemany``): FTS5 flushes its in-memory terms into a new segment
#: at the end of every statement that inserts more than one row (an INSERT … SELECT of a
#: batch made a segment a batch, and cost 40% more CPU in the final merge).
BODY_INSERT = "INSERT INTO body_fts (rowid, body) VALUES (?, ?)"

#: The one table read before the owner token is checked: a committed file's ``meta`` must be
#: this statement to the letter (see :func:`kbtool.search.index._foreign_schema`).
META_TABLE = "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
SCHEMA = f"""
{META_TABLE};
CREATE TABLE files (
    path TEXT PRIMARY KEY,      -- relative to the KB root, '/'-separated
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    racy INTEGER NOT NULL,      -- 1: changed close to when it was read; hash again
    entries INTEGER NOT NULL,
    error TEXT                  -- why the file gave no entries (first finding), or NULL
);
CREATE TABLE entries (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    path TEXT NOT NULL,
    line INTEGER NOT NULL,
    title TEXT NOT NULL,
    category TEXT NOT NULL,
    severity TEXT,
    status TEXT NOT NULL,
    date TEXT NOT NULL,
    review_by TEXT,
    tags TEXT NOT NULL,         -- tags joined with ' '
    versions TEXT               -- the entry's own versions (kbtool.applies), or NULL
);
CREATE TABLE tags (entry INTEGER NOT NULL, tag TEXT NOT NULL);
CREATE TABLE symptoms (
    entry INTEGER NOT NULL,
    text TEXT NOT NULL,
    versions TEXT,
    signature TEXT NOT NULL,
    message TEXT NOT NULL,      -- the signature without its exception type
    words TEXT NOT NULL         -- its distinctive words, ' '-separated (kbtool.search.errortext)
);
CREATE TABLE refs (
    entry INTEGER NOT NULL,
    kind TEXT NOT NULL,         -- learning | supersedes | fix-report | issue | link
    target TEXT NOT NULL,
    label TEXT NOT NULL,
    line INTEGER NOT NULL       -- of the reference element (0: unknown)
);
-- Rows of entries that were re-read or removed stay in the contentless tables (they cannot
-- forget a row without its old text) and in ``tags``: every query joins ``entries``, which
-- has only the live rows, and meta 'dead' counts them until a rebuild compacts (DEAD_SHARE).
CREATE VIRTUAL TABLE entries_fts USING fts5(
    {", ".join(HEAD_COLUMNS)}, content = '', tokenize = '{TOKENIZER}'
);
{BODY_TABLE};
-- Unstemmed words of the short fields, for "did you mean".
CREATE VIRTUAL TABLE words_fts USING fts5(
    words, content = '', detail = none, tokenize = '{WORDS_TOKENIZER}'
);
CREATE VIRTUAL TABLE words_vocab USING fts5vocab(words_fts, 'row');
"""
FTS_TABLES = ("entries_fts", "body_fts", "words_fts")
#: Created after a full build has loaded the rows (faster than keeping them up to date); an
#: update creates those an index made by an older kbtool lacks. ``files_unreadable`` holds
#: only the files that gave no entries, which every search lists (a scan of ``files`` was
#: 3–16 ms of a search at a million entries).
INDEXES = """
CREATE INDEX IF NOT EXISTS entries_id ON entries(id);
CREATE INDEX IF NOT EXISTS entries_path ON entries(path);
CREATE INDEX IF NOT EXISTS entries_date ON entries(date, id);
CREATE INDEX IF NOT EXISTS tags_tag ON tags(tag, entry);
CREATE INDEX IF NOT EXISTS symptoms_entry ON symptoms(entry);
CREATE INDEX IF NOT EXISTS symptoms_signature ON symptoms(signature);
CREATE INDEX IF NOT EXISTS symptoms_message ON symptoms(message);
CREATE INDEX IF NOT EXISTS refs_entry ON refs(entry);
CREATE INDEX IF NOT EXISTS refs_target ON refs(kind, target);
CREATE INDEX IF NOT EXISTS files_unreadable ON files(path) WHERE error IS NOT NULL;
"""
#: FTS5 settings for a bulk load: a 16 MB in-memory term buffer, no merging until the end
#: (measured: a quarter less CPU than merging as it goes).
BULK_FTS = ("('hashsize', 16000000)", "('automerge', 0)")
AFTER_BULK_FTS = ("('optimize', NULL)", "('automerge', 4)")


def create_indexes(conn: sqlite3.Connection) -> None:
    """Create :data:`INDEXES` (those that exist already are left as they are)."""
    for statement in INDEXES.strip().splitlines():
        conn.execute(statement)


def fts_settings(
    conn: sqlite3.Connection, settings: tuple[str, ...], tables: tuple[str, ...] = FTS_TABLES
) -> None:
    for table in tables:
        for setting in settings:  # constants of this module
            conn.execute(f"INSERT INTO {table}({table}, rank) VALUES {setting}")  # noqa: S608
