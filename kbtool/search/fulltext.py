"""Full-text search over the index: BM25 with field weights, filters, snippets, "did you mean".

Library use::

    hits = search_entries(config, "async context manager", limit=5, category="Database")
    hits[0].id, hits[0].title, hits[0].path, hits[0].line, hits[0].snippet

:func:`search` returns the whole answer (hits, suggestions, the SQL it ran) for the CLI;
:func:`search_sql` is the SQL that ``--show-sql`` prints. What a person types goes through
:func:`kbtool.search.query.convert`, so no input reaches SQLite as FTS5 syntax of its own.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Sequence

from kbtool.config import Config
from kbtool.errors import UsageError
from kbtool.records import FrozenRecord, Record
from kbtool.search.index import Notice, Progress, check_limit, query_index
from kbtool.search.indexschema import BODY_WEIGHT, HEAD_COLUMNS, HEAD_WEIGHTS
from kbtool.search.query import FtsQuery, convert, for_table
from kbtool.search.snippets import COLUMNS as SNIPPET_COLUMNS

TYPE_CHECKING = False  # typing is imported for the type checker only (start-up)
if TYPE_CHECKING:
    from typing import Any

DEFAULT_LIMIT = 10
MAX_LIMIT = 1000
SNIPPET_TOKENS = 24
MARK_OPEN, MARK_CLOSE = "\x01", "\x02"  # never in XML text, so safe as snippet markers


class Filters(FrozenRecord):
    """What narrows a search or a listing. Empty values do not filter."""

    _fields = ("category", "tags", "severity", "status", "since", "until", "file")
    category: str | None  # a category and its sub-categories: "Database" ⊇ "Database/X"
    tags: tuple[str, ...]  # every tag must be present (case-insensitive)
    severity: tuple[str, ...]  # any of these
    status: tuple[str, ...]  # any of these
    since: dt.date | None  # entry date on or after
    until: dt.date | None  # entry date on or before
    file: str | None  # a file or folder relative to the KB root, or a glob

    def __init__(
        self,
        category: str | None = None,
        tags: tuple[str, ...] = (),
        severity: tuple[str, ...] = (),
        status: tuple[str, ...] = (),
        since: dt.date | None = None,
        until: dt.date | None = None,
        file: str | None = None,
    ) -> None:
        self._set(
            category=category,
            tags=tags,
            severity=severity,
            status=status,
            since=since,
            until=until,
            file=file,
        )

    def where(self, alias: str = "e") -> tuple[list[str], list[Any]]:
        """SQL conditions on the ``entries`` table (as ``alias``) and their parameters."""
        sql: list[str] = []
        args: list[Any] = []
        if self.category:
            cat = self.category.strip().strip("/").lower()
            words = _category_words(cat)
            if words:  # the full-text index narrows the rows first: a lookup, not a scan
                sql.append(
                    f"{alias}.rowid IN (SELECT rowid FROM entries_fts WHERE entries_fts MATCH ?)"  # noqa: S608
                )
                args.append(f'category : ^"{words}"')
            sql.append(
                f"(lower({alias}.category) = ? OR substr(lower({alias}.category), 1, ?) = ?)"
            )
            args += [cat, len(cat) + 1, cat + "/"]
        for tag in self.tags:
            sql.append(f"{alias}.rowid IN (SELECT entry FROM tags WHERE tag = ?)")  # noqa: S608
            args.append(tag.lower())
        if self.severity:
            sql.append(f"{alias}.severity IN ({', '.join('?' * len(self.severity))})")
            args += list(self.severity)
        if self.status:
            sql.append(f"{alias}.status IN ({', '.join('?' * len(self.status))})")
            args += list(self.status)
        if self.since:
            sql.append(f"{alias}.date >= ?")
            args.append(self.since.isoformat())
        if self.until:
            sql.append(f"{alias}.date <= ?")
            args.append(self.until.isoformat())
        if self.file:
            if any(c in self.file for c in "*?["):
                sql.append(f"{alias}.path GLOB ?")
                args.append(self.file)
            else:
                sql.append(f"({alias}.path = ? OR substr({alias}.path, 1, ?) = ?)")
                folder = self.file.rstrip("/") + "/"
                args += [self.file, len(folder), folder]
        return sql, args


def _category_words(category: str) -> str:
    """The words of a category as the index tokenised them (for a phrase query)."""
    from kbtool.search.query import tokens

    return " ".join(tokens(category)[:MAX_CATEGORY_WORDS])


MAX_CATEGORY_WORDS = 16


#: The fields every hit (of search and of match) starts its JSON with.
HIT_HEAD = ("id", "title", "category", "path", "line", "severity", "status")


def hit_head(hit: object) -> dict[str, Any]:
    """The entry part of a hit's JSON: :data:`HIT_HEAD`, in order."""
    return {name: getattr(hit, name) for name in HIT_HEAD}


class Hit(FrozenRecord):
    """One entry found: where it is and why it matched."""

    _fields = (
        "id",
        "title",
        "category",
        "path",
        "line",
        "severity",
        "status",
        "date",
        "tags",
        "score",
        "snippet",
        "highlights",
    )
    id: str
    title: str
    category: str
    path: str  # relative to the KB root, '/'-separated
    line: int
    severity: str | None
    status: str
    date: str
    tags: tuple[str, ...]
    score: float  # higher is better (BM25, sign flipped)
    snippet: str  # plain text, white space collapsed
    highlights: tuple[tuple[int, int], ...]  # [start, end) spans of snippet to highlight

    def __init__(
        self,
        id: str,
        title: str,
        category: str,
        path: str,
        line: int,
        severity: str | None,
        status: str,
        date: str,
        tags: tuple[str, ...],
        score: float,
        snippet: str = "",
        highlights: tuple[tuple[int, int], ...] = (),
    ) -> None:
        self._set(
            id=id,
            title=title,
            category=category,
            path=path,
            line=line,
            severity=severity,
            status=status,
            date=date,
            tags=tags,
            score=score,
            snippet=snippet,
            highlights=highlights,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            **hit_head(self),
            "date": self.date,
            "tags": list(self.tags),
            "score": round(self.score, 4),
            "snippet": self.snippet,
            "highlights": [list(span) for span in self.highlights],
        }


class SearchResult(Record):
    _fields = (
        *("query", "fts", "hits", "suggestions", "corrected", "mode", "all_words", "ignored"),
        "unreadable",
    )
    query: str
    fts: str  # the FTS5 MATCH expression it became
    hits: list[Hit]
    suggestions: list[str]  # whole corrected queries
    corrected: str | None  # the suggestion whose hits these are, when the query had none
    mode: str  # "all": every word matched; "any": no entry had all, ranked by how many
    all_words: int  # how many hits, from the first, have every word
    ignored: list[str]  # stop words left out
    unreadable: list[tuple[str, str]] | None  # files the index could not read (path, why)

    def __init__(
        self,
        query: str,
        fts: str,
        hits: list[Hit] | None = None,
        suggestions: list[str] | None = None,
        corrected: str | None = None,
        mode: str = "all",
        ignored: list[str] | None = None,
        unreadable: list[tuple[str, str]] | None = None,
        all_words: int = 0,
    ) -> None:
        self.query = query
        self.fts = fts
        self.hits = [] if hits is None else hits
        self.suggestions = [] if suggestions is None else suggestions
        self.corrected = corrected
        self.mode = mode
        self.all_words = all_words
        self.ignored = [] if ignored is None else ignored
        self.unreadable = unreadable

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "fts": self.fts,
            "hits": [h.to_dict() for h in self.hits],
            "suggestions": self.suggestions,
            "corrected": self.corrected,
            "mode": self.mode,
            "all_words": self.all_words,
            "ignored": self.ignored,
        }


# ------------------------------------------------------------------ parsing option values


def parse_date(text: str, *, today: dt.date | None = None, end: bool = False) -> dt.date:
    """``2025-08-15``, ``2025-08``, ``2025``, or an age: ``30d``, ``6w``, ``3m``, ``1y``."""
    value = text.strip().lower()
    today = today or dt.date.today()
    if value[-1:] in ("d", "w", "m", "y") and value[:-1].isdigit():
        n = int(value[:-1])
        days = {"d": 1, "w": 7, "m": 30, "y": 365}[value[-1]] * n
        try:
            return today - dt.timedelta(days=days)
        except OverflowError as exc:
            raise UsageError(f"date {text!r} is too far back") from exc
    try:
        if len(value) == 4 and value.isdigit():
            return dt.date(int(value), 12, 31) if end else dt.date(int(value), 1, 1)
        if len(value) == 7 and value[4] == "-":
            start = dt.date(int(value[:4]), int(value[5:]), 1)
            if not end:
                return start
            following = start.replace(day=28) + dt.timedelta(days=4)
            return following - dt.timedelta(days=following.day)
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise UsageError(
            f"invalid date {text!r}: use YYYY-MM-DD, YYYY-MM, YYYY or an age such as 30d, 6w, "
            "3m, 1y"
        ) from exc


def choices(values: Iterable[str], what: str) -> tuple[str, ...]:
    """Split comma-separated option values and check each against the vocabulary's
    ``what`` values (``severity``: :data:`kbtool.fields.SEVERITIES`; ``status``)."""
    out: list[str] = []
    allowed: Sequence[str] = ()
    for value in values:
        for part in value.split(","):
            part = part.strip().lower()
            if not part:
                continue
            if not allowed:  # imported only when a filter is given: off the start-up path
                from kbtool import fields

                allowed = fields.SEVERITIES if what == "severity" else fields.STATUSES
            if part not in allowed:
                raise UsageError(f"unknown {what} {part!r}: choose from {', '.join(allowed)}")
            if part not in out:
                out.append(part)
    return tuple(out)


def make_filters(
    config: Config,
    *,
    category: str | None = None,
    tag: Iterable[str] = (),
    severity: Iterable[str] = (),
    status: Iterable[str] = (),
    since: str | dt.date | None = None,
    until: str | dt.date | None = None,
    file: str | None = None,
) -> Filters:
    """Filters from option values as a person gives them (validated; UsageError if wrong)."""
    filters = Filters(
        category=category or None,
        tags=tuple(t for value in tag for t in value.split(",") if t.strip()),
        severity=choices(severity, "severity"),
        status=choices(status, "status"),
        since=since if isinstance(since, dt.date) or since is None else parse_date(since),
        until=until if isinstance(until, dt.date) or until is None else parse_date(until, end=True),
        file=_kb_relative(config, file) if file else None,
    )
    if filters.since and filters.until and filters.since > filters.until:
        raise UsageError(
            f"{{since}} {filters.since} is after {{until}} {filters.until}: no date is in between",
            params=("since", "until"),
        )
    return filters


def _kb_relative(config: Config, value: str) -> str:
    """A --file value as a path relative to the KB root (from the cwd, or already so)."""
    import os

    if any(c in value for c in "*?["):
        return value
    absolute = os.path.abspath(value)  # noqa: PTH100 - no resolving: links stay as given
    root = str(config.root)
    if absolute == root or absolute.startswith(root + os.sep):
        rel = os.path.relpath(absolute, root)
        return "" if rel == "." else rel.replace(os.sep, "/")
    return value.replace(os.sep, "/").strip("/")


def _limit(limit: int) -> int:
    check_limit(limit)
    return min(limit, MAX_LIMIT)


# ------------------------------------------------------------------ SQL


_COLUMNS = "e.id, e.title, e.category, e.path, e.line, e.severity, e.status, e.date, e.tags"
# FTS5's snippet() scores every window of every match: its cost grows with the square of
# an entry's size (a 1 MiB entry took 15 s). An entry over SNIPPET_MAX_CHARS gets the start
# of its description instead, read in bounded time.
SNIPPET_MAX_CHARS = 64 * 1024
_SIZE = " + ".join(f"length(entries_fts.{c})" for c in SNIPPET_COLUMNS)
_SNIPPET = (
    f"CASE WHEN {_SIZE} > {SNIPPET_MAX_CHARS} "
    "THEN substr(entries_fts.description, 1, 300) || '…' "
    f"ELSE snippet(entries_fts, -1, char(1), char(2), '…', {SNIPPET_TOKENS}) END"
)
_HEAD_BM25 = f"-bm25(entries_fts, {', '.join(str(w) for w in HEAD_WEIGHTS)})"
_BODY_BM25 = f"-{BODY_WEIGHT} * bm25(body_fts)"
#: Each query field, by the column that holds it in each full-text table.
_HEAD_FIELDS = {c: c for c in HEAD_COLUMNS}
_BODY_FIELDS = {"description": "body", "body": "body"}
#: The most rows of one full-text lookup that are scored (the newest-indexed ones). BM25 over
#: every match is what made a word in most entries slow; the cut makes every query's cost
#: bounded, and changes nothing for a word in fewer entries than this.
SCORED_PER_LOOKUP = 1000
#: How much a match of a term's looser form (``query`` for ``db.query``) counts against one
#: of the term as written.
LOOSER_WEIGHT = 0.5


def search_sql(
    converted: FtsQuery, filters: Filters, limit: int, *, any_word: bool = False
) -> tuple[str, list[Any]]:
    """The SQL that ranks a converted query over both full-text tables (``--show-sql``), and
    its parameters: rows of (rowid, score, groups matched), best first.

    Each OR-group of the query must match in the short fields (``entries_fts``: title,
    symptoms, tags, category) or in the long ones (``body_fts``), so it is looked up in both;
    an entry's score is the sum of its BM25 scores there. With ``any_word``, an entry
    matching any group qualifies, a group matches in its terms' looser forms too (their
    scores weighted by :data:`LOOSER_WEIGHT`), and entries rank by their score times the
    number of groups they match: a word that only a long text holds counts for less than
    one in a title, where counting groups alone made them equal."""
    return _scored_sql(converted, filters, limit, any_word=any_word)


def _scored_sql(
    converted: FtsQuery, filters: Filters, limit: int, *, any_word: bool
) -> tuple[str, list[Any]]:
    lookups: list[str] = []
    args: list[Any] = []
    where, where_args = filters.where("e")
    conditions = "".join(f" AND {w}" for w in where)
    looser = converted.looser if any_word else ()
    for n, group in enumerate(converted.groups):
        for table, fields, bm25 in (
            ("entries_fts", _HEAD_FIELDS, _HEAD_BM25),
            ("body_fts", _BODY_FIELDS, _BODY_BM25),
        ):
            forms = [(group, bm25)]
            if n < len(looser) and looser[n]:
                forms.append((looser[n], f"{LOOSER_WEIGHT} * {bm25}"))
            for clauses, score in forms:
                expression = for_table(clauses, fields)
                if expression:
                    lookups.append(_lookup(table, f"{n} AS g, {score} AS s", conditions))
                    args += [expression, *where_args]
    excluded_args: list[Any] = []
    excluded = _excluded(converted, excluded_args)
    outer = "\n  AND ".join(excluded) if excluded else "1"
    having = "" if any_word else f"HAVING matched = {len(converted.groups)}\n"
    sql = (
        "WITH m AS MATERIALIZED (\n  "
        + "\n  UNION ALL\n  ".join(lookups or ["SELECT NULL AS rowid, 0 AS g, 0 AS s"])
        + "\n)\n"
        "SELECT m.rowid, sum(m.s) AS score, count(DISTINCT m.g) AS matched\n"
        "FROM m JOIN entries AS e ON e.rowid = m.rowid\n"
        f"WHERE {outer}\n"
        "GROUP BY m.rowid\n"
        f"{having}"
        "ORDER BY matched * score DESC, e.id\n"
        "LIMIT ?"
    )
    return sql, [*args, *excluded_args, limit]


def _lookup(table: str, columns: str, conditions: str) -> str:
    """A full-text lookup of at most :data:`SCORED_PER_LOOKUP` live rows that pass the
    filters, newest-indexed first: BM25 is computed for those rows only, so a word in most
    entries costs no more than a rarer one (one parameter: the MATCH expression, then the
    filters')."""
    return (
        f"SELECT * FROM (SELECT {table}.rowid AS rowid, {columns} FROM {table} "  # noqa: S608
        f"JOIN entries AS e ON e.rowid = {table}.rowid WHERE {table} MATCH ?{conditions} "
        f"ORDER BY {table}.rowid DESC LIMIT {SCORED_PER_LOOKUP})"
    )


def _excluded(converted: FtsQuery, args: list[Any]) -> list[str]:
    """Conditions leaving out entries with an excluded term in either table (parameters
    appended to ``args``)."""
    out = []
    for table, fields in (("entries_fts", _HEAD_FIELDS), ("body_fts", _BODY_FIELDS)):
        expression = for_table(converted.excluded, fields)
        if expression:
            out.append(f"e.rowid NOT IN (SELECT rowid FROM {table} WHERE {table} MATCH ?)")  # noqa: S608
            args.append(expression)
    return out


def _head_first(
    conn: sqlite3.Connection, converted: FtsQuery, filters: Filters, limit: int
) -> list[tuple[int, float]] | None:
    """The best ``limit`` entries by the short fields alone (title, symptoms, tags,
    category), when at least ``limit`` have every group there: then the long texts are not
    looked at, and a word in most entries costs a small table's lookup. None when the short
    fields do not give enough."""
    parts = [for_table(group, _HEAD_FIELDS) for group in converted.groups]
    if not all(parts):
        return None
    where, args = filters.where("e")
    conditions = "".join(f" AND {w}" for w in where)
    excluded_args: list[Any] = []
    excluded = _excluded(converted, excluded_args)
    outer = "".join(f" AND {w}" for w in excluded)
    rows = conn.execute(
        f"SELECT h.rowid, h.s FROM ({_lookup('entries_fts', f'{_HEAD_BM25} AS s', conditions)}) "  # noqa: S608
        f"AS h JOIN entries AS e ON e.rowid = h.rowid WHERE 1{outer} "
        "ORDER BY h.s DESC, e.id LIMIT ?",
        [" AND ".join(parts), *args, *excluded_args, limit],
    ).fetchall()
    if len(rows) < limit:
        return None
    return [(row[0], float(row[1])) for row in rows]


def _ranked(
    conn: sqlite3.Connection,
    converted: FtsQuery,
    filters: Filters,
    limit: int,
    *,
    any_word: bool = False,
) -> list[tuple[int, float]]:
    """(rowid, score) of the best entries, best first."""
    if not any_word:
        head = _head_first(conn, converted, filters, limit)
        if head is not None:
            return head
    sql, args = search_sql(converted, filters, limit, any_word=any_word)
    return [(row[0], float(row[1])) for row in conn.execute(sql, args)]


def _as_written(
    conn: sqlite3.Connection, converted: FtsQuery, filters: Filters, limit: int
) -> list[tuple[int, float]]:
    """(rowid, score) of the entries whose title or a symptom holds the whole query as
    written (:attr:`FtsQuery.whole`), best first: an error message typed or pasted whole
    is that entry's, where BM25 alone weighs the same words anywhere in the short fields."""
    where, args = filters.where("e")
    conditions = "".join(f" AND {w}" for w in where)
    lookup = _lookup("entries_fts", f"{_HEAD_BM25} AS s", conditions)
    rows = conn.execute(
        f"SELECT rowid, s FROM ({lookup}) ORDER BY s DESC, rowid LIMIT ?",  # noqa: S608
        [f"{{title symptoms}} : {converted.whole}", *args, limit],
    ).fetchall()
    return [(row[0], float(row[1])) for row in rows]


def _fetch(conn: sqlite3.Connection, ranked: list[tuple[int, float]]) -> list[tuple[Any, ...]]:
    """The entries' columns, in ``ranked``'s order, with rowid last."""
    if not ranked:
        return []
    marks = ", ".join("?" * len(ranked))
    rows = {
        row[-1]: row
        for row in conn.execute(
            f"SELECT {_COLUMNS}, e.rowid FROM entries AS e WHERE e.rowid IN ({marks})",  # noqa: S608
            [rowid for rowid, _ in ranked],
        )
    }
    return [rows[rowid] for rowid, _ in ranked if rowid in rows]


def _by_id(conn: sqlite3.Connection, query: str, filters: Filters, limit: int) -> list[int]:
    """Entries whose id is the query, or (for a query with a dash in it) starts with it."""
    text = query.strip().lower()
    if not text or any(c.isspace() for c in text) or len(text) > 200:
        return []
    where, args = filters.where("e")
    conditions = "".join(f" AND {w}" for w in where)
    sql = f"SELECT e.rowid FROM entries AS e WHERE e.id = ?{conditions} ORDER BY e.id LIMIT ?"  # noqa: S608
    found = [r[0] for r in conn.execute(sql, [text, *args, limit])]
    if not found and "-" in text.strip("-") and len(text) >= 3:
        high = text[:-1] + chr(ord(text[-1]) + 1)
        found = [
            r[0]
            for r in conn.execute(
                f"SELECT e.rowid FROM entries AS e WHERE e.id >= ? AND e.id < ?{conditions} "  # noqa: S608
                "ORDER BY e.id LIMIT ?",
                [text, high, *args, limit],
            )
        ]
    return found


def _snippet(raw: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Plain snippet text (white space collapsed, control characters dropped) and the spans
    the markers enclosed."""
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    start = -1
    size = 0
    space = False
    for c in raw:
        if c == MARK_OPEN:
            start = size + (1 if space and size else 0)
            continue
        if c == MARK_CLOSE:
            if start >= 0:
                spans.append((start, size + (1 if space and size else 0)))
            start = -1
            continue
        if c.isspace() or not c.isprintable():
            space = True
            continue
        if space and size:
            out.append(" ")
            size += 1
        space = False
        out.append(c)
        size += 1
    return "".join(out), tuple((a, b) for a, b in spans if b > a)


def _hits(rows: Iterable[tuple[Any, ...]], scores: dict[int, float]) -> list[Hit]:
    out = []
    for row in rows:
        snippet, spans = _snippet(row[10] or "")
        out.append(
            Hit(
                id=row[0],
                title=row[1],
                category=row[2],
                path=row[3],
                line=row[4],
                severity=row[5],
                status=row[6],
                date=row[7],
                tags=tuple(row[8].split()) if row[8] else (),
                score=scores.get(row[9], 0.0),
                snippet=snippet,
                highlights=spans,
            )
        )
    return out


# ------------------------------------------------------------------ running

#: The score given to an entry found by its id, above any BM25 score.
ID_SCORE = 1000.0


#: A query of LONG_QUERY words or more whose words are all in fewer than FEW entries is
#: followed by the entries with most of them.
LONG_QUERY = 3
FEW = 3


def search(
    config: Config,
    query: str,
    *,
    limit: int = DEFAULT_LIMIT,
    filters: Filters | None = None,
    notice: Notice | None = None,
    progress: Progress | None = None,
    snippets: bool = True,
) -> SearchResult:
    """Search the KB. UsageError when the query has nothing searchable in it (and no filter
    narrows the KB instead: then the newest entries the filters let through).

    Forgiving, in this order: an entry's id (or, with a dash, the start of one) finds it
    first; stop words are left out; when no entry has every word, a query whose unknown
    words are close to indexed ones runs corrected (``corrected``); failing that, entries
    with any of the words, most words first (``mode`` "any"). A query of :data:`LONG_QUERY`
    words or more that fewer than :data:`FEW` entries match whole is followed by the entries
    with most of its words (``all_words`` counts the hits that have them all). Without
    ``snippets`` the hits have none (and no entry file is read)."""
    filters = filters or Filters()
    pasted, error, stripped = "", "", query.strip()
    # A pasted log or traceback, or one JSON log record (its traceback escaped in a field):
    # the words of its errors first.
    if "\n" in stripped or (stripped[:1] == "{" and stripped[-1:] == "}"):
        from kbtool.search.errortext import pasted_words

        error, pasted = pasted_words(query)
    converted = convert(pasted or query, drop_stop_words=True)
    first = convert(error, drop_stop_words=True) if error else None  # its error's words alone
    filter_only = not query.strip() and filters != Filters()
    if not converted.match and not filter_only:
        raise UsageError(f"{converted.problem} (query: {query[:80]!r})")
    limit = _limit(limit)
    result = SearchResult(query=query, fts=converted.match, ignored=list(converted.dropped))

    def run(conn: sqlite3.Connection) -> list[Hit]:
        from kbtool.search.unreadable import unreadable_in

        result.unreadable = unreadable_in(conn)  # the same connection: no second open
        # a read made again (the index was stale) starts afresh
        result.suggestions, result.corrected, result.fts = [], None, converted.match
        result.mode, whole = "all", None  # whole: hits with every word (None: all of them)
        if filter_only:
            hits = _hits(_newest(conn, filters, limit), {})
            result.all_words = len(hits)
            return hits
        ranked = [(rowid, ID_SCORE) for rowid in _by_id(conn, query, filters, limit)]
        words = _ranked(conn, converted, filters, limit)
        used = converted
        if not words and not ranked:
            # A pasted log's words are names, not typos: no "did you mean" for them.
            result.suggestions = [] if pasted else suggest(conn, query, converted.words)
            for suggestion in result.suggestions[:1]:
                fixed = convert(suggestion, drop_stop_words=True)
                words = _ranked(conn, fixed, filters, limit) if fixed.match else []
                if words:
                    result.corrected, result.fts, used = suggestion, fixed.match, fixed
            if not words and (len(used.groups) > 1 or used.looser):
                words = _ranked(conn, used, filters, limit, any_word=True)
                if words:
                    result.mode, whole = "any", 0
        elif len(words) < FEW and len(converted.groups) >= LONG_QUERY and not ranked:
            # A long query in natural words is rarely all in one entry: after the few that
            # have every word, the entries with most of them (result.all_words says where).
            have = {rowid for rowid, _ in words}
            more = _ranked(conn, converted, filters, limit, any_word=True)
            whole = len(words)
            words += [(r, s) for r, s in more if r not in have][: limit - len(words)]
        if words and converted.whole:  # its title or a symptom says it as written: first
            seen = {rowid for rowid, _ in ranked}
            ranked += [h for h in _as_written(conn, converted, filters, limit) if h[0] not in seen]
        if words and first is not None and first.match and len(first.groups) > 1:
            # A pasted log: the entries with every word of its error, before those with many
            # of its other lines' words (the other diagnostics of a tool, a job's chatter).
            seen = {rowid for rowid, _ in ranked}
            ranked += [h for h in _ranked(conn, first, filters, limit) if h[0] not in seen]
        seen = {rowid for rowid, _ in ranked}
        ranked += [(rowid, score) for rowid, score in words if rowid not in seen][
            : limit - len(ranked)
        ]
        rows = _fetch(conn, ranked)
        result.all_words = len(rows) if whole is None else min(whole, len(rows))
        if not snippets:  # nobody reads them (kbtool search --ids): no file is opened
            return _hits([(*row, "") for row in rows], dict(ranked))
        if result.mode == "any":
            return _hits(_with_snippets(config, rows, used.loose), dict(ranked))
        whole = result.all_words
        shown = _with_snippets(config, rows[:whole], used.match)
        if whole < len(rows):  # the entries with most of the words: their words shown
            shown += _with_snippets(config, rows[whole:], used.loose)
        return _hits(shown, dict(ranked))

    # Fewer hits than asked for may come from a damaged table (the other still answering):
    # query_index then probes the index, which takes a millisecond.
    result.hits = query_index(
        config, run, empty=lambda hits: len(hits) < limit, notice=notice, progress=progress
    )
    return result


def _newest(conn: sqlite3.Connection, filters: Filters, limit: int) -> list[tuple[Any, ...]]:
    where, args = filters.where("e")
    sql = (
        f"SELECT {_COLUMNS}, e.rowid, '' FROM entries AS e WHERE {' AND '.join(where) or 1} "  # noqa: S608
        "ORDER BY e.date DESC, e.id LIMIT ?"
    )
    return conn.execute(sql, [*args, limit]).fetchall()


def _with_snippets(
    config: Config, rows: list[tuple[Any, ...]], expression: str
) -> list[tuple[Any, ...]]:
    """Each row (columns, then rowid) with its raw snippet appended."""
    from kbtool.search.snippets import snippets

    found = snippets(config, [(r[9], r[3], r[4], r[0]) for r in rows], expression, _SNIPPET)
    return [(*row, found.get(row[9], "")) for row in rows]


def search_entries(
    config: Config,
    query: str,
    *,
    limit: int = DEFAULT_LIMIT,
    notice: Notice | None = None,
    **filters: Any,
) -> list[Hit]:
    """The entries matching ``query``, best first (stable API).

    ``filters`` are :func:`make_filters` keywords: ``category``, ``tag``, ``severity``,
    ``status``, ``since``, ``until``, ``file``.
    """
    return search(
        config, query, limit=limit, filters=make_filters(config, **filters), notice=notice
    ).hits


# ------------------------------------------------------------------ did you mean


def suggest(conn: sqlite3.Connection, query: str, words: Sequence[str], most: int = 3) -> list[str]:
    """Queries close to ``query`` whose unknown words are replaced by indexed ones."""
    options: dict[str, list[str]] = {}
    for word in words:
        if _known(conn, word):
            continue
        close = close_terms(conn, word)
        if close:
            options[word] = close
    if not options:
        return []
    out = []
    for n in range(most):
        text = query
        changed = False
        for word, close in options.items():
            pick = close[min(n, len(close) - 1)]
            if n < len(close):
                changed = True
            text = _replace_word(text, word, pick)
        if changed and text not in out:
            out.append(text)
    return out


def _known(conn: sqlite3.Connection, word: str) -> bool:
    row = conn.execute("SELECT 1 FROM words_vocab WHERE term = ?", (_fold(word),)).fetchone()
    return row is not None


def _fold(word: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


#: The most vocabulary words read from one slice when looking for a close word.
MAX_SLICE_TERMS = 20_000
_ALPHABET = "abcdefghijklmnopqrstuvwxyz"


def close_terms(conn: sqlite3.Connection, word: str, most: int = 3) -> list[str]:
    """Indexed words within a small edit distance of ``word``, commonest first.

    The words sharing its first two letters are read (at most :data:`MAX_SLICE_TERMS`) and
    compared; the words one edit away that start otherwise (a typo in the first two letters)
    are looked up directly. Either costs the same whatever the size of the vocabulary."""
    word = _fold(word)
    if len(word) < 3 or len(word) > 40:
        return []
    cutoff = 1 if len(word) < 6 else 2
    prefix = word[:2]
    found: list[tuple[int, int, str]] = []
    rows = conn.execute(
        "SELECT term, doc FROM words_vocab WHERE term >= ? AND term < ? LIMIT ?",
        (prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1), MAX_SLICE_TERMS),
    )
    letters = set(word)
    for term, docs in rows:
        # Cheap lower bounds first: each letter one of the two lacks costs an edit (in either
        # direction: at 1M entries, the letters the word lacks leave 11 of 310 candidates).
        if abs(len(term) - len(word)) > cutoff:
            continue
        seen = set(term)
        if len(letters - seen) > cutoff or len(seen - letters) > cutoff:
            continue
        distance = edit_distance(word, term, cutoff)
        if 0 < distance <= cutoff:
            found.append((distance, -docs, term))
    elsewhere = sorted(e for e in _edits(word) if e[:2] != prefix)
    for start in range(0, len(elsewhere), 500):
        chunk = elsewhere[start : start + 500]
        rows = conn.execute(
            f"SELECT term, doc FROM words_vocab WHERE term IN ({', '.join('?' * len(chunk))})",  # noqa: S608
            chunk,
        )
        found += [(1, -docs, term) for term, docs in rows]
    found.sort()
    return [term for _, _, term in found[:most]]


def _edits(word: str) -> set[str]:
    """Every string one deletion, swap, replacement or insertion away from ``word``."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in _ALPHABET}
    out |= {a + c + b for a, b in splits for c in _ALPHABET}
    return out


def edit_distance(a: str, b: str, cutoff: int) -> int:
    """Optimal string alignment distance (adjacent swaps count 1), or ``cutoff + 1`` once
    it is certain to exceed ``cutoff``."""
    if abs(len(a) - len(b)) > cutoff:
        return cutoff + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > cutoff:
            return cutoff + 1
        prev2, prev = prev, cur
    return prev[-1]


def _replace_word(text: str, word: str, new: str) -> str:
    lowered = text.lower()
    at = lowered.find(word)
    while at >= 0:
        before = lowered[at - 1] if at else " "
        after = lowered[at + len(word)] if at + len(word) < len(lowered) else " "
        if not before.isalnum() and not after.isalnum():
            return text[:at] + new + text[at + len(word) :]
        at = lowered.find(word, at + 1)
    return text
