"""What the reading commands share to print their answers: notices, ANSI styling, JSON,
the hit header, progress, the KB at ``--root``.

Neither typer nor rich is imported here: text output uses plain ANSI codes, and only on a
terminal that wants colour.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from kbtool.config import Config, load_config
from kbtool.textsafe import display_path, sanitize

TYPE_CHECKING = False  # typing is imported for the type checker only (start-up)
if TYPE_CHECKING:
    from typing import Any, TextIO

BOLD, DIM, CYAN, YELLOW, RED, GREEN, RESET = (
    "\x1b[1m",
    "\x1b[2m",
    "\x1b[36m",
    "\x1b[1;33m",
    "\x1b[31m",
    "\x1b[32m",
    "\x1b[0m",
)
SEVERITY_COLOR = {"critical": RED, "high": RED, "medium": YELLOW, "low": DIM}


def notice(message: str) -> None:
    """A one-line notice on stderr (index rebuilds)."""
    print(f"kbtool: {message}", file=sys.stderr)


def progress_printer() -> Callable[[int, int], None] | None:
    """Files-read progress for long index builds, on an interactive stderr only."""
    from kbtool.term import show_progress

    if not show_progress(sys.stderr):
        return None

    def show(done: int, total: int) -> None:
        if total >= 200:  # only builds long enough to wonder about
            end = "\n" if done >= total else ""
            sys.stderr.write(f"\rkbtool: indexing: {done}/{total} files{end}")
            sys.stderr.flush()

    return show


def config_at(root: str | Path | None) -> Config:
    from kbtool.config import require_learnings

    return require_learnings(load_config(root=Path(root)) if root is not None else load_config())


class Style:
    """ANSI styling, or none at all."""

    def __init__(self, color: bool):
        self.color = color

    def __call__(self, text: str, code: str) -> str:
        return f"{code}{text}{RESET}" if self.color and text else text

    @classmethod
    def for_stream(cls, stream: TextIO) -> Style:
        from kbtool.term import use_color

        return cls(use_color(stream))


def highlight(text: str, spans: Iterable[tuple[int, int]], style: Style) -> str:
    """``text`` with ``spans`` in colour on a terminal; plain otherwise (no markers in a
    pipe: the JSON formats carry the spans)."""
    out: list[str] = []
    at = 0
    for start, end in spans:
        out.append(text[at:start])
        marked = text[start:end]
        out.append(style(marked, YELLOW) if style.color else marked)
        at = end
    out.append(text[at:])
    return "".join(out)


def where(config: Config, path: str, line: int) -> str:
    """``path:line`` as a person should see it (relative to the working directory)."""
    return f"{display_path(config.root / path)}:{line}"


def write_json(data: Any, stream: TextIO) -> None:
    from kbtool.cicommands import json_dumps

    stream.write(json_dumps(data, indent=2) + "\n")


def write_jsonl(rows: Iterable[dict[str, Any]], stream: TextIO) -> None:
    from kbtool.cicommands import json_dumps

    for row in rows:
        stream.write(json_dumps(row) + "\n")


def head(entry: Any, config: Config, style: Style) -> list[str]:
    """The first two lines shared by search, match and list hits."""
    title = sanitize(entry.title)
    status = "" if entry.status == "active" else f" [{entry.status}]"
    facts = [sanitize(entry.category)]
    if entry.severity:
        facts.append(style(entry.severity, SEVERITY_COLOR.get(entry.severity, "")))
    if getattr(entry, "date", None):
        facts.append(sanitize(entry.date))
    facts.append(where(config, entry.path, entry.line))
    return [
        f"{style(sanitize(entry.id), BOLD + CYAN)}  {title}{style(status, DIM)}",
        "    " + " · ".join(facts),
    ]


#: How to name each filter when it alone leaves nothing: (option, words before its value).
_FILTER_WORDS = {
    "category": ("--category", "in category"),
    "tag": ("--tag", "with tag"),
    "severity": ("--severity", "of severity"),
    "status": ("--status", "with status"),
    "since": ("--since", "dated since"),
    "until": ("--until", "dated until"),
    "file": ("--file", "in"),
}


def excluding_filter(config: Config, filter_values: dict[str, Any]) -> str | None:
    """``no entries in category 'Nope' (--category)`` when one filter on its own leaves no
    entry at all; None when each given filter leaves some (then the query is to blame)."""
    if not any(value for name, value in filter_values.items() if name in _FILTER_WORDS):
        return None  # no filter given: nothing to import or look up
    from kbtool.search.fulltext import make_filters
    from kbtool.search.listing import list_entries

    for name, value in filter_values.items():
        if not value or name not in _FILTER_WORDS:
            continue
        if list_entries(config, make_filters(config, **{name: value}), limit=1):
            continue
        option, words = _FILTER_WORDS[name]
        shown = ", ".join(value) if isinstance(value, list | tuple) else str(value)
        return f"no entries {words} {sanitize(shown, 80)!r} ({option})"
    return None


# ------------------------------------------------------------------ match
