"""``kbtool links``: the graph between entries and fix reports."""

from __future__ import annotations

import sys
from pathlib import Path

from kbtool.cli.options import Opt, format_opt
from kbtool.cli.output import config_at, notice

DOC = """Print the links between entries and fix reports (both directions).

Edges: fix-report, link and issue hrefs of entries; learning refs and supersedes between
entries; mentions of entries in reports. Broken links are marked; `kbtool validate`
reports them as KB4xx findings."""

OPTS = (
    Opt("entry_id", (), "Show only the links of this entry.", metavar="ID", complete="entry-id"),
    format_opt("text", "json", "mermaid", "dot"),
)


def run(*, root: str | Path | None, entry_id: str | None, fmt: str) -> int:
    from kbtool.reports.links import graph_from_index, to_dot, to_mermaid, to_text
    from kbtool.search.unreadable import warn_unreadable

    config = config_at(root)
    graph = graph_from_index(config, notice)  # the index's entries and links: no XML parsed
    if entry_id is not None and entry_id not in graph.entries:
        from kbtool.selection import unknown_id

        raise unknown_id(entry_id, sorted(graph.entries))
    if fmt == "json":
        from kbtool.cicommands import json_dumps

        sys.stdout.write(json_dumps(graph.to_dict(entry_id), indent=2) + "\n")
    else:
        writer = {"text": to_text, "mermaid": to_mermaid, "dot": to_dot}[fmt]
        sys.stdout.write(writer(graph, entry_id))
    warn_unreadable(config, notice, graph.unreadable)
    return 0
