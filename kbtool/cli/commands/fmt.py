"""``kbtool fmt``: canonical formatting of category files (docs/fmt.md)."""

from __future__ import annotations

import sys
from pathlib import Path

from kbtool.cli.options import TEXT_OR_JSON, Opt

DOC = """Format category files canonically: element and attribute order, indentation.

Keeps text, comments, each file's encoding and line endings (docs/fmt.md). Writes a file
only when its bytes change, atomically, and never over a concurrent change. Exit 0 done
(or nothing to do), 1 with --check/--diff when a file would change or a file is not
well-formed, 2 usage error, 3 configuration error or a file changed during the run."""

OPTS = (
    Opt(
        "paths",
        (),
        "Category files or folders (default: the learnings folder).",
        kind=list,
        default=(),
        metavar="PATH",
    ),
    Opt(
        "check",
        ("--check",),
        "Write nothing; exit 1 if a file would change.",
        kind=bool,
        default=False,
    ),
    Opt(
        "diff",
        ("--diff",),
        "Print the changes as a unified diff; write nothing.",
        kind=bool,
        default=False,
    ),
    TEXT_OR_JSON,
)


def run(*, root: str | Path | None, paths: list[str], check: bool, diff: bool, fmt: str) -> int:
    from kbtool.atomic import remove_stale_temps
    from kbtool.cli.output import write_json
    from kbtool.config import load_config, require_learnings
    from kbtool.diagnostics import Diagnostic, display_path
    from kbtool.fmt import FmtRun, format_file, unified_diff, write
    from kbtool.kb import iter_xml_paths

    targets = [Path(p) for p in paths]
    config = load_config(targets[0] if targets else None, root=Path(root) if root else None)
    if not targets:
        config = require_learnings(config)
    done = FmtRun()
    for item in iter_xml_paths(targets, config):
        if isinstance(item, Diagnostic):
            done.walk_findings.append(item)
            continue
        result = format_file(item, config.root, config.max_file_bytes, display_path(item))
        done.results.append(result)
        if not (check or diff):
            remove_stale_temps(item)  # left by a run that was killed mid-write
        if result.changed and not (check or diff):
            write(result)
    if diff:
        sys.stdout.write("".join(unified_diff(r) for r in done.results if r.changed))
    report_to = sys.stderr if diff else sys.stdout
    failed, pending = done.failed, done.pending
    if fmt == "json":
        write_json(done.to_dict(), report_to)
    else:
        for d in failed:
            print(d.format(), file=report_to)
        for r in done.results:
            if r.status in ("reformatted", "changed"):
                verb = "reformatted" if r.status == "reformatted" else "would reformat"
                print(f"{verb} {r.display}", file=report_to)
            elif r.status == "skipped":
                print(f"skipped {r.display}: {r.note}", file=sys.stderr)
        print(
            f"kbtool fmt: {done.count('reformatted')} reformatted, {len(pending)} would be "
            f"reformatted, {done.count('unchanged')} unchanged, {len(failed)} failed",
            file=sys.stderr,
        )
    return 1 if failed or pending else 0
