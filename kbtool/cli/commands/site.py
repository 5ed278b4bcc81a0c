"""The ``kbtool site`` command body (options in :data:`OPTS`; no typer here)."""

from __future__ import annotations

import sys
from pathlib import Path

from kbtool.cli.options import Opt

DOC = """Build the knowledge base as a static HTML site with offline search.

Writes an index by category, one page per entry (with its fix reports), tag pages and a links
graph into --out, and a search index the browser queries without a server-side component
(paste an error to match it the way 'kbtool match' does). The same KB gives the same bytes;
a rebuild rewrites only the pages whose inputs changed. --serve previews the site on
127.0.0.1. Exit 0 built, 2 usage error, 3 configuration error. See docs/site.md."""

OPTS = (
    Opt("out", ("--out",), "Folder to write the site to.", default="_site", metavar="DIR"),
    Opt("title", ("--title",), "The site's title.", default="Learnings", metavar="TEXT"),
    Opt(
        "serve",
        ("--serve",),
        "After building, serve the site on 127.0.0.1 until Ctrl-C.",
        kind=bool,
        default=False,
    ),
    Opt("port", ("--port",), "Port for --serve (0: any free port).", kind=int, default=8000),
)


def site_command(*, root: str | Path | None, out: str, title: str, serve: bool, port: int) -> int:
    """Run ``kbtool site``; return the exit code."""
    from kbtool.config import load_config, require_learnings
    from kbtool.errors import UsageError
    from kbtool.site.build import build_site

    if not 0 <= port <= 65535:
        raise UsageError(f"--port {port}: expected 0-65535")
    config = require_learnings(load_config(root=Path(root) if root else None))
    target = Path(out)
    result = build_site(config, target, title=title)
    for why in result.skipped:
        print(f"kbtool site: skipped {why}", file=sys.stderr)
    print(
        f"kbtool site: {result.entries} entries, {result.files} files in {target}: "
        f"{len(result.written)} written, {result.unchanged} unchanged, "
        f"{len(result.removed)} removed",
        file=sys.stderr,
    )
    if serve:
        from kbtool.site.serve import serve as run

        run(target.absolute(), port, lambda line: print(f"kbtool site: {line}", file=sys.stderr))
    return 0
