"""``kbtool scan``: run the knowledge base's detectors over code."""

from __future__ import annotations

import sys
from pathlib import Path

from kbtool.cli.options import Opt, format_opt
from kbtool.errors import UsageError

DOC = """Run the knowledge base's detectors over code: path:line:col: <entry-id> message.

Exit 1 on findings. Suppress one inline with '# kbtool: ignore[<entry-id>] reason'.
Under a folder, files its .gitignore files name are left out unless git tracks them
(nested files, negation, folder-only and anchored patterns, as git does)."""

FORMATS = ("text", "json", "sarif", "github", "junit")

OPTS = (
    Opt(
        "paths",
        (),
        "Files and folders to scan (default: the current folder).",
        kind=list,
        default=(),
        metavar="PATH",
    ),
    format_opt(*FORMATS),
    Opt(
        "entry",
        ("--entry", "-e"),
        "Only the detectors of this entry id (repeatable).",
        kind=list,
        default=(),
        metavar="ID",
    ),
    Opt(
        "baseline",
        ("--baseline",),
        "Accept the findings recorded in this baseline file.",
        metavar="FILE",
    ),
    Opt(
        "write_baseline",
        ("--write-baseline",),
        "Record every current finding in this file (to accept them), then exit 0.",
        metavar="FILE",
    ),
    Opt(
        "max_file_size",
        ("--max-file-size",),
        "Skip files larger than this (bytes); one a detector looks at is a KB515 error.",
        kind=int,
        default=1024 * 1024,
        metavar="BYTES",
        minimum=1,
    ),
    Opt(
        "jobs",
        ("--jobs", "-j"),
        "Worker processes sharing the files (0: one per CPU, for large scans).",
        kind=int,
        default=1,
        metavar="N",
        minimum=0,
    ),
    Opt("quiet", ("--quiet", "-q"), "No summary line.", kind=bool, default=False),
    Opt(
        "exclude",
        ("--exclude",),
        "Leave out files matching this gitignore-style glob (repeatable), "
        "e.g. '*_pb2.py' or 'migrations/'.",
        kind=list,
        default=(),
        metavar="GLOB",
    ),
    Opt(
        "no_gitignore",
        ("--no-gitignore",),
        "Scan files that .gitignore files name too.",
        kind=bool,
        default=False,
    ),
    Opt(
        "statistics",
        ("--statistics",),
        "Print the number of findings per detector instead of each.",
        kind=bool,
        default=False,
    ),
)


def run(
    *,
    root: str | Path | None,
    paths: list[str],
    fmt: str,
    entry: list[str],
    baseline: str | None,
    write_baseline: str | None,
    max_file_size: int,
    jobs: int,
    quiet: bool,
    exclude: list[str],
    no_gitignore: bool,
    statistics: bool,
) -> int:
    from kbtool.cli.output import config_at
    from kbtool.reporters import render
    from kbtool.reporters.scan import ScanReport, render_statistics
    from kbtool.scan.scanner import scan
    from kbtool.scan.scanner import write_baseline as save_baseline
    from kbtool.term import use_color

    if baseline is not None and write_baseline is not None:
        raise UsageError("--baseline and --write-baseline do not go together")
    if statistics and fmt not in ("text", "json"):
        raise UsageError(f"--statistics: --format {fmt!r}: expected one of text, json")
    result = scan(
        config_at(root),
        [Path(p) for p in paths],
        entry_ids=entry,
        max_bytes=max_file_size,
        baseline=Path(baseline) if baseline is not None else None,
        jobs=jobs or None,
        excludes=exclude,
        gitignore=not no_gitignore,
    )
    if write_baseline is not None:
        save_baseline(Path(write_baseline), result.findings)
        if not quiet:
            from kbtool.wording import plural

            print(
                f"kbtool scan: {plural(len(result.findings), 'finding')} recorded in "
                f"{write_baseline}",
                file=sys.stderr,
            )
        return 0
    report = ScanReport.of(result)
    if statistics:
        render_statistics(result, fmt, sys.stdout)
    else:
        render(report, fmt, sys.stdout, color=fmt == "text" and use_color(sys.stdout))
    sys.stdout.flush()
    if not quiet:
        print(report.summary(), file=sys.stderr)
    return 1 if result.failed else 0
