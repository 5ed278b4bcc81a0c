"""Error text as data: normalise messages into signatures and pick message lines out of logs.

A *signature* is an error line with what varies between occurrences replaced by placeholders
(hex addresses, numbers, quoted values, file paths, URLs, UUIDs, timestamps), lower-cased,
so the same error from two runs gives the same string. ``words`` keeps the distinctive words
(quoted names included) to score lines that are alike without being equal.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

MAX_LINES = 20_000
MAX_LINE_CHARS = 2_000

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")
_PREFIXES = [
    re.compile(r"^\s*E\s{2,}"),  # pytest's failure lines
    re.compile(r"^\s*FAILED\s+\S+\s+-\s+"),  # pytest's short summary
    re.compile(r"^\s*ERROR\s+\S+::\S*\s+-\s+"),
    re.compile(r"^\s*\[?\d{4}-\d\d-\d\d[T ][\d:.,]+(?:Z|[+-]\d\d:?\d\d)?\]?\s*"),  # timestamps
    re.compile(
        r"^\s*\[?(?:CRITICAL|ERROR|FATAL|WARNING|WARN|INFO|DEBUG)\]?(?::[\w.]*:|\s*[:|-])?\s*"
    ),
]
_QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"|`[^`\n]*`|‘[^’\n]*’|“[^”\n]*”")
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.I)
_PATH = re.compile(r"(?:\b[A-Za-z]:)?(?:[\\/][\w.@+-]+){2,}[\\/]?|\b[\w.-]+(?:/[\w.@+-]+)+")
_NUMERIC = re.compile(
    r"(?P<uuid>\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b)"
    r"|(?P<time>\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?(?:Z|[+-]\d\d:?\d\d)?)?"
    r"|\b\d\d:\d\d:\d\d(?:[.,]\d+)?\b)"
    r"|(?P<hex>\b0x[0-9a-fA-F]+\b|\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b)"
    r"|(?P<n>(?<![\w<])[-+]?\d+(?:\.\d+)*(?![\w>]))"
)
_QUOTES = frozenset("'\"`‘“")
_DIGITS = frozenset("0123456789")


def _placeholder(match: re.Match[str]) -> str:
    return f"<{match.lastgroup}>"


_SPACE = re.compile(r"\s+")
_PLACEHOLDER = re.compile(r"<(?:url|uuid|time|hex|q|path|n)>")
_EXC_TYPE = re.compile(
    r"^(?:[A-Za-z_][\w]*\.)*([A-Z]\w*(?:Error|Exception|Warning|Exit|Interrupt|Fault|Failure)|"
    r"Error|Exception)\b\s*(?::|$)"
)
_EXC_ANYWHERE = re.compile(
    r"(?:^|[\s(\[])((?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception|Exit|Interrupt|Fault|Failure))"
    r"(?::\s|\s*$)"
)
_WARNING = re.compile(r"\b[A-Z]\w*Warning\b")
_LOG_ERROR = re.compile(r"^\s*\[?(?:CRITICAL|ERROR|FATAL|PANIC)\b|\blevel=(?:error|fatal)\b", re.I)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# A superset of the words _kind weighs above 0.3 by: lines past MAX_LINES without any of
# them are skipped unread (a substring test: far faster here than a regular expression).
_ERROR_WORDS = (
    "error",
    "exception",
    "exit",
    "interrupt",
    "fault",
    "failure",
    "warning",
    "critical",
    "fatal",
    "panic",
)
_STOP = frozenset(
    (
        "a",
        "an",
        "the",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "to",
        "of",
        "in",
        "on",
        "at",
        "for",
        "by",
        "with",
        "from",
        "as",
        "it",
        "its",
        "this",
        "that",
        "object",
        "has",
        "have",
        "no",
        "not",
        "none",
        "or",
        "and",
        "but",
        "if",
        "then",
        "than",
        "into",
    )
)


def clean_line(line: str) -> str:
    """One log line without terminal escapes and the prefixes loggers and pytest put on it."""
    line = _ANSI.sub("", line[:MAX_LINE_CHARS]).strip()
    for prefix in _PREFIXES:
        line = prefix.sub("", line, count=1)
    return line.strip()


def _replace_varying(line: str, *, quoted: bool = True) -> str:
    # In a fixed order, each pass only when the line has a character it needs (speed).
    chars = set(line)
    if quoted and chars & _QUOTES:
        line = _QUOTED.sub("<q>", line)
    if "://" in line:
        line = _URL.sub("<url>", line)
    if "/" in chars or "\\" in chars:
        line = _PATH.sub("<path>", line)
    if chars & _DIGITS:
        line = _NUMERIC.sub(_placeholder, line)
    return line


def signature(text: str) -> str:
    """``text`` with what varies between occurrences replaced by placeholders, lower-cased."""
    return _SPACE.sub(" ", _replace_varying(clean_line(text))).strip(" .").lower()


def signatures(text: str) -> tuple[str, str]:
    """The signature, and the signature without its leading exception type
    (``KeyError: <q>`` → ``<q>``), which is the whole signature when there is none."""
    line = clean_line(text)
    sig = _SPACE.sub(" ", _replace_varying(line)).strip(" .").lower()
    _, colon, rest = sig.partition(": ")
    if colon and _EXC_TYPE.match(line):
        return sig, rest.strip()
    return sig, sig


def words(text: str) -> frozenset[str]:
    """Distinctive words of an error line: identifiers, quoted names included, lower-cased."""
    found = set()
    kept = _PLACEHOLDER.sub(" ", _replace_varying(clean_line(text), quoted=False))
    for word in _WORD.findall(kept):
        w = word.strip("_").lower()
        if len(w) > 1 and w not in _STOP:
            found.add(w)
    return frozenset(found)


class LogLine(NamedTuple):
    """A line of the input that reads as an error message."""

    number: int  # 1-based line number in the input (the first line with this signature)
    text: str  # as it stood, control characters removed
    weight: float  # 1.0 exceptions, 0.8 error log lines, 0.5 warnings, 0.3 anything else
    repeats: int = 1  # how many lines of the input have this signature


def _kind(raw: str, line: str) -> float:
    if _EXC_TYPE.match(line) or _EXC_ANYWHERE.search(line):
        return 1.0
    if _LOG_ERROR.search(raw):
        return 0.8
    if _WARNING.search(line):
        return 0.5
    return 0.3


def message_lines(text: str, limit: int = 200) -> list[LogLine]:
    """The lines of a message, log or traceback that carry an error, most telling first.

    Exception lines (``KeyError: …``, pytest's ``E   …`` lines) come before ERROR log lines
    and warnings; within a kind, the ones seen last first (a traceback ends with its cause).
    Lines with the same signature count as one, placed at their first occurrence. When no
    line looks like an error, every non-empty line is a candidate. Past the first
    ``MAX_LINES`` lines only lines that read as errors count (a long log ends with its cause).
    """
    groups: dict[str, list[Any]] = {}  # signature -> [first number, text, weight, count, last]
    for number, raw in enumerate(text.splitlines(), 1):
        late = number > MAX_LINES
        if late and not any(w in raw[:MAX_LINE_CHARS].lower() for w in _ERROR_WORDS):
            continue
        line = clean_line(raw)
        if len(line) < 3:
            continue
        sig = signature(line)
        if not sig:
            continue
        weight = _kind(raw, line)
        if late and weight <= 0.3:
            continue
        group = groups.get(sig)
        if group is None:
            visible = _ANSI.sub("", raw[:MAX_LINE_CHARS])
            shown = "".join(c if c.isprintable() else " " for c in visible)
            groups[sig] = [number, shown.strip(), weight, 1, number]
        else:
            group[2] = max(group[2], weight)
            group[3] += 1
            group[4] = number
    found = [g for g in groups.values() if g[2] > 0.3] or list(groups.values())
    found.sort(key=lambda g: (-g[2], -g[4]))
    return [LogLine(g[0], g[1], g[2], g[3]) for g in found[:limit]]
