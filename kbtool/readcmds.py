"""Bodies and options of ``kbtool show``, ``stats`` and ``links``, shared by the start-up
fast path (:mod:`kbtool.fastcli`) and the typer app (:mod:`kbtool.cli` builds their typer
commands from these :class:`~kbtool.fastcli.Opt` lists, so help and parsing are one
definition). Neither typer nor pydantic is imported here.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from kbtool.fastcli import Opt, format_opt

SHOW_DOC = """Show one entry: its fields, file and line, references and backlinks (entries and
fix reports that point at it). An unknown id suggests the closest ones.

On a terminal the text wraps to its width and long output goes through a pager, as git
does ($PAGER, else 'less' with LESS=FRX unless LESS is set); never when piped."""

SHOW_OPTS = (
    Opt("entry_id", (), "The entry's id.", metavar="ID", required=True, complete="entry-id"),
    format_opt("text", "json", "xml", "md"),
    Opt("no_pager", ("--no-pager",), "Never page the output.", kind=bool, default=False),
)

STATS_DOC = """Counts by category, severity, status and age, and the entries past their
review-by date."""

STATS_OPTS = (
    format_opt("text", "json"),
    Opt(
        "as_of",
        ("--as-of",),
        "Compute ages and review dates as of this day (YYYY-MM-DD; default: today).",
        metavar="DATE",
    ),
)

LINKS_DOC = """Print the links between entries and fix reports (both directions).

Edges: fix-report, link and issue hrefs of entries; learning refs and supersedes between
entries; mentions of entries in reports. Broken links are marked; `kbtool validate`
reports them as KB4xx findings."""

LINKS_OPTS = (
    Opt("entry_id", (), "Show only the links of this entry.", metavar="ID", complete="entry-id"),
    format_opt("text", "json", "mermaid", "dot"),
)


def _config(root: str | Path | None):  # type: ignore[no-untyped-def]
    from kbtool.search.commands import config_at

    return config_at(root)


# ------------------------------------------------------------------ show


def show_command(
    *, root: str | Path | None, entry_id: str, fmt: str, no_pager: bool = False
) -> int:
    from kbtool.errors import UsageError
    from kbtool.search.commands import notice
    from kbtool.search.show import show
    from kbtool.search.unreadable import find_id_in_unreadable, warn_unreadable
    from kbtool.term import use_color

    config = _config(root)
    out = sys.stdout
    page = fmt == "text" and not no_pager and out.isatty()
    color = fmt == "text" and use_color(out)
    try:
        if not page:
            code = show(config, entry_id, fmt, out, color=color, notice=notice)
        else:
            import io

            buffer = io.StringIO()
            code = show(config, entry_id, fmt, buffer, color=color, notice=notice)
            text = buffer.getvalue()
            if not color:  # rich already fits its output to the terminal
                text = wrap_text(text, terminal_size()[0])
            page_text(text, out)
    except UsageError as exc:
        places = find_id_in_unreadable(config, entry_id) if "no entry has" in str(exc) else []
        if not places:
            raise
        where = ", ".join(f"{p}:{line}" for p, line in places)
        raise UsageError(
            f"the entry {entry_id!r} is in {where}, which could not be read; "
            f"run 'kbtool validate {places[0][0]}' to see why"
        ) from None
    warn_unreadable(config, notice)
    return code


def terminal_size() -> tuple[int, int]:
    import shutil

    size = shutil.get_terminal_size((80, 24))
    return max(size.columns, 20), max(size.lines, 5)


def wrap_text(text: str, width: int) -> str:
    """Lines longer than ``width`` wrapped at spaces, keeping their indentation."""
    import textwrap

    out: list[str] = []
    for line in text.split("\n"):
        if len(line) <= width:
            out.append(line)
            continue
        body = line.lstrip(" ")
        indent = " " * (len(line) - len(body))
        hang = indent + ("  " if body[:2] in ("- ", "1.") or body[:1].isdigit() else "")
        out.extend(
            textwrap.wrap(
                body,
                width,
                initial_indent=indent,
                subsequent_indent=hang,
                break_long_words=True,
                break_on_hyphens=False,
            )
            or [""]
        )
    return "\n".join(out)


def page_text(text: str, out: TextIO) -> None:
    """Write ``text``, through a pager when it is taller than the terminal (as git does:
    $PAGER, else ``less``; LESS=FRX unless LESS is set; PAGER=cat or empty: no pager)."""
    import os
    import shlex
    import subprocess

    pager = os.environ.get("KBTOOL_PAGER", os.environ.get("PAGER", "less"))
    if text.count("\n") < terminal_size()[1] or not pager.strip() or pager.strip() == "cat":
        out.write(text)
        out.flush()
        return
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")
    env.setdefault("LV", "-c")
    out.flush()
    try:
        proc = subprocess.Popen(shlex.split(pager), stdin=subprocess.PIPE, env=env)
    except (OSError, ValueError):
        out.write(text)
        return
    assert proc.stdin is not None
    try:
        proc.stdin.write(text.encode(out.encoding or "utf-8", errors="replace"))
        proc.stdin.close()
    except BrokenPipeError:
        pass
    proc.wait()


# ------------------------------------------------------------------ stats


def stats_command(*, root: str | Path | None, fmt: str, as_of: str | None) -> int:
    from kbtool.search.commands import notice, render_stats, write_json
    from kbtool.search.fulltext import parse_date
    from kbtool.search.listing import stats
    from kbtool.search.unreadable import message

    result = stats(_config(root), today=parse_date(as_of) if as_of else None, notice=notice)
    if fmt == "json":
        write_json(result.to_dict(), sys.stdout)
    else:
        render_stats(result, sys.stdout)
    if result.unreadable:
        notice(message([u["path"] for u in result.unreadable]))
    return 0


# ------------------------------------------------------------------ links


def links_command(*, root: str | Path | None, entry_id: str | None, fmt: str) -> int:
    from kbtool.kb import KnowledgeBase
    from kbtool.reports.links import build_graph, to_dot, to_mermaid, to_text
    from kbtool.search.commands import notice
    from kbtool.search.unreadable import count_unparsed

    config = _config(root)
    kb = KnowledgeBase.load(config)
    graph = build_graph(config, kb)
    if entry_id is not None and entry_id not in graph.entries:
        from kbtool.render.plan import unknown_id

        raise unknown_id(entry_id, sorted(graph.entries))
    if fmt == "json":
        import json

        sys.stdout.write(json.dumps(graph.to_dict(entry_id), indent=2, ensure_ascii=False) + "\n")
    else:
        writer = {"text": to_text, "mermaid": to_mermaid, "dot": to_dot}[fmt]
        sys.stdout.write(writer(graph, entry_id))
    count_unparsed(kb.sources, config, notice)
    return 0
