"""``kbtool init``: make a folder a knowledge base."""

from __future__ import annotations

import os
from pathlib import Path

from kbtool.cli.options import Opt
from kbtool.errors import ConfigError, UsageError

DOC = """Make a folder a knowledge base: kbtool.toml, learnings/, learnings/reports/, a
.gitignore line for the cache and a pre-commit hook; what exists is kept as it is."""

OPTS = (
    Opt("folder", (), "The folder (default: the current one).", metavar="DIR"),
    Opt(
        "example",
        ("--example",),
        "Add an example entry (learnings/example.xml).",
        kind=bool,
        default=False,
    ),
)


def run(*, root: str | Path | None, folder: str | None, example: bool) -> int:
    from kbtool.kbinit import PRE_COMMIT_SNIPPET, init_kb
    from kbtool.wording import FIRST_ENTRY

    target = Path(folder) if folder is not None else Path.cwd()
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target}: not a folder")
    try:
        steps = init_kb(target, example=example)
    except OSError as exc:
        raise ConfigError(f"{target}: {exc.strerror or exc}") from None
    for step in steps:
        shown = os.path.relpath(step.path)
        shown += "/" if step.path.is_dir() else ""
        print(f"{step.action:<8} {shown}")
    if any(s.action == "kept" for s in steps):
        print("\nAdd kbtool's hook to your .pre-commit-config.yaml:\n")
        print(PRE_COMMIT_SNIPPET, end="")
    where = "" if folder is None else f" (in {folder})"
    print(f"\nNext{where}: {FIRST_ENTRY}")
    return 0
