"""``kbtool list`` and ``kbtool stats``: the entries as rows, and counts over them.

Both read the index (kept fresh like for search), so they never parse XML when nothing
changed.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import Counter

from kbtool.config import Config
from kbtool.records import FrozenRecord, Record
from kbtool.search.fulltext import Filters
from kbtool.search.index import Notice, open_index, query_index

TYPE_CHECKING = False  # typing is imported for the type checker only (start-up)
if TYPE_CHECKING:
    from typing import Any

#: Age buckets of ``stats``: (label, at most this many days old).
AGE_BUCKETS = (
    ("30 days or less", 30),
    ("31-90 days", 90),
    ("91-365 days", 365),
    ("over a year", None),
)


class Row(FrozenRecord):
    """One entry as ``kbtool list`` shows it (a plain class: no dataclasses at start-up)."""

    __slots__ = _fields = (
        "id",
        "title",
        "category",
        "severity",
        "status",
        "date",
        "review_by",
        "path",
        "line",
        "tags",
    )
    id: str
    title: str
    category: str
    severity: str | None
    status: str
    date: str
    review_by: str | None
    path: str
    line: int
    tags: tuple[str, ...]

    def __init__(
        self,
        id: str,
        title: str,
        category: str,
        severity: str | None,
        status: str,
        date: str,
        review_by: str | None,
        path: str,
        line: int,
        tags: tuple[str, ...],
    ) -> None:
        self._set(
            id=id,
            title=title,
            category=category,
            severity=severity,
            status=status,
            date=date,
            review_by=review_by,
            path=path,
            line=line,
            tags=tags,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "category": self.category,
            "severity": self.severity,
            "status": self.status,
            "date": self.date,
            "review_by": self.review_by,
            "path": self.path,
            "line": self.line,
            "tags": list(self.tags),
        }


_COLUMNS = (
    "e.id, e.title, e.category, e.severity, e.status, e.date, e.review_by, e.path, e.line, e.tags"
)


def _row(r: tuple[Any, ...]) -> Row:
    id_, title, category, severity, status, date, review_by, path, line, tags = r
    return Row(
        id_,
        title,
        category,
        severity,
        status,
        date,
        review_by,
        path,
        line,
        tuple(tags.split()) if tags else (),
    )


def list_entries(
    config: Config,
    filters: Filters | None = None,
    *,
    limit: int | None = None,
    notice: Notice | None = None,
) -> list[Row]:
    """Entries matching ``filters``, newest first (then by id)."""
    where, args = (filters or Filters()).where("e")
    sql = f"SELECT {_COLUMNS} FROM entries AS e"  # noqa: S608 - fixed text and placeholders
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY e.date DESC, e.id"
    if limit:
        sql += " LIMIT ?"
        args.append(limit)

    def run(conn: sqlite3.Connection) -> list[Row]:
        return [_row(r) for r in conn.execute(sql, args)]

    # An empty answer is normal with filters; without any, it means an empty KB (or a
    # broken index, which query_index then checks).
    return query_index(config, run, empty=lambda rows: not rows and not where, notice=notice)


class Stats(Record):
    """What ``kbtool stats`` counts (a plain class: no dataclasses at start-up)."""

    __slots__ = _fields = (
        "entries",
        "files",
        "unreadable",
        "by_category",
        "by_top_category",
        "by_severity",
        "by_status",
        "by_age",
        "past_review",
        "as_of",
    )

    def __init__(self, entries: int = 0, files: int = 0, as_of: str = "") -> None:
        self.entries = entries
        self.files = files
        self.as_of = as_of
        self.unreadable: list[dict[str, str]] = []
        self.by_category: dict[str, int] = {}
        self.by_top_category: dict[str, int] = {}
        self.by_severity: dict[str, int] = {}
        self.by_status: dict[str, int] = {}
        self.by_age: dict[str, int] = {}
        self.past_review: list[dict[str, Any]] = []

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of,
            "entries": self.entries,
            "files": self.files,
            "unreadable_files": self.unreadable,
            "by_category": self.by_category,
            "by_top_category": self.by_top_category,
            "by_severity": self.by_severity,
            "by_status": self.by_status,
            "by_age": self.by_age,
            "past_review_by": self.past_review,
        }


def age_bucket(date: str, today: dt.date) -> str:
    """The ``AGE_BUCKETS`` label for an entry date, or "undated" if it is not a date."""
    try:
        days = (today - dt.date.fromisoformat(date)).days
    except ValueError:
        return "undated"
    for label, most in AGE_BUCKETS:
        if most is None or days <= most:
            return label
    return AGE_BUCKETS[-1][0]  # pragma: no cover - the last bucket has no limit


def stats(
    config: Config,
    filters: Filters | None = None,
    *,
    today: dt.date | None = None,
    notice: Notice | None = None,
) -> Stats:
    """Counts by category, severity, status and age, and the entries past ``review-by``."""
    today = today or dt.date.today()
    rows = list_entries(config, filters, notice=notice)
    out = Stats(entries=len(rows), as_of=today.isoformat())
    with open_index(config) as index:
        out.files = index.conn.execute("SELECT count(*) FROM files").fetchone()[0]
        out.unreadable = [
            {"path": p, "error": e}
            for p, e in index.conn.execute(
                "SELECT path, error FROM files WHERE error IS NOT NULL ORDER BY path"
            )
        ]
    out.by_category = _sorted(Counter(r.category for r in rows))
    out.by_top_category = _sorted(Counter(r.category.split("/")[0] for r in rows))
    severities = Counter(r.severity or "none" for r in rows)
    from kbtool import fields  # the vocabulary, read when stats are made

    out.by_severity = {k: severities[k] for k in (*fields.SEVERITIES, "none") if severities[k]}
    statuses = Counter(r.status for r in rows)
    out.by_status = {k: statuses[k] for k in fields.STATUSES if statuses[k]}
    out.by_status.update(
        _sorted(Counter({k: v for k, v in statuses.items() if k not in out.by_status}))
    )
    ages = Counter(age_bucket(r.date, today) for r in rows)
    out.by_age = {label: ages[label] for label, _ in (*AGE_BUCKETS, ("undated", 0)) if ages[label]}
    today_text = today.isoformat()
    out.past_review = [
        {"id": r.id, "review_by": r.review_by, "title": r.title, "path": r.path, "line": r.line}
        for r in sorted(rows, key=lambda r: (r.review_by or "", r.id))
        if r.review_by and r.review_by < today_text and r.status == "active"
    ]
    return out


def _sorted(counts: Counter[str]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
