"""``kbtool search``: BM25-ranked full-text search over the entries."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from kbtool.cli.options import FILTER_OPTS, FORMAT_OPT, Opt
from kbtool.cli.output import (
    Style,
    config_at,
    excluding_filter,
    head,
    highlight,
    notice,
    progress_printer,
    write_json,
    write_jsonl,
)
from kbtool.errors import UsageError
from kbtool.search.unreadable import warn_unreadable
from kbtool.textsafe import sanitize

TYPE_CHECKING = False  # typing is imported for the type checker only (start-up)
if TYPE_CHECKING:
    from typing import Any, TextIO

DOC = """Search the \
learnings: BM25 over titles and symptoms, then descriptions, then the rest.

Each hit shows its id, title, category, path:line and a snippet with the matched words.
The index (.kbtool/index.db) updates itself before every query. Exit 0 (also when nothing
matches: a note and close words go to stderr), 2 for an unusable query."""

OPTS = (
    Opt(
        "query",
        (),
        'What to look for: words (all must appear), "a phrase", -word to '
        "exclude, OR, prefix*, title:word. Quote it or put it after --.",
        kind=list,
        default=(),
        metavar="QUERY",
    ),
    *FILTER_OPTS,
    Opt(
        "limit",
        ("--limit", "-n"),
        "Show at most this many hits.",
        kind=int,
        default=10,
        metavar="N",
    ),
    FORMAT_OPT,
    Opt(
        "show_sql",
        ("--show-sql",),
        "Print the SQL (with its parameters inlined) that the query runs, instead of running it.",
        kind=bool,
        default=False,
    ),
    Opt(
        "ids",
        ("--ids", "-l"),
        "Print only the ids of the hits, one a line (for xargs).",
        kind=bool,
        default=False,
    ),
)


def run(
    *,
    root: str | Path | None,
    query: Sequence[str],
    limit: int,
    fmt: str,
    show_sql: bool,
    ids: bool = False,
    stream: TextIO | None = None,
    **filter_values: Any,
) -> int:
    from kbtool.search.fulltext import make_filters, search, search_sql
    from kbtool.search.query import convert

    out = stream or sys.stdout
    config = config_at(root)
    text = " ".join(query)
    filters = make_filters(config, **filter_values)
    if show_sql:
        converted = convert(text, drop_stop_words=True)
        if not converted.match:
            raise UsageError(f"{converted.problem} (query: {text[:80]!r})")
        sql, args = search_sql(converted, filters, max(1, limit))
        out.write(inline_sql(sql, args) + ";\n")
        return 0
    result = search(
        config,
        text,
        limit=limit,
        filters=filters,
        notice=notice,
        progress=progress_printer(),
        snippets=not ids,
    )
    if ids:
        out.write("".join(f"{hit.id}\n" for hit in result.hits))
    elif fmt == "json":
        write_json(result.to_dict(), out)
    elif fmt == "jsonl":
        write_jsonl((hit.to_dict() for hit in result.hits), out)
    else:
        style = Style.for_stream(out)
        for n, hit in enumerate(result.hits):
            if n:
                out.write("\n")
            lines = head(hit, config, style)
            if hit.snippet:
                lines.append("    " + highlight(sanitize(hit.snippet, 1000), hit.highlights, style))
            out.write("\n".join(lines) + "\n")
    if result.corrected:
        notice(f"no entries match {text[:80]!r}; showing results for {result.corrected!r}")
    if result.mode == "any" and result.hits:
        notice("no entry has all of the words; showing entries with any of them, most first")
    elif len(result.hits) > result.all_words:
        n = result.all_words
        have = "no entry has" if not n else f"only {n} of these {'has' if n == 1 else 'have'}"
        notice(f"{have} all of the words; then entries with most of them")
    excluded = None if result.hits else excluding_filter(config, filter_values)
    if excluded:
        notice(excluded)
    elif not result.hits:
        message = f"no entries match {text[:80]!r}"
        if result.suggestions:
            message += "; did you mean: " + ", ".join(repr(s) for s in result.suggestions) + "?"
        notice(message)
    warn_unreadable(config, notice, result.unreadable)
    return 0


def inline_sql(sql: str, args: Sequence[Any]) -> str:
    """``sql`` with its ``?`` parameters written in as SQL literals, ready for sqlite3."""
    parts = sql.split("?")
    out = [parts[0]]
    for value, rest in zip(args, parts[1:], strict=True):
        if isinstance(value, str):
            out.append("'" + value.replace("'", "''") + "'")
        else:
            out.append(str(value))
        out.append(rest)
    return "".join(out)
