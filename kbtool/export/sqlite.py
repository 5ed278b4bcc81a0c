"""``kbtool export --format sqlite``: a read-only SQLite file Datasette serves as it is.

Tables (docs/export.md describes every column):

- ``entries``: one row an entry (``id`` is the primary key), the columns people filter and
  facet on, the text the full-text index reads, and ``learning``, the entry as JSON in the
  shape of ``#/$defs/Learning`` (``json_extract`` reaches any field);
- ``symptoms``, ``tags`` and ``entry_tags``: the lists people query one item at a time;
- ``fix_reports`` and ``fix_report_sections``: each report and its parsed sections;
- ``links``: entry → entry, entry → fix report, entry → URL and report → entry;
- ``entries_fts`` and ``fix_report_sections_fts``: FTS5 indexes declared with
  ``content="…"``, the form Datasette recognises (it then shows a search box);
- ``kbtool_export``: what wrote the file and how to serve it.

Deterministic: the same KB, kbtool and SQLite library give a byte-identical file. Rows are
inserted in one stable order into a fresh file (so rowids are 1…n without gaps; ``VACUUM``,
which may renumber the rowids of a table without an ``INTEGER PRIMARY KEY``, numbers them
the same way again), the FTS indexes are rebuilt and merged, the page size, encoding,
``user_version`` and ``application_id`` are fixed, ``VACUUM`` lays the pages out, and no
timestamp is written.

Read-only in spirit: SQLite has no file-level read-only flag (``PRAGMA query_only`` lasts
one connection), so the file is built under a temporary name, has no triggers, is made mode
0444 and is renamed into place atomically. Serve it with ``datasette --immutable``.

Entry text is data: every value goes through ``?`` parameters; names in SQL are constants.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from kbtool.atomic import fsync_dir
from kbtool.export.records import LEARNING_REF, Collection, Record
from kbtool.search.indexschema import TOKENIZER  # searches of the export stem words like kbtool's

if TYPE_CHECKING:
    from kbtool.model import Learning
    from kbtool.reports.links import Edge, LinkGraph

FORMAT_VERSION = 1
APPLICATION_ID = 0x6B627478  # "kbtx" in the header: `file` and tools can tell the export apart
PAGE_SIZE = 4096
FILE_MODE = 0o444

#: Columns of ``entries`` with their meaning (also Datasette's column descriptions).
ENTRY_COLUMNS: dict[str, str] = {
    "id": "The entry id (unique in the knowledge base)",
    "title": "One line: what went wrong",
    "category": "Its category, e.g. Database/AsyncIO",
    "severity": "critical, high, medium or low (empty: not given)",
    "status": "active, superseded or archived",
    "date": "When it was learned (YYYY-MM-DD; empty: unknown)",
    "review_by": "When it should be checked again (YYYY-MM-DD)",
    "tags": "Its tags, a JSON array",
    "path": "The category file, relative to the knowledge base root",
    "line": "The line of its <learning> element in that file",
    "description": "What happened",
    "symptoms": "The exact error messages or signs, one a line",
    "body": "Root causes, five whys, solution steps and code, files, checks, prevention",
    "learning": "The whole entry as JSON (#/$defs/Learning of spec/learning.schema.json)",
}

#: The columns of ``entries`` the full-text index reads, most telling first.
FTS_COLUMNS = ("title", "symptoms", "description", "body", "tags")

SCHEMA = f"""
CREATE TABLE kbtool_export (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE entries (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    category TEXT NOT NULL,
    severity TEXT,
    status TEXT NOT NULL,
    date TEXT,
    review_by TEXT,
    tags TEXT NOT NULL,
    path TEXT NOT NULL,
    line INTEGER NOT NULL,
    description TEXT NOT NULL,
    symptoms TEXT NOT NULL,
    body TEXT NOT NULL,
    learning TEXT NOT NULL
);
CREATE INDEX entries_category ON entries (category);
CREATE INDEX entries_severity ON entries (severity);
CREATE INDEX entries_status ON entries (status);
CREATE INDEX entries_date ON entries (date);
CREATE INDEX entries_path ON entries (path, line);
CREATE TABLE symptoms (
    entry_id TEXT NOT NULL REFERENCES entries (id),
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    versions TEXT,
    PRIMARY KEY (entry_id, position)
);
CREATE TABLE tags (tag TEXT PRIMARY KEY, entries INTEGER NOT NULL);
CREATE TABLE entry_tags (
    entry_id TEXT NOT NULL REFERENCES entries (id),
    tag TEXT NOT NULL REFERENCES tags (tag),
    PRIMARY KEY (entry_id, tag)
);
CREATE INDEX entry_tags_tag ON entry_tags (tag);
CREATE TABLE fix_reports (
    path TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    present INTEGER NOT NULL,
    problem TEXT
);
CREATE TABLE fix_report_sections (
    id INTEGER PRIMARY KEY,
    report TEXT NOT NULL REFERENCES fix_reports (path),
    position INTEGER NOT NULL,
    level INTEGER NOT NULL,
    heading TEXT NOT NULL,
    anchor TEXT NOT NULL,
    line INTEGER NOT NULL,
    text TEXT NOT NULL,
    UNIQUE (report, position)
);
CREATE TABLE links (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    from_entry TEXT REFERENCES entries (id),
    from_report TEXT REFERENCES fix_reports (path),
    to_entry TEXT REFERENCES entries (id),
    to_report TEXT REFERENCES fix_reports (path),
    to_file TEXT,
    to_url TEXT,
    target TEXT NOT NULL,
    resolved INTEGER NOT NULL,
    path TEXT NOT NULL,
    line INTEGER NOT NULL
);
CREATE INDEX links_from_entry ON links (from_entry);
CREATE INDEX links_from_report ON links (from_report);
CREATE INDEX links_to_entry ON links (to_entry);
CREATE INDEX links_to_report ON links (to_report);
CREATE VIRTUAL TABLE entries_fts USING fts5(
    {", ".join(FTS_COLUMNS)}, content="entries", tokenize="{TOKENIZER}"
);
CREATE VIRTUAL TABLE fix_report_sections_fts USING fts5(
    heading, text, content="fix_report_sections", tokenize="{TOKENIZER}"
);
"""


@dataclass(frozen=True)
class SqliteResult:
    path: Path
    entries: int
    reports: int
    links: int
    bytes: int


def write_sqlite(
    collection: Collection, out: Path, *, repository: str | None = None
) -> SqliteResult:
    """Write the export to ``out`` (atomically, mode 0444); OSError when it cannot.
    ``repository`` names the repository the KB belongs to (in ``kbtool_export``)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        counts = _build(collection, tmp, repository)
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        tmp.chmod(FILE_MODE)
        tmp.replace(out)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(out.parent)
    return SqliteResult(out, *counts, out.stat().st_size)


def _build(collection: Collection, path: Path, repository: str | None) -> tuple[int, int, int]:
    """Fill a fresh file at ``path``; return (entries, fix reports, links)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.executescript(
            f"PRAGMA page_size = {PAGE_SIZE}; PRAGMA encoding = 'UTF-8';"
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"  # a temporary file
            f"PRAGMA user_version = {FORMAT_VERSION};"
            f"PRAGMA application_id = {APPLICATION_ID};"
        )
        conn.executescript(SCHEMA)
        conn.execute("BEGIN")
        _insert_entries(conn, collection.records)
        reports, links = _insert_links(conn, collection)
        _insert_info(conn, len(collection.records), repository)
        for table in ("entries_fts", "fix_report_sections_fts"):
            conn.execute(f"INSERT INTO {table} ({table}) VALUES ('rebuild')")  # noqa: S608
            conn.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")  # noqa: S608
        conn.execute("COMMIT")
        conn.execute("VACUUM")
    finally:
        conn.close()
    return len(collection.records), reports, links


def _insert_entries(conn: sqlite3.Connection, records: list[Record]) -> None:
    """``entries``, ``symptoms``, ``tags`` and ``entry_tags``, in KB order."""
    conn.executemany(
        f"INSERT INTO entries ({', '.join(ENTRY_COLUMNS)}) "  # noqa: S608 - constant names
        f"VALUES ({', '.join('?' * len(ENTRY_COLUMNS))})",
        (_entry_row(r) for r in records),
    )
    conn.executemany(
        "INSERT INTO symptoms (entry_id, position, text, versions) VALUES (?, ?, ?, ?)",
        (
            (r.learning.id, n, s.text, s.versions)
            for r in records
            for n, s in enumerate(r.learning.symptoms, 1)
        ),
    )
    tags = _entry_tags(records)
    conn.executemany(
        "INSERT INTO tags (tag, entries) VALUES (?, ?)",
        sorted(_count(tag for _, tag in tags).items()),
    )
    conn.executemany("INSERT INTO entry_tags (entry_id, tag) VALUES (?, ?)", tags)


def _insert_links(conn: sqlite3.Connection, collection: Collection) -> tuple[int, int]:
    """``links``, ``fix_reports`` and ``fix_report_sections``; (reports, links)."""
    graph = collection.graph
    if graph is None:
        return 0, 0
    exported = {r.learning.id for r in collection.records}
    link_rows = list(_link_rows(graph, exported, everything=not collection.filtered))
    linked = {row[1] for row in link_rows} | {row[2] for row in link_rows}
    reports = _insert_reports(conn, collection, not collection.filtered, linked)
    conn.executemany(
        "INSERT INTO links (kind, from_report, to_report, from_entry, to_entry, to_file, "
        "to_url, target, resolved, path, line) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        link_rows,
    )
    return reports, len(link_rows)


def _insert_info(conn: sqlite3.Connection, entries: int, repository: str | None) -> None:
    from kbtool import __version__

    conn.executemany(
        "INSERT INTO kbtool_export (key, value) VALUES (?, ?)",
        [
            ("format", str(FORMAT_VERSION)),
            ("generator", f"kbtool {__version__}"),
            ("entries", str(entries)),
            ("schema", LEARNING_REF),
            ("serve", "datasette serve --immutable NAME.db --metadata NAME.metadata.json"),
            *([("repository", repository)] if repository else []),
        ],
    )


def _entry_row(record: Record) -> tuple[Any, ...]:
    learning = record.learning
    data = record.data()
    return (
        learning.id,
        learning.title,
        learning.category,
        data["severity"],
        data["status"],
        data["date"],
        data["review_by"],
        json.dumps(learning.tags, ensure_ascii=False),
        record.path,
        record.line,
        learning.description,
        "\n".join(s.text for s in learning.symptoms),
        "\n".join(_body(learning)),
        json.dumps(data, ensure_ascii=False, separators=(",", ":")),
    )


def _body(learning: Learning) -> Iterator[str]:
    """The rest of an entry's text, for the full-text index."""
    yield from learning.root_causes
    for why in learning.five_whys:
        yield why.question
        yield why.answer
    for step in learning.solution:
        if step.title:
            yield step.title
        yield step.text
        yield from (code.text for code in step.code)
    yield from learning.files_modified
    yield from learning.verification
    yield from learning.prevention
    yield from learning.test_cases


def _entry_tags(records: Iterable[Record]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for record in records:
        seen: set[str] = set()
        for tag in record.learning.tags:
            if tag not in seen:
                seen.add(tag)
                out.append((record.learning.id, tag))
    return out


def _count(items: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return counts


# ------------------------------------------------------------------ links and fix reports


def _link_rows(
    graph: LinkGraph, exported: set[str], *, everything: bool
) -> Iterator[tuple[Any, ...]]:
    """(kind, from_report, to_report, from_entry, to_entry, to_file, to_url, target,
    resolved, path, line) of every link that touches no entry left out (one that could not
    be exported, or one the filters left out); in a filtered export, only those that touch
    an exported entry."""
    for edge in graph.edges():
        source_kind, _, source = edge.source.partition(":")
        target_kind, _, target = edge.target.partition(":")
        entries = [
            key
            for kind, key in ((source_kind, source), (target_kind, target))
            if kind == "entry" and key in graph.entries
        ]
        if all(key in exported for key in entries) and (everything or entries):
            yield _row(edge, source_kind, source, target_kind, target, exported)
    for href in graph.hrefs:
        if href.entry_id in exported and _is_url(href.target):
            yield (
                href.kind,
                None,
                None,
                href.entry_id,
                None,
                None,
                href.target,
                href.target,
                1,
                href.file,
                href.line,
            )


def _row(
    edge: Edge,
    source_kind: str,
    source: str,
    target_kind: str,
    target: str,
    exported: set[str],
) -> tuple[Any, ...]:
    return (
        edge.kind,
        source if source_kind == "report" else None,
        target if target_kind == "report" else None,
        source if source_kind == "entry" and source in exported else None,
        target if target_kind == "entry" and target in exported else None,
        target if target_kind == "file" else None,
        None,  # to_url: URLs are not edges of the graph (see _link_rows)
        target,
        int(edge.resolved),
        edge.path,
        edge.line,
    )


def _is_url(target: str) -> bool:
    from urllib.parse import urlsplit

    return bool(urlsplit(target).scheme) and "/" in target


def _insert_reports(
    conn: sqlite3.Connection, collection: Collection, everything: bool, linked: set[Any]
) -> int:
    """Insert the fix reports (all of them, or in a filtered export those ``linked``) and
    their sections; return how many."""
    from kbtool.reports.parser import read_report

    graph = collection.graph
    assert graph is not None
    config = collection.config
    count = 0
    position_rows: list[tuple[Any, ...]] = []
    for rel, node in graph.reports.items():  # sorted by path (LinkGraph.load_reports)
        if not (everything or rel in linked):
            continue
        problem = "; ".join(message for _, _, _, message in node.errors) or None
        conn.execute(
            "INSERT INTO fix_reports (path, title, present, problem) VALUES (?, ?, ?, ?)",
            (rel, node.title, int(node.exists), problem),
        )
        count += 1
        if not node.exists or node.errors:
            continue
        report = read_report(config.root / PurePosixPath(rel), config)
        sections = [s for top in report.sections for s in top.walk()]
        for n, section in enumerate(sections, 1):
            end = section.children[0].start if section.children else section.end
            position_rows.append(
                (
                    rel,
                    n,
                    section.level,
                    section.plain,
                    section.anchor,
                    section.line,
                    report.source(section.start + 1, end),
                )
            )
    conn.executemany(
        "INSERT INTO fix_report_sections (report, position, level, heading, anchor, line, text)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        position_rows,
    )
    return count
