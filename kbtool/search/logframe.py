"""A log as its program wrote it: the frames collectors put around each line taken off, and
structured (JSON) records unpacked into lines.

A log read from CI or a cluster is rarely what the program printed. GitHub Actions puts a
timestamp before every line (and ``##[error]`` markers), Kubernetes a timestamp, the stream
and a partial-line flag (the CRI format), journald and syslog the host and the process,
Jenkins' timestamper a time in brackets, ``docker compose`` the service, ``kubectl logs
--prefix`` the pod, ``docker build`` the step and its time, Heroku-like platforms the dyno
after the timestamp. With the frame on every line a traceback's frames no longer start with
white space, so its structure is lost. And a program that logs JSON (python-json-logger,
structlog, ECS, a docker ``json-file`` log) puts a whole traceback in one line, its newlines
escaped.

:func:`unframe` gives the lines back as the program wrote them, each with the number of the
input line it came from, before :func:`kbtool.search.errortext.find_errors` reads them. It
only takes off what matches a known frame at the start of a line, and only unpacks a line
that parses as a JSON object with a message or an exception in a known field: a log with
neither is returned unchanged.
"""

from __future__ import annotations

import re
from typing import Any

#: Longest JSON record unpacked (a record with a long traceback is a few KB).
MAX_RECORD_CHARS = 256 * 1024
#: Lines a partial-line run (CRI ``P``) may join before it is cut.
MAX_JOINED = 64

_ISO = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)"
#: An RFC 3339 timestamp with its zone (GitHub Actions, Kubernetes, ``docker logs -t``,
#: ``journalctl -o short-iso``), then, in the CRI format, the stream and a partial-line flag.
_STAMP = re.compile(rf"^\ufeff?{_ISO}[ \t](?:(?:stdout|stderr)[ \t]([FP])(?:[ \t]|$))?")
_FRAMES = (
    # Jenkins' timestamper, bracketed: "[2026-12-07T10:11:12.345Z] ", "[10:11:12] "
    re.compile(rf"^\[(?:{_ISO}|\d{{4}}-\d\d-\d\d[T ][\d:.,]+|\d\d:\d\d:\d\d(?:[.,]\d+)?)\] "),
    # syslog / journald: "Dec  7 10:11:12 host app[4242]: "
    re.compile(
        r"^[A-Z][a-z]{2} [ \d]?\d \d\d:\d\d:\d\d(?:\.\d+)? [\w.-]+ [\w./@:-]+?(?:\[\d+\])?: "
    ),
    # kubectl logs --prefix: "[pod/api-7d9/api] "
    re.compile(r"^\[pod/[^\]\s]+\] "),
    # docker compose: "api-1  | ", "api_1  | "
    re.compile(r"^[\w.-]+ +\|(?: |$)"),
    # docker build (BuildKit): "#12 0.523 ", "#12 "
    re.compile(r"^#\d+ (?:\d+\.\d+ )?"),
)
#: Frames that follow an ISO timestamp only: journald's "host app[4242]: " (``journalctl -o
#: short-iso``), a platform's "app[web.1]: " (Heroku and the like).
_AFTER_STAMP = (
    re.compile(r"^[\w.-]+ [\w./@:-]+\[\d+\]: "),
    re.compile(r"^[\w.-]+\[[\w.-]+\]: "),
)
#: GitHub Actions' markers: an error or a warning keeps its level, the others go.
_MARKER = re.compile(r"^##\[(error|warning|notice|debug|group|endgroup|command|section)\]", re.I)
_COMMAND = re.compile(r"^::(error|warning|notice|debug)(?: [^:]*)?::", re.I)
_LEVELS = {"error": "ERROR: ", "warning": "WARNING: "}
#: Whether a line may start with a frame or a marker (the start of each): one cheap test a
#: line, as most lines have none.
_ANY = re.compile(r"\ufeff?\d{4}-\d\d-\d\dT|\[|[A-Z][a-z]{2} [ \d]?\d \d|[\w.-]+ +\||##\[|::\w|#\d")

#: JSON record fields, in the order they are looked for (dotted: a nested object's field,
#: or the flat key written with a dot, as ECS allows both).
_LEVEL_KEYS = ("level", "levelname", "severity", "log.level", "lvl", "loglevel", "status")
_MESSAGE_KEYS = ("message", "msg", "event", "@message", "log", "text", "error.message")
_TRACE_KEYS = (
    "exc_info",
    "exception",
    "exc_text",
    "stack_trace",
    "stacktrace",
    "traceback",
    "stack",
    "error.stack_trace",
    "error.stack",
    "error",
    "err",
)
_ERROR_LEVELS = frozenset(("error", "err", "critical", "crit", "fatal", "alert", "emerg", "panic"))
_WARNING_LEVELS = frozenset(("warning", "warn"))


def unframe(lines: list[str]) -> tuple[list[str], list[int]]:
    """The lines without their frames, JSON records unpacked; and for each, the index of
    the input line it came from (several lines may come from one; a line joined from
    partial ones comes from the first)."""
    out: list[str] = []
    origin: list[int] = []
    partial: list[str] = []  # a CRI partial line's pieces, from line ``start`` on
    start = 0
    framed = _ANY.match
    for i, line in enumerate(lines):
        if partial or framed(line):  # no frame starts with a brace: JSON goes below
            text, joined = _strip_frames(line)
            if joined:  # the rest of the line is on the next one
                if not partial:
                    start = i
                partial.append(text)
                if len(partial) < MAX_JOINED:
                    continue
                text = ""
            if partial:
                text, partial = "".join(partial) + text, []
            else:
                start = i
        elif line.startswith("{"):  # a JSON record
            text, start = line, i
        else:
            out.append(line)  # most lines: nothing to take off or unpack
            origin.append(i)
            continue
        pieces = _unpacked(text)
        out += pieces
        origin += [start] * len(pieces)
    if partial:
        out.append("".join(partial))
        origin.append(start)
    return out, origin


def _strip_frames(line: str) -> tuple[str, bool]:
    """``line`` without the frames at its start (a frame inside another: a timestamp before
    a service's name); whether it is a partial line to be joined to the next."""
    partial = False
    stamp = _STAMP.match(line)
    if stamp:
        partial = stamp.group(1) == "P"
        line = line[stamp.end() :]
    for frame in (*_AFTER_STAMP, *_FRAMES) if stamp else _FRAMES:
        found = frame.match(line)
        if found:
            line = line[found.end() :]
            stamp = _STAMP.match(line)  # "api-1  | 2026-12-07T10:11:12Z …" (docker -t)
            if stamp:
                line = line[stamp.end() :]
            break
    marker = _MARKER.match(line) or _COMMAND.match(line)
    if marker:
        line = _LEVELS.get(marker.group(1).lower(), "") + line[marker.end() :]
    return line, partial


def _unpacked(text: str) -> list[str]:
    """The lines of a JSON log record (its level and message, then its exception's lines),
    or ``[text]`` when it is not one."""
    stripped = text.strip()
    if not (stripped.startswith("{") and stripped.endswith("}")):
        return [text]
    if len(stripped) > MAX_RECORD_CHARS:
        return [text]
    import json  # only for a log that has JSON lines (kbtool match's start-up)

    try:
        record = json.loads(stripped)
    except (ValueError, RecursionError):
        return [text]
    if not isinstance(record, dict):
        return [text]
    message = _text_of(record, _MESSAGE_KEYS)
    trace = _text_of(record, _TRACE_KEYS, skip=message)
    if message is None and trace is None:
        return [text]
    lines: list[str] = []
    if message is not None:
        inner = message.strip()
        if inner.startswith("{") and inner.endswith("}") and inner != stripped:
            lines = _unpacked(inner)  # docker's json-file around a JSON record
        else:
            lines = message.splitlines() or [""]
            lines[0] = _level_prefix(record) + lines[0]
    if trace is not None:
        lines.extend(trace.splitlines())
    return lines


def _level_prefix(record: dict[str, Any]) -> str:
    level = _text_of(record, _LEVEL_KEYS)
    if level is None:
        return ""
    level = level.strip().lower()
    if level in _ERROR_LEVELS:
        return "ERROR: "
    if level in _WARNING_LEVELS:
        return "WARNING: "
    return ""


def _text_of(record: dict[str, Any], keys: tuple[str, ...], skip: str | None = None) -> str | None:
    """The first of ``keys`` that holds text (a string, or a list of strings: a traceback
    as its lines) other than ``skip``."""
    for key in keys:
        if key in record:
            value = record[key]
        elif "." in key:
            outer, _, inner = key.partition(".")
            nested = record.get(outer)
            if not isinstance(nested, dict) or inner not in nested:
                continue
            value = nested[inner]
        else:
            continue
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            value = "".join(v if v.endswith("\n") else v + "\n" for v in value)
        if isinstance(value, str) and value.strip() and value != skip:
            return value
    return None
