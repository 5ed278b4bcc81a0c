"""``kbtool match``: find learnings by an error message, a traceback or a whole log."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from kbtool.cli.errorinput import read_error_text
from kbtool.cli.options import FORMAT_OPT, Opt
from kbtool.cli.output import (
    Style,
    config_at,
    head,
    notice,
    progress_printer,
    write_json,
    write_jsonl,
)
from kbtool.search.unreadable import warn_unreadable
from kbtool.textsafe import sanitize

DOC = """Find learnings \
by an error message, log or traceback: 'pytest 2>&1 | kbtool match -'.

Addresses, numbers, quoted values, paths, UUIDs and timestamps are normalised away; exact
signature hits come first. Each hit shows its score and the input line it matched.
Exit 0 with hits, 1 when nothing matches (a note on stderr; plan --match exits the same
way), 2 usage error."""

OPTS = (
    Opt(
        "text",
        (),
        "The error message, or a log file's path; '-' (or nothing, with input piped "
        "in) reads a log or traceback from stdin.",
        kind=list,
        default=(),
        metavar="TEXT",
    ),
    Opt(
        "limit", ("--limit", "-n"), "Show at most this many hits.", kind=int, default=5, metavar="N"
    ),
    FORMAT_OPT,
)


def _search_hint(text: str) -> str:
    """For a few words rather than an error message, point at ``kbtool search``."""
    import shlex

    if len(text) > MAX_HINT_CHARS:  # never echo a long input back (one 50 MB line, say)
        return ""
    words = text.split()
    if "\n" in text.strip() or not 0 < len(words) <= 4:
        return ""
    command = sanitize(shlex.join(words), MAX_HINT_CHARS)
    return f"; for words rather than an error message, try: kbtool search {command}"


MAX_HINT_CHARS = 200


def _installed_line(installed: dict[str, str], holds: bool) -> str:
    """match's word on the installed versions (symptoms seen on them rank first)."""
    versions = ", ".join(f"{sanitize(k, 60)} {sanitize(v, 40)}" for k, v in installed.items())
    if holds:
        return f"    installed {versions}: this symptom's versions (ranked first on equal scores)"
    return f"    installed {versions}: not this symptom's versions"


def run(
    *,
    root: str | Path | None,
    text: Sequence[str],
    limit: int,
    fmt: str,
    stream: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    from kbtool.applies.lookup import installed_lookup
    from kbtool.search.match import match_text

    out = stream or sys.stdout
    config = config_at(root)
    text_in, _ = read_error_text(text, stdin or sys.stdin, piped=True)
    hits = match_text(
        config,
        text_in,
        limit=limit,
        notice=notice,
        progress=progress_printer(),
        installed=installed_lookup(),
    )
    if fmt == "json":
        write_json({"hits": [h.to_dict() for h in hits]}, out)
    elif fmt == "jsonl":
        write_jsonl((h.to_dict() for h in hits), out)
    else:
        style = Style.for_stream(out)
        for n, hit in enumerate(hits):
            if n:
                out.write("\n")
            lines = head(hit, config, style)
            versions = f" ({sanitize(hit.versions)})" if hit.versions else ""
            lines.append(
                f"    score {hit.score:.2f}, {hit.kind} match of the symptom"
                f"{versions}: {sanitize(hit.symptom, 300)}"
            )
            lines.append(f"    line {hit.line_number}: {sanitize(hit.log_line, 300)}")
            if hit.installed and hit.installed_holds is not None:
                lines.append(_installed_line(hit.installed, hit.installed_holds))
            out.write("\n".join(lines) + "\n")
    if not hits:
        notice("no entry has a symptom that matches this text" + _search_hint(text_in))
    warn_unreadable(config, notice)
    return 0 if hits else 1  # as plan --match exits (kbtool.errors.NothingMatchedError)
