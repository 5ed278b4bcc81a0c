"""``kbtool explain``: what a finding code means, why it matters, a bad and a good example."""

from __future__ import annotations

import sys
from pathlib import Path

from kbtool.cli.options import TEXT_OR_JSON, Opt
from kbtool.cli.output import write_json
from kbtool.errors import UsageError

DOC = "Explain a finding code: what it means, why it matters, a bad and a good example."

OPTS = (
    Opt("code", (), "A finding code, e.g. KB203 (default: list all codes).", metavar="CODE"),
    TEXT_OR_JSON,
)


def run(*, root: str | Path | None, code: str | None, fmt: str) -> int:
    from kbtool import codes
    from kbtool.term import use_color

    if code is None:
        docs = [d for d in (codes.get(c) for c in codes.all_codes()) if d is not None]
        if fmt == "json":
            write_json([d.to_dict() for d in docs], sys.stdout)
        else:
            for d in docs:
                print(f"{d.code}  {d.severity.value:<7}  {d.name:<28}  {d.summary}")
        return 0
    doc = codes.get(code.strip().upper())
    if doc is None:
        hint = codes.close_matches(code.strip())
        tip = f" (did you mean {', '.join(hint)}?)" if hint else ""
        raise UsageError(f"unknown code {code!r}{tip}; 'kbtool explain' lists them all")
    if fmt == "json":
        write_json(doc.to_dict(), sys.stdout)
    elif use_color(sys.stdout):  # a terminal that wants colour: rich Markdown
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(doc.markdown))
    else:
        print(doc.markdown.rstrip("\n"))
    return 0
