"""``kbtool stats``: counts by category, severity, status and age; entries past review."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TextIO

from kbtool.cli.options import Opt, format_opt
from kbtool.cli.output import BOLD, Style, config_at, notice, write_json
from kbtool.textsafe import sanitize

DOC = """Counts by category, severity, status and age, and the entries past their
review-by date."""

OPTS = (
    format_opt("text", "json"),
    Opt(
        "as_of",
        ("--as-of",),
        "Compute ages and review dates as of this day (YYYY-MM-DD; default: today).",
        metavar="DATE",
    ),
)


def run(*, root: str | Path | None, fmt: str, as_of: str | None) -> int:
    from kbtool.search.fulltext import parse_date
    from kbtool.search.listing import stats
    from kbtool.search.unreadable import message

    result = stats(config_at(root), today=parse_date(as_of) if as_of else None, notice=notice)
    if fmt == "json":
        write_json(result.to_dict(), sys.stdout)
    else:
        render_stats(result, sys.stdout)
    if result.unreadable:
        notice(message([u["path"] for u in result.unreadable]))
    return 0


def render_stats(result: Any, out: TextIO) -> None:
    """``kbtool stats`` as text: one block per count."""
    style = Style.for_stream(out)
    from kbtool.wording import FIRST_ENTRY, plural

    counts = f"{plural(result.entries, 'entry')} in {plural(result.files, 'file')}"
    out.write(f"{counts} (as of {result.as_of})\n")
    if not result.entries and not result.unreadable:  # a new KB: no empty blocks, a next step
        out.write(f"\nAdd the first: {FIRST_ENTRY}\n")
        return
    blocks = (
        ("Category", result.by_category),
        ("Severity", result.by_severity),
        ("Status", result.by_status),
        ("Age", result.by_age),
    )
    for heading, counts in blocks:
        out.write(f"\n{style(heading, BOLD)}\n")
        width = max((len(k) for k in counts), default=0)
        for key, count in counts.items():
            out.write(f"  {sanitize(key).ljust(width)}  {count:>6}\n")
    out.write(f"\n{style('Past review-by', BOLD)} ({len(result.past_review)})\n")
    for item in result.past_review:
        out.write(f"  {item['review_by']}  {sanitize(item['id'])}  {item['path']}:{item['line']}\n")
    if result.unreadable:
        out.write(
            f"\n{style('Unreadable files', BOLD)} ({len(result.unreadable)}; run kbtool validate)\n"
        )
        for item in result.unreadable:
            out.write(f"  {item['path']}: {sanitize(item['error'], 200)}\n")
