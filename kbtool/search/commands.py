"""Bodies of ``kbtool search``, ``match`` and ``list``: call the library, print the answer.

Shared by the typer commands (``kbtool.cli``) and the start-up fast path
(``kbtool.fastcli``), so both behave the same. Neither typer nor rich is imported here:
text output uses plain ANSI codes, and only on a terminal that wants colour.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

from kbtool.config import Config, load_config
from kbtool.errors import UsageError
from kbtool.search.unreadable import warn_unreadable
from kbtool.textsafe import display_path, sanitize

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
    import json

    stream.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def write_jsonl(rows: Iterable[dict[str, Any]], stream: TextIO) -> None:
    import json

    for row in rows:
        stream.write(json.dumps(row, ensure_ascii=False) + "\n")


def _installed_line(installed: dict[str, str], holds: bool) -> str:
    """match's word on the installed versions (symptoms seen on them rank first)."""
    versions = ", ".join(f"{sanitize(k, 60)} {sanitize(v, 40)}" for k, v in installed.items())
    if holds:
        return f"    installed {versions}: this symptom's versions (ranked first on equal scores)"
    return f"    installed {versions}: not this symptom's versions"


def _head(entry: Any, config: Config, style: Style) -> list[str]:
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


# ------------------------------------------------------------------ search


def search_command(
    *,
    root: str | Path | None,
    query: Sequence[str],
    limit: int,
    fmt: str,
    show_sql: bool,
    ids: bool = False,
    stream: TextIO | None = None,
    **filter_values: Any,
) -> int:
    from kbtool.search.fulltext import make_filters, search, search_sql
    from kbtool.search.query import convert

    out = stream or sys.stdout
    config = config_at(root)
    text = " ".join(query)
    filters = make_filters(config, **filter_values)
    if show_sql:
        converted = convert(text, drop_stop_words=True)
        if not converted.match:
            raise UsageError(f"{converted.problem} (query: {text[:80]!r})")
        sql, args = search_sql(converted, filters, max(1, limit))
        out.write(inline_sql(sql, args) + ";\n")
        return 0
    result = search(
        config, text, limit=limit, filters=filters, notice=notice, progress=progress_printer()
    )
    if ids:
        out.write("".join(f"{hit.id}\n" for hit in result.hits))
    elif fmt == "json":
        write_json(result.to_dict(), out)
    elif fmt == "jsonl":
        write_jsonl((hit.to_dict() for hit in result.hits), out)
    else:
        style = Style.for_stream(out)
        for n, hit in enumerate(result.hits):
            if n:
                out.write("\n")
            lines = _head(hit, config, style)
            if hit.snippet:
                lines.append("    " + highlight(sanitize(hit.snippet, 1000), hit.highlights, style))
            out.write("\n".join(lines) + "\n")
    if result.corrected:
        notice(f"no entries match {text[:80]!r}; showing results for {result.corrected!r}")
    if result.mode == "any" and result.hits:
        notice("no entry has all of the words; showing entries with any of them, most first")
    excluded = None if result.hits else excluding_filter(config, filter_values)
    if excluded:
        notice(excluded)
    elif not result.hits:
        message = f"no entries match {text[:80]!r}"
        if result.suggestions:
            message += "; did you mean: " + ", ".join(repr(s) for s in result.suggestions) + "?"
        notice(message)
    warn_unreadable(config, notice)
    return 0


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


def inline_sql(sql: str, args: Sequence[Any]) -> str:
    """``sql`` with its ``?`` parameters written in as SQL literals, ready for sqlite3."""
    parts = sql.split("?")
    out = [parts[0]]
    for value, rest in zip(args, parts[1:], strict=True):
        if isinstance(value, str):
            out.append("'" + value.replace("'", "''") + "'")
        else:
            out.append(str(value))
        out.append(rest)
    return "".join(out)


# ------------------------------------------------------------------ match


MAX_STDIN_CHARS = 16 * 1024 * 1024


def read_match_input(text: Sequence[str], stdin: TextIO) -> str:
    """The text to match: the arguments, or stdin for ``-`` (or no argument and a pipe)."""
    if list(text) == ["-"] or (not text and not stdin.isatty()):
        data = stdin.read(MAX_STDIN_CHARS)
        if stdin.read(1):
            notice(f"stdin is longer than {MAX_STDIN_CHARS >> 20} MiB: only its start is matched")
        return data
    if "-" in text:
        raise UsageError("'-' (read stdin) cannot be combined with other text")
    return " ".join(text)


def match_command(
    *,
    root: str | Path | None,
    text: Sequence[str],
    limit: int,
    fmt: str,
    stream: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    from kbtool.applies.lookup import installed_lookup
    from kbtool.search.match import match_text

    out = stream or sys.stdout
    config = config_at(root)
    text_in = read_match_input(text, stdin or sys.stdin)
    hits = match_text(
        config,
        text_in,
        limit=limit,
        notice=notice,
        progress=progress_printer(),
        installed=installed_lookup(),
    )
    if fmt == "json":
        write_json({"hits": [h.to_dict() for h in hits]}, out)
    elif fmt == "jsonl":
        write_jsonl((h.to_dict() for h in hits), out)
    else:
        style = Style.for_stream(out)
        for n, hit in enumerate(hits):
            if n:
                out.write("\n")
            lines = _head(hit, config, style)
            versions = f" ({sanitize(hit.versions)})" if hit.versions else ""
            lines.append(
                f"    score {hit.score:.2f}, {hit.kind} match of the symptom"
                f"{versions}: {sanitize(hit.symptom, 300)}"
            )
            lines.append(f"    line {hit.line_number}: {sanitize(hit.log_line, 300)}")
            if hit.installed and hit.installed_holds is not None:
                lines.append(_installed_line(hit.installed, hit.installed_holds))
            out.write("\n".join(lines) + "\n")
    if not hits:
        notice("no entry has a symptom that matches this text" + _search_hint(text_in))
    warn_unreadable(config, notice)
    return 0 if hits else 1  # as plan --match exits (kbtool.errors.NothingMatchedError)


def _search_hint(text: str) -> str:
    """For a few words rather than an error message, point at ``kbtool search``."""
    import shlex

    if len(text) > MAX_HINT_CHARS:  # never echo a long input back (one 50 MB line, say)
        return ""
    words = text.split()
    if "\n" in text.strip() or not 0 < len(words) <= 4:
        return ""
    command = sanitize(shlex.join(words), MAX_HINT_CHARS)
    return f"; for words rather than an error message, try: kbtool search {command}"


MAX_HINT_CHARS = 200


# ------------------------------------------------------------------ list


def list_command(
    *,
    root: str | Path | None,
    limit: int,
    fmt: str,
    stream: TextIO | None = None,
    **filter_values: Any,
) -> int:
    from kbtool.search.fulltext import make_filters
    from kbtool.search.listing import list_entries

    out = stream or sys.stdout
    config = config_at(root)
    if limit < 0:
        raise UsageError(f"--limit must be 0 (all) or more, not {limit}")
    rows = list_entries(
        config, make_filters(config, **filter_values), limit=limit or None, notice=notice
    )
    if fmt == "json":
        write_json([r.to_dict() for r in rows], out)
    elif fmt == "jsonl":
        write_jsonl((r.to_dict() for r in rows), out)
    else:
        if not rows:
            notice(excluding_filter(config, filter_values) or "no entries match these filters")
        style = Style.for_stream(out)
        width = max((len(sanitize(r.id)) for r in rows), default=0)
        cat_width = max((len(sanitize(r.category)) for r in rows), default=0)
        for r in rows:
            sev = (r.severity or "-").ljust(8)
            status = "" if r.status == "active" else f" [{r.status}]"
            out.write(
                f"{style(sanitize(r.id).ljust(width), BOLD + CYAN)}  {sanitize(r.date):10}  "
                f"{style(sev, SEVERITY_COLOR.get(r.severity or '', ''))}  "
                f"{sanitize(r.category).ljust(cat_width)}  "
                f"{sanitize(r.title)}{style(status, DIM)}\n"
            )
    warn_unreadable(config, notice)
    return 0


#: Commands the start-up fast path may run, with their options (kbtool.fastcli).
def fast_commands() -> dict[str, tuple[Any, Any]]:
    from kbtool.fastcli import INDEX_OPTS, LIST_OPTS, MATCH_OPTS, SEARCH_OPTS

    return {
        "search": (SEARCH_OPTS, search_command),
        "match": (MATCH_OPTS, match_command),
        "index": (INDEX_OPTS, index_command),
        "list": (LIST_OPTS, list_command),
    }


# ------------------------------------------------------------------ stats and index


def render_stats(result: Any, out: TextIO) -> None:
    """``kbtool stats`` as text: one block per count."""
    style = Style.for_stream(out)
    from kbtool.reporters import plural

    counts = f"{plural(result.entries, 'entry')} in {plural(result.files, 'file')}"
    out.write(f"{counts} (as of {result.as_of})\n")
    blocks = (
        ("Category", result.by_category),
        ("Severity", result.by_severity),
        ("Status", result.by_status),
        ("Age", result.by_age),
    )
    for heading, counts in blocks:
        out.write(f"\n{style(heading, BOLD)}\n")
        width = max((len(k) for k in counts), default=0)
        for key, count in counts.items():
            out.write(f"  {sanitize(key).ljust(width)}  {count:>6}\n")
    out.write(f"\n{style('Past review-by', BOLD)} ({len(result.past_review)})\n")
    for item in result.past_review:
        out.write(f"  {item['review_by']}  {sanitize(item['id'])}  {item['path']}:{item['line']}\n")
    if result.unreadable:
        out.write(
            f"\n{style('Unreadable files', BOLD)} ({len(result.unreadable)}; run kbtool validate)\n"
        )
        for item in result.unreadable:
            out.write(f"  {item['path']}: {sanitize(item['error'], 200)}\n")


def index_command(
    *, root: str | Path | None, full: bool, check: bool, fmt: str, stream: TextIO | None = None
) -> int:
    from kbtool.search.index import open_index

    out = stream or sys.stdout
    with open_index(
        config_at(root),
        notice=notice,
        rebuild=full,
        check=check,
        counts=True,
        progress=progress_printer(),
    ) as index:
        report = index.report
    if fmt == "json":
        write_json(report.to_dict(), out)
    else:
        render_index_report(report, out)
    return 0


def render_index_report(report: Any, out: TextIO) -> None:
    """``kbtool index`` as text: what changed, then totals."""
    from kbtool.reporters import plural

    how = f"rebuilt ({report.reason})" if report.rebuilt else "updated"
    out.write(
        f"index {how}: {report.added} added, {report.modified} modified, "
        f"{report.removed} removed; {plural(report.entries, 'entry')} in "
        f"{plural(report.files, 'file')} ({report.seconds:.2f} s)\n"
    )
    for path, error in report.unreadable:
        out.write(f"  unreadable: {path}: {sanitize(error, 200)}\n")
