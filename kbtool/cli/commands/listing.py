"""``kbtool list``: entries, newest first, with the same filters as search."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TextIO

from kbtool.cli.options import FILTER_OPTS, FORMAT_OPT, Opt
from kbtool.cli.output import (
    BOLD,
    CYAN,
    DIM,
    SEVERITY_COLOR,
    Style,
    config_at,
    excluding_filter,
    notice,
    write_json,
    write_jsonl,
)
from kbtool.errors import UsageError
from kbtool.search.unreadable import warn_unreadable
from kbtool.textsafe import sanitize

DOC = """List entries: id, \
date, severity, category and title, newest first, with the same filters as search."""

OPTS = (
    *FILTER_OPTS,
    Opt(
        "limit",
        ("--limit", "-n"),
        "Show at most this many entries (default: all).",
        kind=int,
        default=0,
        metavar="N",
    ),
    FORMAT_OPT,
)


def run(
    *,
    root: str | Path | None,
    limit: int,
    fmt: str,
    stream: TextIO | None = None,
    **filter_values: Any,
) -> int:
    from kbtool.search.fulltext import make_filters
    from kbtool.search.listing import list_entries

    out = stream or sys.stdout
    config = config_at(root)
    if limit < 0:
        raise UsageError(f"--limit must be 0 (all) or more, not {limit}")
    rows = list_entries(
        config, make_filters(config, **filter_values), limit=limit or None, notice=notice
    )
    if fmt == "json":
        write_json([r.to_dict() for r in rows], out)
    elif fmt == "jsonl":
        write_jsonl((r.to_dict() for r in rows), out)
    else:
        if not rows:
            notice(excluding_filter(config, filter_values) or "no entries match these filters")
        style = Style.for_stream(out)
        width = max((len(sanitize(r.id)) for r in rows), default=0)
        cat_width = max((len(sanitize(r.category)) for r in rows), default=0)
        for r in rows:
            sev = (r.severity or "-").ljust(8)
            status = "" if r.status == "active" else f" [{r.status}]"
            out.write(
                f"{style(sanitize(r.id).ljust(width), BOLD + CYAN)}  {sanitize(r.date):10}  "
                f"{style(sev, SEVERITY_COLOR.get(r.severity or '', ''))}  "
                f"{sanitize(r.category).ljust(cat_width)}  "
                f"{sanitize(r.title)}{style(status, DIM)}\n"
            )
    warn_unreadable(config, notice)
    return 0
