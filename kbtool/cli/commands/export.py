"""The ``kbtool export`` command body; its options are one list (:data:`OPTS`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from kbtool.cli.options import FILTER_OPTS, Opt, format_opt

FORMATS = ("ndjson", "sqlite")

DOC = """Export the learnings as data: one JSON entry a line, or a read-only SQLite file.

--format ndjson writes each entry as {"path", "line", "learning"} (the entry in the shape of
spec/learning.schema.json) to --out FILE or stdout. --format sqlite writes --out NAME.db with
entries, symptoms, tags, links and fix-report tables, full-text indexed, and
NAME.metadata.json beside it: 'datasette serve --immutable NAME.db --metadata
NAME.metadata.json' serves it with facets. The same knowledge base gives byte-identical
output. The filters are those of 'kbtool list'. Exit 0, 1 when an entry could not be
exported (the rest is written; 'kbtool validate' says why), 2 usage error, 3 when the
output cannot be written. See docs/export.md."""

OPTS = (
    format_opt(*FORMATS),
    Opt(
        "out",
        ("--out", "--output", "-o"),  # -o is --output in every other command
        "Write to this file ('-': stdout, the default for ndjson; sqlite needs a file).",
        metavar="FILE",
    ),
    *FILTER_OPTS,
    Opt(
        "repository",
        ("--repository",),
        "Name the repository the knowledge base belongs to in the output (ndjson: a "
        "'repository' key on every line), for merging many repositories' exports.",
        metavar="NAME",
    ),
    Opt(
        "no_metadata",
        ("--no-metadata",),
        "sqlite: do not write NAME.metadata.json (Datasette's facets) beside NAME.db.",
        kind=bool,
        default=False,
    ),
)


def export_command(
    *,
    root: str | Path | None,
    fmt: str,
    out: str | None,
    repository: str | None,
    no_metadata: bool,
    **filter_values: Any,
) -> int:
    """Run ``kbtool export``; return the exit code."""
    from kbtool.config import load_config, require_learnings
    from kbtool.errors import UsageError
    from kbtool.export.records import collect
    from kbtool.search.fulltext import make_filters

    if fmt not in FORMATS:
        raise UsageError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")
    if fmt == "sqlite" and out in (None, "-"):
        raise UsageError("--format sqlite needs --out FILE (SQLite cannot be streamed)")
    config = require_learnings(load_config(root=Path(root) if root is not None else None))
    filters = make_filters(config, **filter_values)
    collection = collect(config, filters, with_links=fmt == "sqlite")
    for skipped in collection.skipped:
        print(f"kbtool: {skipped.format()}", file=sys.stderr)
    if fmt == "ndjson":
        where = _ndjson(collection, out, repository)
        size = ""
    else:
        where, size = _sqlite(collection, Path(out or ""), repository, metadata=not no_metadata)
    from kbtool.reporters import plural

    print(
        f"kbtool export: {plural(len(collection.records), 'entry')} to {where}{size}"
        + (
            f"; {plural(len(collection.skipped), 'problem')} (not exported)"
            if collection.skipped
            else ""
        ),
        file=sys.stderr,
    )
    return 1 if collection.skipped else 0


def _ndjson(collection: Any, out: str | None, repository: str | None) -> str:
    from kbtool.export.ndjson import lines

    if out in (None, "-"):
        for line in lines(collection, repository):
            sys.stdout.write(line)
        sys.stdout.flush()
        return "stdout"
    target = Path(out).absolute()
    _write(target, "".join(lines(collection, repository)).encode("utf-8"))
    return _shown(target)


def _sqlite(
    collection: Any, out: Path, repository: str | None, *, metadata: bool
) -> tuple[str, str]:
    from kbtool.errors import ConfigError
    from kbtool.export.sqlite import write_sqlite

    target = out.absolute()
    if target.is_dir():
        raise ConfigError(f"--out {_shown(target)}: is a folder")
    try:
        result = write_sqlite(collection, target, repository=repository)
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"--out {_shown(target)}: {getattr(exc, 'strerror', None) or exc}"
        ) from None
    from kbtool.reporters import plural

    size = (
        f" ({result.bytes:,} bytes; {plural(result.reports, 'fix report')}, "
        f"{plural(result.links, 'link')})"
    )
    if metadata:
        from kbtool.export.datasette import metadata_bytes, metadata_path

        _write(metadata_path(target), metadata_bytes(target, result.entries, repository))
        size += f" and {_shown(metadata_path(target))}"
    return _shown(target), size


def _write(path: Path, data: bytes) -> None:
    from kbtool.atomic import atomic_write
    from kbtool.errors import ConfigError

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, data)
    except OSError as exc:
        raise ConfigError(f"--out {_shown(path)}: {exc.strerror or exc}") from None


def _shown(path: Path) -> str:
    from kbtool.textsafe import display_path

    return display_path(path)
