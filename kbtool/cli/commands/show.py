"""``kbtool show``: one entry with its references and backlinks, wrapped and paged on a
terminal. Neither typer nor pydantic is imported here."""

from __future__ import annotations

import sys
from pathlib import Path

from kbtool.cli.options import Opt, format_opt

TYPE_CHECKING = False  # typing is imported for the type checker only (start-up)
if TYPE_CHECKING:
    from typing import TextIO

DOC = """Show one entry: its fields, file and line, references and backlinks (entries and
fix reports that point at it). An unknown id suggests the closest ones.

On a terminal the text wraps to its width and long output goes through a pager, as git
does ($PAGER, else 'less' with LESS=FRX unless LESS is set); never when piped."""

OPTS = (
    Opt("entry_id", (), "The entry's id.", metavar="ID", required=True, complete="entry-id"),
    format_opt("text", "json", "xml", "md"),
    Opt("no_pager", ("--no-pager",), "Never page the output.", kind=bool, default=False),
)


def run(*, root: str | Path | None, entry_id: str, fmt: str, no_pager: bool = False) -> int:
    from kbtool.cli.output import config_at, notice
    from kbtool.errors import UsageError
    from kbtool.search.unreadable import find_id_in_unreadable, warn_unreadable
    from kbtool.show import show
    from kbtool.term import use_color

    config = config_at(root)
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
