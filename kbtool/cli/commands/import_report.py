"""``kbtool import-report``: a Markdown fix report becomes an entry, linked both ways."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from kbtool.cli.options import TEXT_OR_JSON, Opt
from kbtool.cli.output import config_at, write_json
from kbtool.errors import UsageError

DOC = """Turn a Markdown fix report into a learning entry, linked both ways.

Maps the title, problem statement, quoted error messages, the five whys (in any written
form), root causes, solution steps with their code, files modified, verification,
prevention and related links; keeps unmapped sections (Impact, Technical Explanation …)
as extras. Adds a Related line to the report pointing back at the entry."""

OPTS = (
    Opt("report", (), "The Markdown fix report.", metavar="REPORT", required=True),
    Opt(
        "category",
        ("--category", "-c"),
        "Category of the new entry (default: the one the report states, else the closest "
        "existing one).",
        metavar="CATEGORY",
    ),
    Opt("entry_id", ("--id",), "Id of the new entry (default: from the title).", metavar="ID"),
    Opt(
        "date",
        ("--date",),
        "Date YYYY-MM-DD when the report has none (default: today).",
        metavar="DATE",
    ),
    Opt(
        "no_link_back",
        ("--no-link-back",),
        "Leave the report untouched (no Related line).",
        kind=bool,
        default=False,
    ),
    Opt(
        "force",
        ("--force",),
        "Import a report that an entry already links to.",
        kind=bool,
        default=False,
    ),
    Opt(
        "dry_run", ("--dry-run",), "Print the entry's XML; write nothing.", kind=bool, default=False
    ),
    TEXT_OR_JSON,
)


def run(
    *,
    root: str | Path | None,
    report: str,
    category: str | None,
    entry_id: str | None,
    date: str | None,
    no_link_back: bool,
    force: bool,
    dry_run: bool,
    fmt: str,
) -> int:
    import datetime as dt

    from kbtool.authoring import import_report_file

    when = None
    if date is not None:
        try:
            when = dt.date.fromisoformat(date)
        except ValueError:
            raise UsageError(f"--date {date!r}: expected YYYY-MM-DD") from None
    config = config_at(root)
    outcome = import_report_file(
        config,
        Path(report),
        category=category,
        entry_id=entry_id,
        date=when,
        link_back=not no_link_back,
        dry_run=dry_run,
        force=force,
    )
    result = outcome.result
    learning = result.learning
    code = 1 if outcome.errors else 0
    if fmt == "json":
        write_json(outcome.to_dict(dry_run=dry_run), sys.stdout)
        return code
    for warning in result.warnings:
        print(f"{warning.format()} (warning)", file=sys.stderr)
    if dry_run:
        sys.stdout.write(outcome.xml)
    out = sys.stderr if dry_run else sys.stdout

    def echo(text: str) -> None:
        print(text, file=out)

    echo(f"entry {learning.id!r}: {learning.title}")
    how = f" ({outcome.category_how})" if outcome.category_how else ""
    echo(f"category: {outcome.category}{how}")
    echo("mapped:")
    for m in result.mapped:
        echo(f"  {m.field:<15} {m.count:>3}  from {m.source}")
    if result.kept:
        echo("kept as-is (extras):")
        for k in result.kept:
            echo(f"  {k.heading or '(untitled)'} (line {k.line}): {k.reason}")
    for note in outcome.notes:
        echo(f"note: {note}")
    if outcome.write is not None:
        verb = "created" if outcome.write.created else "added to"
        echo(f"{verb} {os.path.relpath(outcome.write.path)}:{outcome.write.line}")
        if outcome.linked_back:
            echo(f"linked back: added a Related line to {os.path.relpath(report)}")
        for d in outcome.findings:
            print(d.format(), file=sys.stderr)
        from kbtool.wording import plural

        errors = len(outcome.errors)
        warnings = len(outcome.findings) - errors
        counts = [plural(n, w) for n, w in ((errors, "error"), (warnings, "warning")) if n]
        echo("validate: " + (", ".join(counts) or "ok"))
    return code
