"""``kbtool index``: bring the search index up to date and say what changed."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TextIO

from kbtool.cli.options import Opt, format_opt
from kbtool.cli.output import config_at, notice, progress_printer, write_json
from kbtool.textsafe import sanitize

DOC = """Update the search \
index (.kbtool/index.db) and report the files added, modified and removed since it was last
brought up to date. Searches do this on their own."""

OPTS = (
    Opt("full", ("--full",), "Rebuild from scratch instead of updating.", kind=bool, default=False),
    Opt(
        "check",
        ("--check",),
        "Also run SQLite's FTS5 integrity check, which reads the whole "
        "index (rebuilds a damaged one).",
        kind=bool,
        default=False,
    ),
    format_opt("text", "json"),
)


def run(
    *, root: str | Path | None, full: bool, check: bool, fmt: str, stream: TextIO | None = None
) -> int:
    from kbtool.search.index import open_index

    out = stream or sys.stdout
    with open_index(
        config_at(root),
        notice=notice,
        rebuild=full,
        check=check,
        counts=True,
        progress=progress_printer(),
    ) as index:
        report = index.report
    if fmt == "json":
        write_json(report.to_dict(), out)
    else:
        render_index_report(report, out)
    return 0


def render_index_report(report: Any, out: TextIO) -> None:
    """``kbtool index`` as text: what changed, then totals."""
    from kbtool.wording import plural

    how = f"rebuilt ({report.reason})" if report.rebuilt else "updated"
    out.write(
        f"index {how}: {report.added} added, {report.modified} modified, "
        f"{report.removed} removed; {plural(report.entries, 'entry')} in "
        f"{plural(report.files, 'file')} ({report.seconds:.2f} s)\n"
    )
    for path, error in report.unreadable:
        out.write(f"  unreadable: {path}: {sanitize(error, 200)}\n")
