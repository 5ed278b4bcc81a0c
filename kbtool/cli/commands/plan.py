"""``kbtool plan``: a remediation plan for chosen entries, or for an error (``--match``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kbtool.cli.commands import render
from kbtool.cli.commands.render import (
    CATEGORY_OPT,
    IDS_OPT,
    OUTPUT_OPT,
    QUERY_OPT,
    TEMPLATES_OPT,
)
from kbtool.cli.options import Opt

DOC = """Write a remediation plan: context, a checklist of steps, files, checks, prevention.

Short for 'kbtool render remediation-plan.md.j2'. With --match, exit 1 when no entry
matches (as 'kbtool match' exits). Straight from an error:

\b
  kbtool plan --match "AttributeError: ..."
  pytest 2>&1 | kbtool plan --match -"""

OPTS = (
    IDS_OPT,
    Opt(
        "match",
        ("--match", "-m"),
        "Plan for the entries that match this error text (only the exact matches "
        "when there are any); '-' reads a log from standard input.",
        metavar="TEXT",
    ),
    QUERY_OPT,
    CATEGORY_OPT,
    OUTPUT_OPT,
    TEMPLATES_OPT,
    Opt(
        "title",
        ("--title",),
        "The plan's title (default: Remediation plan).",
        default="",
        metavar="TEXT",
    ),
    Opt(
        "limit",
        ("--limit",),
        "At most this many entries (default: all; 3 with --match).",
        kind=int,
        metavar="N",
    ),
)


def run(*, root: str | Path | None, title: str, **values: Any) -> int:
    """``kbtool render remediation-plan.md.j2`` with plan's options."""
    template = "remediation-plan.md.j2"
    return render.run(root=root, template=template, title=title or "Remediation plan", **values)
