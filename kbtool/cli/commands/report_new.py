"""``kbtool report new``: a fix-report skeleton for an entry, linked both ways."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from kbtool.cli.options import TEXT_OR_JSON, Opt

DOC = "Write <reports>/ID.md pre-filled from the entry, and link the two both ways."

OPTS = (
    Opt(
        "entry_id",
        (),
        "The entry to write it for.",
        metavar="ID",
        required=True,
        complete="entry-id",
    ),
    Opt("force", ("--force",), "Overwrite an existing report.", kind=bool, default=False),
    Opt(
        "dry_run",
        ("--dry-run",),
        "Print the report instead; write nothing.",
        kind=bool,
        default=False,
    ),
    TEXT_OR_JSON,
)


def run(*, root: str | Path | None, entry_id: str, force: bool, dry_run: bool, fmt: str) -> int:
    from kbtool.authoring import new_report
    from kbtool.cli.output import config_at, write_json

    config = config_at(root)
    path, added, text = new_report(config, entry_id, force=force, dry_run=dry_run)
    if fmt == "json":
        data = {"id": entry_id, "report": os.path.relpath(path), "linked": added}
        write_json({**data, "dry_run": dry_run, "text": text if dry_run else None}, sys.stdout)
    elif dry_run:
        sys.stdout.write(text)
        would = " and add <fix-report href> to the entry" if added else ""
        print(f"would write {os.path.relpath(path)}{would}", file=sys.stderr)
    else:
        print(f"wrote {os.path.relpath(path)}")
        if added:
            print(f"added <fix-report href> to entry {entry_id!r}")
    return 0
