"""``kbtool migrate``: legacy learnings into canonical category files, losing no text."""

from __future__ import annotations

import sys
from pathlib import Path

from kbtool.cli.options import Opt, format_opt
from kbtool.cli.output import write_json
from kbtool.errors import UsageError

DOC = """Migrate legacy learnings into canonical category files, losing no text.

Each XML file is repaired lexically (every change recorded), parsed strictly, its records
found and mapped; in a folder without XML each Markdown file (*.md) is one learning, its
sections mapped by their headings; unmapped material is kept as extras. Exit 0
done, 1 some files could not be read, 2 usage error, 3 configuration error or a file
changed during the run."""

OPTS = (
    Opt(
        "sources",
        (),
        "Legacy XML or Markdown files, or folders of them, to migrate.",
        kind=list,
        default=(),
        metavar="SOURCE",
    ),
    Opt(
        "out",
        ("--out", "--output", "-o"),
        "Folder for the category files (its valid category files are kept and merged).",
        metavar="DIR",
    ),
    Opt(
        "in_place",
        ("--in-place",),
        "Migrate one folder into itself: write its "
        "category files there and remove the legacy files they replace.",
        kind=bool,
        default=False,
    ),
    Opt(
        "force",
        ("--force",),
        "With --in-place: go ahead even when the folder "
        "has uncommitted changes or is not under git.",
        kind=bool,
        default=False,
    ),
    Opt("dry_run", ("--dry-run",), "Report only; write nothing.", kind=bool, default=False),
    Opt(
        "diff",
        ("--diff",),
        "Print what would change as a unified diff; write nothing.",
        kind=bool,
        default=False,
    ),
    format_opt("text", "json", help="Report format"),
    Opt(
        "encoding",
        ("--encoding",),
        "Encoding of files that are not valid UTF-8 and have no BOM, e.g. latin-1 (never guessed).",
        metavar="ENCODING",
    ),
    Opt(
        "default_category",
        ("--default-category",),
        "Category of records that name none.",
        default="General",
        metavar="CATEGORY",
    ),
    Opt(
        "reports",
        ("--reports",),
        "Import the legacy Markdown fix reports in this folder "
        "(problem, cause or whys, and solution sections required).",
        metavar="DIR",
    ),
    Opt("verbose", ("--verbose", "-v"), "List minted ids too.", kind=bool, default=False),
)


def run(
    *,
    root: str | Path | None,
    sources: list[str],
    out: str | None,
    in_place: bool,
    force: bool,
    dry_run: bool,
    diff: bool,
    fmt: str,
    encoding: str | None,
    default_category: str,
    reports: str | None,
    verbose: bool,
) -> int:
    from kbtool.config import load_config
    from kbtool.errors import ConfigError
    from kbtool.migrate.learnings import MigrateOptions, apply, diff_text, plan, uncommitted

    if in_place and out is not None:
        raise UsageError("--in-place and --out do not go together")
    if not default_category.strip():
        raise UsageError("--default-category must not be empty")
    if not sources and reports is None:
        raise UsageError("name the legacy files or folders to migrate (or --reports DIR)")
    out_dir = Path(out) if out is not None else None
    paths = [Path(s) for s in sources]
    start = out_dir if out_dir is not None else (paths[0] if paths else None)
    try:
        config = load_config(start, root=Path(root) if root is not None else None)
    except ConfigError:
        config = None
    options = MigrateOptions(
        sources=paths,
        out=out_dir,
        in_place=in_place,
        encoding=encoding,
        default_category=default_category,
    )
    if config is not None:
        options.kb_root, options.reports_dir = config.root, config.reports_dir
        options.max_file_bytes, options.path_map = config.max_file_bytes, config.path_map
    if reports is not None:
        if sources or in_place:
            raise UsageError(
                "--reports imports Markdown reports; migrate XML files in a separate run"
            )
        from kbtool.migrate.fixreports import import_reports

        imported = import_reports(Path(reports), config, out=out_dir, dry_run=dry_run or diff)
        if fmt == "json":
            write_json({k: v for k, v in imported.items() if k != "text"}, sys.stdout)
        else:
            sys.stdout.write(imported["text"])
        return 1 if imported["failed"] else 0
    if in_place and not (dry_run or diff) and not force:
        where = sources[0] if sources else "."
        dirty = uncommitted(paths[0] if paths else Path.cwd())
        if dirty is None:
            raise UsageError(
                f"{where} is not under git: --in-place could not be "
                "undone (commit it first, or pass --force)"
            )
        if dirty:
            shown = ", ".join(dirty[:5]) + (" …" if len(dirty) > 5 else "")
            raise UsageError(
                f"uncommitted changes under {where}: {shown} "
                "(commit or stash them first, or pass --force)"
            )
    result = plan(options)
    if diff:
        sys.stdout.write(diff_text(result))
        sys.stdout.flush()
    elif not dry_run:
        apply(result)
    report_to = sys.stderr if diff else sys.stdout
    if fmt == "json":
        write_json(result.report.to_dict(), report_to)
    else:
        applied = not (dry_run or diff)
        report_to.write(result.report.to_text(verbose, applied=applied))
    return 1 if result.report.failed else 0
