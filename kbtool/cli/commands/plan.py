"""``kbtool plan``: a remediation plan for chosen entries, or for an error (``--match``)."""

from __future__ import annotations

from pathlib import Path

from kbtool.cli.commands.render import (
    CATEGORY_OPT,
    IDS_OPT,
    OUTPUT_OPT,
    QUERY_OPT,
    TEMPLATES_OPT,
    load_kb,
    render_and_write,
    select,
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


def run(
    *,
    root: str | Path | None,
    ids: list[str],
    match: str | None,
    query: str | None,
    category: str | None,
    output: str | None,
    templates: str | None,
    title: str,
    limit: int | None,
) -> int:
    from kbtool.cli.output import config_at

    config = config_at(root)
    kb = load_kb(config)
    selection = select(config, kb, ids, query, category, match, limit)
    template = "remediation-plan.md.j2"
    render_and_write(
        config, kb, template, selection, output, templates, title or "Remediation plan"
    )
    return 0
