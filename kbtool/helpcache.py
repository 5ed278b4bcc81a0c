"""``--help`` without typer: each command's help text, rendered by typer ahead of time.

``kbtool --help`` through typer costs ~10× ``python -c pass`` (typer and pydantic imports,
an adapter per parameter). The help text depends only on the CLI's one definition (the
typer app), so ``python scripts/generate.py help`` renders every command's ``--help`` into
``kbtool/help.json``, and :func:`lookup` serves ``kbtool [CMD …] -h|--help`` from it. A test
keeps the file equal to what typer prints (``tests/test_generated_docs.py``), like
docs/cli.md.

Served only where it is exactly typer's output: a terminal at least :data:`WIDTH` columns
wide or no terminal (click then formats to ``WIDTH - 2`` columns); anything else goes to
typer.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

HELP_FILE = Path(__file__).with_name("help.json")
WIDTH = 80  # click's default max_content_width: wider terminals get the same text
HELP_FLAGS = ("--help", "-h")


def lookup(argv: Sequence[str]) -> str | None:
    """The stored help for ``argv`` (``[*command, --help]``), or None for typer to handle."""
    import os
    import shutil

    if len(argv) < 1 or argv[-1] not in HELP_FLAGS or any(a.startswith("-") for a in argv[:-1]):
        return None
    if os.environ.get("COLUMNS") or shutil.get_terminal_size((WIDTH, 24)).columns < WIDTH:
        return None  # a width of its own: click formats for it
    try:
        texts = json.loads(HELP_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    text = texts.get(" ".join(argv[:-1])) if isinstance(texts, dict) else None
    return text if isinstance(text, str) else None
