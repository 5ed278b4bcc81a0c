"""``kbtool validate``: check learnings and report the findings."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kbtool.cli.options import Opt, format_opt
from kbtool.reporters import FORMATS

if TYPE_CHECKING:
    from kbtool.config import Config

DOC = """Check learnings: well-formed XML (KB1xx), the schema (KB2xx), semantics (KB3xx).

Prints path:line:col: CODE message, and a summary on stderr. Exit 0 clean (warnings allowed
unless --strict), 1 findings, 2 usage error, 3 configuration or internal error. The KB root
is found from the first PATH (else the working directory). Unchanged files are served from
the cache in .kbtool/. 'kbtool explain CODE' says what a code means."""

OPTS = (
    Opt(
        "paths",
        (),
        "XML files or folders to check (default: the learnings folder).",
        kind=list,
        default=(),
        metavar="PATH",
    ),
    format_opt(*FORMATS),
    Opt(
        "select",
        ("--select",),
        "Report only these codes or prefixes, e.g. KB3 or KB301,KB302 (repeatable).",
        kind=list,
        default=(),
        metavar="CODES",
    ),
    Opt(
        "ignore",
        ("--ignore",),
        "Do not report these codes or prefixes (repeatable).",
        kind=list,
        default=(),
        metavar="CODES",
    ),
    Opt("strict", ("--strict",), "Warnings fail too (exit 1).", kind=bool, default=False),
    Opt(
        "no_cache",
        ("--no-cache",),
        "Check every file again; neither read nor write the cache.",
        kind=bool,
        default=False,
    ),
    Opt(
        "output",
        ("--output", "-o"),
        "Write the report to this file instead of stdout.",
        metavar="FILE",
    ),
)


def run(
    *,
    root: str | Path | None,
    paths: list[str],
    fmt: str,
    select: list[str],
    ignore: list[str],
    strict: bool,
    no_cache: bool,
    output: str | None,
) -> int:
    """Run ``kbtool validate``; return the exit code."""
    from kbtool.config import NoKnowledgeBaseError, load_config, recognised
    from kbtool.errors import UsageError
    from kbtool.reporters import Report, render, summary
    from kbtool.term import use_color
    from kbtool.validate import validate

    targets = [Path(p) for p in paths]
    try:
        config = load_config(targets[0] if targets else None, root=Path(root) if root else None)
        if not recognised(config):
            no_cache = True  # --root names no knowledge base: write no cache there
    except NoKnowledgeBaseError:
        if not targets:
            raise
        config = _bare_folder_config(targets)
        no_cache = True  # nothing is written outside a knowledge base
    try:
        result = validate(config, targets, select=select, ignore=ignore, use_cache=not no_cache)
    except ValueError as exc:  # an unknown code in --select / --ignore
        raise UsageError(str(exc)) from None
    report = Report(
        "validate",
        result.diagnostics,
        result.files,
        result.entries,
        strict=strict,
        internal_errors=result.internal_errors,
    )
    if output is None:
        render(report, fmt, sys.stdout, color=fmt == "text" and use_color(sys.stdout))
        sys.stdout.flush()
    else:
        _write(Path(output).absolute(), report, fmt)
    for problem in result.internal_errors:
        print(f"kbtool: internal error: {problem}", file=sys.stderr)
    print(summary(report), file=sys.stderr)
    return result.exit_code(strict)


def _bare_folder_config(targets: list[Path]) -> Config:
    """Files named outside any knowledge base: check them with their (common) folder as the
    learnings folder, and say so."""
    import os

    from kbtool.config import folder_config
    from kbtool.textsafe import display_path

    folders = [str(t.absolute() if t.is_dir() else t.absolute().parent) for t in targets]
    folder = Path(os.path.commonpath(folders))
    print(
        f"kbtool: no knowledge base here: checking {display_path(folder)} as a learnings "
        "folder, without a cache ('kbtool init' makes a knowledge base)",
        file=sys.stderr,
    )
    return folder_config(folder)


def _write(path: Path, report: object, fmt: str) -> None:
    from kbtool.atomic import atomic_write
    from kbtool.errors import ConfigError
    from kbtool.reporters import Report, render

    assert isinstance(report, Report)
    buffer = io.StringIO()
    render(report, fmt, buffer)
    try:
        atomic_write(path, buffer.getvalue().encode("utf-8"))
    except OSError as exc:
        raise ConfigError(f"--output {path}: {exc.strerror or exc}") from None
