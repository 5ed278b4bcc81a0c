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
brought up to date. Searches do this on their own.

With --watch (Linux) it then stays, keeps the index up to date as files change and reports
each update (--format json: one object a line), until interrupted; while it runs, searches
skip checking every file for changes (at a million entries, most of a search's time)."""

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
    Opt(
        "watch",
        ("--watch",),
        "Keep the index up to date as files change, until interrupted (Linux).",
        kind=bool,
        default=False,
    ),
    format_opt("text", "json"),
)


def run(
    *,
    root: str | Path | None,
    full: bool,
    check: bool,
    fmt: str,
    watch: bool = False,
    stream: TextIO | None = None,
) -> int:
    from kbtool.search.index import open_index

    out = stream or sys.stdout
    config = config_at(root)
    if watch and not (full or check):
        return _watch(config, fmt, out)
    with open_index(
        config,
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
    return _watch(config, fmt, out) if watch else 0


def _watch(config: Any, fmt: str, out: TextIO) -> int:
    """Report every update until SIGINT or SIGTERM; exit 0."""
    import signal

    from kbtool.cicommands import json_dumps
    from kbtool.search.watch import watch

    stop: list[int] = []

    def interrupted(signum: int, frame: object) -> None:
        stop.append(signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, interrupted)

    def updated(report: Any) -> None:
        if fmt == "json":
            out.write(json_dumps(report.to_dict()) + "\n")
        else:
            render_index_report(report, out)
        out.flush()

    def ready(vouching: bool) -> None:
        folder = sanitize(str(config.learnings_dir), 200)
        if vouching:
            notice(f"watching {folder}: searches skip their check while this runs (Ctrl-C stops)")
        else:
            notice(
                f"watching {folder}; an entry file is reached through a link, so searches "
                "still check every file (Ctrl-C stops)"
            )

    watch(config, updated, notice=notice, should_stop=lambda: bool(stop), on_ready=ready)
    notice("stopped watching")
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
