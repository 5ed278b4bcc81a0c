"""Error text as data: normalise messages into signatures and find the errors in a log.

A *signature* is an error line with what varies between occurrences replaced by placeholders
(hex addresses, numbers, quoted values, file paths, URLs, UUIDs, timestamps), lower-cased,
so the same error from two runs gives the same string. ``words`` keeps the distinctive words
(quoted names included) to score lines that are alike without being equal.

:func:`find_errors` reads a log, a traceback or a message once and returns its errors, each
with the lines to match and how much it reads as an error: the last line of each Python
traceback (chained ones and exception groups too) with its continuation lines, pytest's
``E`` lines and ``FAILED … - …`` summary lines, exception and warning lines (the warnings
module's ``file.py:12: Category: message`` included), ERROR and WARNING log records
(uvicorn, gunicorn, celery, Django, logging's formats), and every other line, which counts
only when it equals a symptom.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from itertools import accumulate
from typing import Any, NamedTuple

from kbtool.search.escapes import ESCAPES

MAX_LINES = 10_000  # lines read in full; past them only those that may be errors
MAX_LINE_CHARS = 2_000

_ANSI = ESCAPES  # colours and the like, taken off every line first
_PREFIXES = [
    re.compile(r"^[\w.-]+\s+\|\s"),  # docker compose: "web-1  | "
    # celery: "[2026-12-06 10:00:00,456: ERROR/ForkPoolWorker-2] "
    re.compile(r"^\s*\[[^\]\n]{0,60}: *(?:CRITICAL|ERROR|WARNING|INFO|DEBUG)/[^\]\n]*\]\s*"),
    re.compile(r"^\s*\[\d\d/\w{3}/\d{4} [\d:]+\]\s*"),  # Django's runserver
    re.compile(r"^\s*E\s{2,}"),  # pytest's failure lines
    re.compile(r"^\s*FAILED\s+\S+\s+-\s+"),  # pytest's short summary
    re.compile(r"^\s*ERROR\s+\S+::\S*\s+-\s+"),
    # timestamps, with a zone (gunicorn's "[2026-12-07 10:11:12 +0000] [7] ") and a pid
    re.compile(r"^\s*\[?\d{4}-\d\d-\d\d[T ][\d:.,]+(?:Z|\s?[+-]\d\d:?\d\d)?\]?(?:\s*\[\d+\])?\s*"),
    re.compile(r"^-?\s*[\w.]+\s+-\s+(?=(?:CRITICAL|ERROR|FATAL|WARNING|INFO|DEBUG)\s+-)"),
    # loguru's default format, after its timestamp: "| ERROR    | app.db:connect:42 - "
    re.compile(
        r"^\|\s*(?:TRACE|DEBUG|INFO|SUCCESS|WARNING|ERROR|CRITICAL)\s*\|\s*\S+:\S+:\d+\s+-\s+"
    ),
    # a level: upper-case, or a tool's "error:"/"warning:" (pip, setuptools), alembic's
    # "FAILED:"; then the logger's name: "ERROR:asyncio:", "ERROR asyncio: " (a lower-case
    # dotted name: "ERROR sqlalchemy.exc.X: …" is an exception and keeps its class)
    re.compile(
        r"^\s*\[?(?:CRITICAL|ERROR|FATAL|WARNING|WARN|INFO|DEBUG|FAILED(?=:)|error(?=:)|"
        r"warning(?=:))\]?(?::[\w.]*:|\s+[a-z_][a-z0-9_.]*:(?=\s)|\s*[:|-])?\s*"
    ),
]
#: Whether any of _PREFIXES matches at the start (most lines have none: one match, not nine).
_ANY_PREFIX = re.compile("|".join(f"(?:{p.pattern})" for p in _PREFIXES))
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
_ANY_QUOTE = re.compile("[" + re.escape("".join(sorted(_QUOTES))) + "]")
_ANY_DIGIT = re.compile("[0-9]")  # ASCII digits only: \d would take any script's


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
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: _WORD's matches of two characters or more in lower-case text without "_" (a shorter match
#: is followed by a character no word starts with).
_LONG_WORD = re.compile(r"[a-z][a-z0-9]+")
STOP_WORDS = _STOP = frozenset(
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
    line = line[:MAX_LINE_CHARS]
    if "\x1b" in line:
        line = _ANSI.sub("", line)
    line = line.strip()
    if _ANY_PREFIX.match(line):  # none matches a line none of them matches at first
        for prefix in _PREFIXES:
            line = prefix.sub("", line, count=1)
    return line.strip()


def _replace_varying(line: str, *, quoted: bool = True) -> str:
    # In a fixed order, each pass only when the line has a character it needs (speed: a
    # search for one of them costs a tenth of set(line)). The digits are looked for in the
    # line as given: a path replaced first may take its ASCII digits and leave another
    # script's, which \d matches.
    digits = _ANY_DIGIT.search(line) is not None
    if quoted and _ANY_QUOTE.search(line):
        line = _QUOTED.sub("<q>", line)
    if "://" in line:
        line = _URL.sub("<url>", line)
    if "/" in line or "\\" in line:
        line = _PATH.sub("<path>", line)
    if digits:
        line = _NUMERIC.sub(_placeholder, line)
    return line


def signature(text: str) -> str:
    """``text`` with what varies between occurrences replaced by placeholders, lower-cased."""
    return _SPACE.sub(" ", _replace_varying(clean_line(text))).strip(" .").lower()


def signatures(text: str) -> tuple[str, str]:
    """The signature, and the signature without its leading exception type
    (``KeyError: <q>`` → ``<q>``), which is the whole signature when there is none."""
    return _signatures(clean_line(text))


def _signatures(line: str) -> tuple[str, str]:
    # split() and \s+ take the same characters as white space; the runs at either end,
    # which the join drops, strip(" .") would drop as spaces.
    sig = " ".join(_replace_varying(line).split()).strip(" .").lower()
    _, colon, rest = sig.partition(": ")
    if colon and _EXC_TYPE.match(line):
        return sig, rest.strip()
    return sig, sig


def words(text: str) -> frozenset[str]:
    """Distinctive words of an error line: identifiers, quoted names included, lower-cased."""
    return _words(clean_line(text))


def _words(line: str) -> frozenset[str]:
    kept = _replace_varying(line, quoted=False)
    if "<" in kept:
        kept = _PLACEHOLDER.sub(" ", kept)
    if kept.isascii():  # lower-casing first finds the same words (no letter changes width)
        if "_" not in kept:  # nothing to strip: the words of two letters or more, directly
            return frozenset(_LONG_WORD.findall(kept.lower())).difference(_STOP)
        found = {w.strip("_") for w in _WORD.findall(kept.lower())}
        found -= _STOP
        return frozenset(w for w in found if len(w) > 1)
    return frozenset(
        w
        for w in (word.strip("_").lower() for word in _WORD.findall(kept))
        if len(w) > 1 and w not in _STOP
    )


def line_keys(text: str) -> tuple[str, str, frozenset[str]]:
    """:func:`signatures` and :func:`words` of one line, cleaning it once."""
    line = clean_line(text)
    sig, message = _signatures(line)
    return sig, message, _words(line)


def quoted_values(text: str) -> frozenset[str]:
    """The quoted values of an error line (names, keys, attributes), lower-cased, without
    their quotes and leading or trailing underscores."""
    if not set(text) & _QUOTES:
        return frozenset()
    return frozenset(v for v in (q[1:-1].strip("_ ").lower() for q in _QUOTED.findall(text)) if v)


class LogLine(NamedTuple):
    """A line of the input that reads as an error message."""

    number: int  # 1-based line number in the input (the first line with this signature)
    text: str  # as it stood, control characters removed
    weight: float  # 1.0 exceptions, 0.8 error log lines, 0.5 warnings, 0.3 anything else
    repeats: int = 1  # how many lines of the input have this signature


class LogError(NamedTuple):
    """One error found in a log: a traceback's last line, a pytest ``E`` block or summary
    line, an exception or warning line, an ERROR log record, or (weakest) any other line."""

    number: int  # 1-based line number of its first line (its first occurrence)
    text: str  # that line as it stood, control characters removed
    lines: tuple[str, ...]  # what to match: the message line, then continuation lines
    weight: float  # how much it reads as an error (see WEIGHTS)
    kind: str  # a key of WEIGHTS
    repeats: int = 1  # how many times the same error occurs in the input
    last: int = 0  # line number of its last occurrence
    # Its first line joined to the next ones, when it may be one line a terminal wrapped:
    # cut at its width (mid-word: joined without a space) or at a word (rich: with one).
    wrapped: tuple[str, ...] = ()


#: How much each kind of error line counts: the last line of a traceback and pytest's
#: failure lines are the strongest evidence; a plain line counts only when it equals a symptom.
WEIGHTS = {
    "traceback": 1.0,
    "pytest": 1.0,
    "summary": 1.0,
    "exception": 1.0,
    "log": 0.8,
    "warning": 0.5,
    "line": 0.3,
}
#: A pytest summary line whose message pytest cut to the terminal's width (it ends "...")
#: counts less than the ``E`` line or traceback that says the same error whole.
TRUNCATED_SUMMARY = 0.9
#: An exception group's own line counts a little less than a traceback's: what went wrong is
#: in its sub-exceptions (a KB entry for one of them is the better answer), the group only
#: says that a task group gathered them.
GROUP_WEIGHT = 0.9
MAX_ERRORS = 500  # distinct errors kept from one input (the most recent)
MAX_PLAIN = 1000  # distinct plain lines kept (the most recent)
MAX_CONTINUATION = 6  # lines of a message after its first
MIN_WRAP_CHARS = 60  # a line this long may be one a terminal wrapped
MAX_WRAPPED = 2  # lines after it joined to it

_TB_START = re.compile(
    r"^(?:\+[-+ ]*)?(?:Exception Group )?Traceback \(most recent call last\):\s*$"
)
_CHAIN = re.compile(
    r"^(?:During handling of the above exception|The above exception was the direct cause)"
)
_GROUP_BAR = re.compile(r"^(\s*[|+](?: |-+[ +0-9.-]*$))+")
_GROUP_LINE = re.compile(r"^(?:\w+\.)*(?:Base)?ExceptionGroup: .*\(\d+ sub-exceptions?\)$")
_PYTEST_E = re.compile(r"^E(?:\s{2,}|\s*$)")
_SUMMARY = re.compile(r"^(?:FAILED|ERROR|XFAIL|XPASS)\s+\S+(?:\s+-\s+(.*))?$")
# The warnings module's "file.py:12: Category: message" (the category is any class).
_WARN_AT = re.compile(r"^(?:\S.*?:\d+|sys:\d+):\s+((?:[A-Za-z_]\w*\.)*[A-Z]\w*):(?:\s+(.*)|\s*$)")
_PROGRESS = re.compile(r"^[.FEsxXp]*\s*\[\s*\d+%\]\s*$")  # pytest's "E    [100%]"
# "Name: message" where Name is a class: dotted (module.Class) or an exception-like name.
_EXC_LINE = re.compile(r"^((?:[A-Za-z_]\w*\.)*[A-Z]\w*)(?::\s+(\S.*)|:?\s*$)")
_EXC_NAME = re.compile(r"(?:Error|Exception|Warning|Exit|Interrupt|Fault|Failure|Failed)$")
_LOCATION = re.compile(r"^\S+:\d+:\s+[\w.]+$")  # pytest's "file.py:12: RuntimeError"
_LEVEL = re.compile(
    r"(?:^|[\s\[:/|-])(CRITICAL|ERROR|FATAL|PANIC|WARNING|WARN)(?=[\s\]:/|-]|$)|"
    r"\blevel=(error|fatal|critical|warning|warn)\b",
    re.I,
)


_CAMEL = re.compile(r"^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+$")  # ScopeMismatch, MissingGreenlet


def _exception_like(name: str) -> bool:
    """A class name as exceptions are named: dotted (module.Class), with an error-like
    suffix, or a CamelCase compound (``ScopeMismatch``) rather than a word ("Note")."""
    return bool(_EXC_NAME.search(name)) or "." in name or bool(_CAMEL.match(name))


def inner_exception(text: str) -> str | None:
    """The exception line a wrapper puts after its own name (``Failed: ScopeMismatch: …``,
    ``/broken: TypeError: …``), or None."""
    head, sep, rest = text.partition(": ")
    if not sep or " " in head:
        return None
    found = _EXC_LINE.match(rest)
    if found and found.group(2) is not None and _exception_like(found.group(1)):
        return rest
    return None


#: An exception's repr closing a line: celery's "raised unexpected: MissingGreenlet('…')",
#: a logger's "failed: ReadTimeout('timed out')".
_REPR = re.compile(r"((?:[A-Za-z_]\w*\.)*[A-Z]\w*)\((['\"])(.+)\2,?\)\s*$")
_REPR_ESCAPE = re.compile(r"\\(.)")


def exception_repr(text: str) -> str | None:
    """The exception line (``Name: message``) of the exception repr a line ends with
    (``… raised unexpected: MissingGreenlet("greenlet_spawn has not …")``), or None."""
    if not text.endswith(")"):
        return None
    found = _REPR.search(text)
    if found is None or not _exception_like(found.group(1)):
        return None
    message = _REPR_ESCAPE.sub(
        lambda m: {"n": " ", "t": " "}.get(m.group(1), m.group(1)), found.group(3)
    )
    return f"{found.group(1)}: {' '.join(message.split())}"


def _shown(raw: str) -> str:
    visible = _ANSI.sub("", raw[:MAX_LINE_CHARS])
    return "".join(c if c.isprintable() else " " for c in visible).strip()


def _level_weight(raw: str, body: str) -> float:
    """ERROR log records 0.8, WARNING ones 0.5, others 0: the level must stand before the
    message (in the prefix clean_line took off), not inside it."""
    head = raw[: max(0, len(raw) - len(body))] if body and raw.endswith(body) else raw[:40]
    if head.lstrip().startswith("FAILED:"):  # alembic's CommandError
        return WEIGHTS["log"]
    found = _LEVEL.search(head)
    if not found:
        return 0.0
    level = (found.group(1) or found.group(2) or "").upper()
    return WEIGHTS["warning"] if level.startswith("WARN") else WEIGHTS["log"]


class _Scanner:
    """Reads a log once, line by line, and collects its errors (see :func:`find_errors`)."""

    def __init__(self, lines: list[str]) -> None:
        self.raw = lines
        self.late = _late_lines(lines)
        self.found: dict[str, list[Any]] = {}  # signature -> [LogError fields...]
        self.plain: dict[str, list[Any]] = {}  # text -> [LogError fields...] of plain lines

    def add(
        self,
        number: int,
        kind: str,
        lines: list[str],
        weight: float | None = None,
        *,
        cleaned: bool = False,
    ) -> None:
        """Record an error (``lines`` as in the input, or already ``cleaned``)."""
        lines = [ln for ln in (x if cleaned else clean_line(x) for x in lines) if ln]
        if not lines:
            return
        # Plain lines are told apart by their text (cheap: a long log has many of them),
        # errors by their signature; each kind keeps its most recent ones when there are
        # too many (a log ends with its cause).
        plain = kind == "line"
        key = lines[0] if plain else signature(lines[0])
        if not key:
            return
        found, most = (self.plain, MAX_PLAIN) if plain else (self.found, MAX_ERRORS)
        weight = WEIGHTS[kind] if weight is None else weight
        group = found.get(key)
        if group is None:
            if len(found) >= most:
                del found[next(iter(found))]
            shown = _shown(self.raw[number - 1])
            wrapped = () if plain else self.wrapped(number, lines[0])
            found[key] = [number, shown, tuple(lines), weight, kind, 1, number, wrapped]
            return
        if weight > group[3] or (weight == group[3] and len(lines) > len(group[2])):
            group[2], group[3], group[4] = tuple(lines), weight, kind
        group[5] += 1
        group[6] = number

    def wrapped(self, start: int, first: str) -> tuple[str, ...]:
        """A long message line joined to the lines from ``start`` on that may be its rest,
        each way a terminal wraps (see LogError.wrapped); () for a short line."""
        if len(first) < MIN_WRAP_CHARS:
            return ()
        out: list[str] = []
        spaced = tight = first
        for line in self.continuation(start)[:MAX_WRAPPED]:
            line = clean_line(line)
            if not line:
                break
            spaced, tight = f"{spaced} {line}", tight + line
            out += [spaced, tight]
        return tuple(out)

    def continuation(self, start: int) -> list[str]:
        """Lines after a message's first that belong to it (a multi-line message)."""
        out: list[str] = []
        for i in range(start, min(len(self.raw), start + MAX_CONTINUATION)):
            raw = self.raw[i]
            text = _ANSI.sub("", raw[:MAX_LINE_CHARS])
            bar = _GROUP_BAR.match(text)
            if bar:  # in an exception group; a separator ("+-+---- 1 ----") ends the message
                text = text[bar.end() :]
            if not text.strip() or _TB_START.match(text.strip()) or _CHAIN.match(text):
                break
            if clean_line(text) != text.strip():
                break  # a new log record or pytest line (it has a prefix)
            if _WARN_AT.match(text.strip()) or text.lstrip().startswith('File "'):
                break
            if out and not text[:1].isspace() and self.exception_shape(text.strip()):
                break  # the next error
            out.append(text)
        return out

    def warning_tail(self, start: int, sys_line: bool) -> list[str]:
        """The lines after a warnings-module line that belong to it: message lines, then
        the indented source line Python shows under it. ``sys:1:`` warnings have no source
        line, and unindented lines count only when a source line follows them."""
        if sys_line:
            return []
        more = self.continuation(start)
        for k, line in enumerate(more):
            if line[:1].isspace():
                return more[: k + 1]
        return []

    def run(self) -> list[LogError]:
        raw = self.raw
        n = len(raw)
        i = 0
        while i < n:
            if i >= MAX_LINES and i not in self.late:
                i += 1  # past the start of a long log, only lines that may be errors count
                continue
            text = _ANSI.sub("", raw[i][:MAX_LINE_CHARS])
            bar = _GROUP_BAR.match(text)
            if bar:  # an exception group's "  | " margin
                text = text[bar.end() :]
            stripped = text.strip()
            if not stripped:
                i += 1
                continue
            if _TB_START.match(stripped) or (
                "Traceback (" in stripped and _TB_START.match(clean_line(stripped))
            ):  # a traceback, or a log record that is one ("ERROR:    Traceback (…")
                i = self.traceback(i + 1)
                continue
            if _CHAIN.match(stripped):
                i += 1
                continue
            if _PYTEST_E.match(text):
                i = self.pytest_block(i)
                continue
            i += self.line(i, text, stripped)
        return [LogError(*g) for g in (*self.found.values(), *self.plain.values())]

    def traceback(self, i: int) -> int:
        """Skip a traceback's frames; its first line back at the margin is the exception."""
        raw = self.raw
        while i < len(raw):
            text = _ANSI.sub("", raw[i][:MAX_LINE_CHARS])
            bar = _GROUP_BAR.match(text)
            if bar:
                text = text[bar.end() :]
            if not text.strip():
                i += 1
                continue
            if text.startswith("> File "):  # loguru marks the frame that raised
                text = " " + text[2:]
            if text[:1].isspace() or text.startswith("["):  # frames, "[Previous line repeated]"
                if text.startswith("[") and not text.startswith("[Previous"):
                    break
                i += 1
                continue
            stripped = text.strip()
            if self.wrapped_frame(i, stripped):
                i += 1
                continue
            if _TB_START.match(stripped) or _CHAIN.match(stripped):
                return i
            if clean_line(text) != stripped and not _EXC_LINE.match(stripped):
                return i  # a new log record before any exception line
            if stripped.endswith(":") and self.next_starts_traceback(i + 1):
                return i  # "Exception in thread …:" before another traceback: a header
            more = self.continuation(i + 1)
            weight = GROUP_WEIGHT if _GROUP_LINE.match(stripped) else None
            self.add(i + 1, "traceback", [text, *more], weight)
            return i + 1 + len(more)
        return i

    def wrapped_frame(self, i: int, stripped: str) -> bool:
        """Whether line ``i`` of a traceback, at the margin, is the rest of a frame's line a
        terminal wrapped: it follows a long line and does not read as an exception (a
        frame's rest reads 'ine 636, in main', 'qlite/base.py", line 1612, in visit')."""
        previous = _ANSI.sub("", self.raw[i - 1][:MAX_LINE_CHARS]).rstrip("\r\n")
        if len(previous) < MIN_WRAP_CHARS or not previous[:1].isspace():
            return False
        return not self.exception_shape(stripped) and not _TB_START.match(stripped)

    def next_starts_traceback(self, i: int) -> bool:
        return i < len(self.raw) and bool(_TB_START.match(self.raw[i].strip()))

    def pytest_block(self, i: int) -> int:
        """pytest's ``E   `` lines: each exception-shaped line starts an error, the lines
        after it are its continuation; a block without one is one error."""
        raw = self.raw
        start = i
        block: list[tuple[int, str]] = []
        while i < len(raw) and _PYTEST_E.match(_ANSI.sub("", raw[i][:MAX_LINE_CHARS])):
            if not _PROGRESS.match(raw[i][1:].strip()):
                block.append((i, clean_line(raw[i])))
            i += 1
        if not block:
            return max(i, start + 1)
        heads = [k for k, (_, t) in enumerate(block) if self.exception_shape(t)]
        if not heads:
            heads = [0]
        for h, k in enumerate(heads):
            end = heads[h + 1] if h + 1 < len(heads) else len(block)
            end = min(end, k + 1 + MAX_CONTINUATION)
            self.add(block[k][0] + 1, "pytest", [t for _, t in block[k:end]])
        return max(i, start + 1)

    @staticmethod
    def exception_shape(text: str) -> bool:
        found = _EXC_LINE.match(text)
        if found is None:
            return False
        return found.group(2) is not None or _exception_like(found.group(1))

    def line(self, i: int, text: str, stripped: str) -> int:
        """Record what line ``i`` holds; the number of lines it took (continuations)."""
        summary = _SUMMARY.match(stripped)
        if summary:
            message = summary.group(1)
            if message:
                cut = message.endswith("...")
                self.add(i + 1, "summary", [message], TRUNCATED_SUMMARY if cut else None)
            return 1
        body = clean_line(text)
        if len(body) < 3 or _LOCATION.match(body):
            return 1
        warned = _WARN_AT.match(body)
        if warned:
            name, message = warned.group(1), (warned.group(2) or "").strip()
            more = self.warning_tail(i + 1, body.startswith("sys:"))
            used = len(more)
            if not message and more:  # a message that starts on the next line
                message, more = " ".join(more[0].split()), more[1:]
            lines = [f"{name}: {message}", body]
            if more and not more[0][:1].isspace():  # an unindented next line is the message's
                lines.append(more[0])
            self.add(i + 1, "warning", lines)
            return 1 + used
        exc = _EXC_LINE.match(body)
        indented = text[:1].isspace()
        if exc and exc.group(2) is not None and _exception_like(exc.group(1)):
            # Outside a traceback only indented lines are surely the message's own.
            more = self.continuation(i + 1)
            kept = next((k for k, ln in enumerate(more) if not ln[:1].isspace()), len(more))
            more = more[:kept]
            kind = "warning" if exc.group(1).endswith("Warning") else "exception"
            self.add(i + 1, kind, [body, *more])
            return 1 + len(more)
        level = _level_weight(_ANSI.sub("", text).strip(), body)
        if not indented and _EXC_ANYWHERE.search(body):
            self.add(i + 1, "exception", [body], max(level, 0.9), cleaned=True)
        elif level:
            kind = "log" if level >= WEIGHTS["log"] else "warning"
            self.add(i + 1, kind, [body], cleaned=True)
        elif not indented and _WARNING.search(body):
            self.add(i + 1, "warning", [body], cleaned=True)
        else:
            self.add(i + 1, "line", [body], cleaned=True)
        return 1


# Words one of which every line that starts or reads as an error holds; lines past
# MAX_LINES without any are skipped unread (substring tests: far cheaper than reading them,
# and than one regular expression with these alternatives).
_ERROR_WORDS: tuple[str, ...] = ("error", "exception", "warn", "fail", "fatal", "critical")
_ERROR_WORDS += ("panic", "exit", "interrupt", "fault", "mismatch", "destroyed", "never")
_ERROR_WORDS += ("not ", "traceback")


def _late_lines(lines: list[str]) -> set[int]:
    """The indexes past MAX_LINES of the lines that may be errors: those holding one of
    the error words, or starting like pytest's ``E`` lines. Found with ``str.find`` over
    the joined text (C speed) rather than line by line."""
    if len(lines) <= MAX_LINES:
        return set()
    late = lines[MAX_LINES:]
    text = "\n" + "\n".join(late).lower()
    starts = list(accumulate((len(line) + 1 for line in late), initial=1))
    found: set[int] = set()
    for word in (*_ERROR_WORDS, "\ne "):
        at = text.find(word)
        while at != -1:
            k = bisect_right(starts, at + (word[0] == "\n")) - 1
            found.add(MAX_LINES + k)
            at = text.find(word, starts[k + 1] if k + 1 < len(starts) else len(text))
    return found


def find_errors(text: str) -> list[LogError]:
    """The errors of a message, log or traceback, most telling first: by weight, then the
    ones seen last first (a log ends with its cause). The same error (same signature of its
    first line) seen again counts as one, kept at its first occurrence with ``repeats``.
    Plain lines (kind ``line``) are all kept: they count when they equal a symptom. The
    lines are read without the frames a collector put around them, JSON records unpacked
    (:mod:`kbtool.search.logframe`); the numbers are those of the input's lines."""
    from kbtool.search.logframe import unframe

    lines, origin = unframe(text.splitlines())
    return [
        e._replace(number=origin[e.number - 1] + 1, last=origin[e.last - 1] + 1)
        for e in find_errors_in(lines)
    ]


def find_errors_in(lines: list[str]) -> list[LogError]:
    """:func:`find_errors` of lines already unframed; the numbers are theirs."""
    errors = _Scanner(lines).run()
    errors.sort(key=lambda e: (-e.weight, -e.last))
    return errors


def message_lines(text: str, limit: int = 200) -> list[LogLine]:
    """The first lines of the errors of ``text`` (:func:`find_errors`), most telling first;
    when some read as errors, plain lines are left out."""
    errors = find_errors(text)
    strong = [e for e in errors if e.kind != "line"] or errors
    return [LogLine(e.number, e.text, e.weight, e.repeats) for e in strong[:limit]]


#: The most words :func:`search_words` gives: a search keeps its first words only.
MAX_SEARCH_WORDS = 64


def search_words(text: str) -> str:
    """:func:`pasted_words`' second part: the words of a pasted log to search for."""
    return pasted_words(text)[1]


def pasted_words(text: str) -> tuple[str, str]:
    """The words of a pasted log's most telling error alone (an entry holding them all is
    the likeliest answer), and the log as plain words to search for: the lines of its errors
    first, most telling first (a search keeps its first words only, and a traceback ends
    with its error), then the other lines from the last up (a traceback's innermost frames
    and the lines that led to an error are nearest to it); what varies between occurrences
    (paths, URLs, numbers, addresses) left out, each word once, and nothing that a search
    would read as its own syntax (quotes, a leading ``-``, ``OR``). The lines are read as the
    program wrote them (:mod:`kbtool.search.logframe`): without a collector's frames, JSON
    records unpacked. ("", "") when no line reads as an error: then the text is a query as
    typed."""
    from kbtool.search.logframe import unframe

    unframed = unframe(text.splitlines())[0]  # a JSON record's keys are no words of its topic
    errors = [e for e in find_errors_in(unframed) if e.kind != "line"]
    if not errors:
        return "", ""
    lines = [line for e in errors for line in e.lines] + unframed[::-1]
    return _plain_words(errors[0].lines), _plain_words(lines)


def _plain_words(lines: Iterable[str]) -> str:
    """The words of ``lines`` for a search (see :func:`pasted_words`), at most
    :data:`MAX_SEARCH_WORDS`."""
    seen: dict[str, str] = {}
    for line in lines:
        kept = _PLACEHOLDER.sub(" ", _replace_varying(clean_line(line), quoted=False))
        for chunk in kept.replace('"', " ").split():
            word = chunk.lstrip("-")
            key = " ".join(_LONG_WORD.findall(word.lower()))
            if key and key not in seen:
                seen[key] = word.lower() if word in ("OR", "NOT", "AND") else word
                if len(seen) == MAX_SEARCH_WORDS:
                    return " ".join(seen.values())
    return " ".join(seen.values())
