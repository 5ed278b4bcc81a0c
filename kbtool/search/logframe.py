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
escaped; so does a key=value (logfmt) record, and a JUnit XML report escapes its failure's
text as XML (``&quot;``, ``&lt;``).

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
#: Frames taken off one line, one inside another.
MAX_LAYERS = 3

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
    # Google Cloud Build: 'Step #1 - "migrate": '
    re.compile(r'^Step #\d+(?: - "[^"\n]*")?: '),
)
#: Frames that follow an ISO timestamp only: journald's "host app[4242]: " (``journalctl -o
#: short-iso``), a platform's "app[web.1]: " (Heroku and the like), Fly.io's machine and region.
_AFTER_STAMP = (
    re.compile(r"^[\w.-]+ [\w./@:-]+\[\d+\]: "),
    re.compile(r"^[\w.-]+\[[\w.-]+\]: "),
    # Fly.io: "app[148e272a6d1e89] ams [info]", the program's text right after it
    re.compile(r"^[\w.-]+\[[0-9a-f]+\] [a-z]{3,4} \[[a-z]+\]"),
)
#: GitLab's timestamped job log (``FF_TIMESTAMPS``): after the timestamp, the stream's number
#: and type (``O`` out, ``E`` err), then ``+`` when the line goes on the previous one.
_GITLAB = re.compile(r"^[0-9a-f]{2}[OE](\+?) ")
#: GitHub Actions' markers: an error or a warning keeps its level, the others go.
_MARKER = re.compile(r"^##\[(error|warning|notice|debug|group|endgroup|command|section)\]", re.I)
_COMMAND = re.compile(r"^::(error|warning|notice|debug)(?: [^:]*)?::", re.I)
_LEVELS = {"error": "ERROR: ", "warning": "WARNING: "}
#: Whether a line may start with a frame or a marker (the start of each): one cheap test a
#: line, as most lines have none.
_ANY = re.compile(
    r"\ufeff?\d{4}-\d\d-\d\dT|\[|[A-Z][a-z]{2} [ \d]?\d \d|[\w.-]+ +\||##\[|::\w|#\d|\x1b|Step #"
)

#: JSON record fields, in the order they are looked for, lower-case (a record's keys are
#: compared lower-cased: AWS writes ``stackTrace``, GCP ``textPayload``); dotted: a nested
#: object's field, or the flat key written with a dot, as ECS allows both. A field is looked
#: for in the record, then in the objects nested in it (an envelope: Datadog's ``content``
#: and ``attributes``, GCP's ``jsonPayload``, a Lambda record's ``message`` object).
_LEVEL_KEYS = ("level", "levelname", "severity", "log.level", "lvl", "loglevel", "status")
_MESSAGE_KEYS: tuple[str, ...] = ("message", "msg", "event", "@message", "log", "text")
_MESSAGE_KEYS += ("textpayload", "error.message")
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
    "exception.stacktrace",
    "error",
    "err",
)
#: Fields that name an exception's type, each with the field of its message: AWS Lambda's
#: error response, Datadog's, ECS' and OpenTelemetry's error attributes. Together they make
#: the exception's line ("RuntimeError: …"), which a Lambda stack trace leaves out.
_EXCEPTION_KEYS = (
    ("errortype", "errormessage"),
    ("error.kind", "error.message"),
    ("error.type", "error.message"),
    ("exception.type", "exception.message"),
)
_ERROR_LEVELS = frozenset(("error", "err", "critical", "crit", "fatal", "alert", "emerg", "panic"))
_WARNING_LEVELS = frozenset(("warning", "warn"))
MAX_NESTED = 32  # objects of one record looked into for its fields
MAX_DEPTH = 3  # how deep they may be nested

#: A line that holds escaped newlines in a quoted value: a logfmt or key=value record
#: (structlog, logrus, zap: ``exception="Traceback …\n  File …"``), or a line of pretty-printed
#: JSON (``"textPayload": "Traceback …\n…",``, an item of a stack trace list). Found by
#: ``\n`` (backslash, n) in the line: one substring test a line.
_KV_QUOTED = re.compile(r"""(?:^|\s)[\w.@-]+=("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""")
_JSON_STRING = re.compile(r"""^\s*(?:"(?:[^"\\]|\\.)*"\s*:\s*)?("(?:[^"\\]|\\.)*")\s*,?\s*$""")
#: XML and HTML character references: a JUnit XML report's failure text, a copied web page.
_ENTITY = re.compile(r"&(?:quot|lt|gt|amp|apos|#\d{1,7}|#[xX][0-9a-fA-F]{1,6});")
_ESCAPE = re.compile(r"\\(.)")
_ESCAPED = {"n": "\n", "t": "\t", "r": ""}

#: A type checker's error line: mypy's "path:12: error: …  [code]", pyright's "path:12:5 -
#: error: … (reportX)". Its message, without the code.
_CHECKER = re.compile(
    r"^\s*(?:[A-Za-z]:)?[^\s:]+:\d+(?::\d+)?:? (?:- )?error: (.+?)"
    r"(?:\s+\[[\w-]+\]|\s+\(report\w+\))?\s*$"
)
#: The checkers' words for an attribute the type lacks: the AttributeError Python would raise.
_NO_ATTRIBUTE = (
    re.compile(r'^Item "(?P<type>[^"]+)" of "[^"]*" has no attribute "(?P<attr>[^"]+)"$'),
    re.compile(r'^"(?P<type>[^"]+)" has no attribute "(?P<attr>[^"]+)"$'),
    re.compile(
        r'^Cannot access (?:attribute|member) "(?P<attr>[^"]+)" for (?:class|type) '
        r'"(?P<type>[^"]+)"$'
    ),
    re.compile(r'^"(?P<attr>[^"]+)" is not a known (?:attribute|member) of "(?P<type>None)"$'),
)
#: Sentry's event JSON, pretty-printed: an exception's "type" line, then its "value" line.
_EVENT_TYPE = re.compile(r'^\s*"type"\s*:\s*"((?:[A-Za-z_]\w*\.)*[A-Z]\w*)"\s*,?\s*$')
_EVENT_VALUE = re.compile(r'^\s*"value"\s*:\s*("(?:[^"\\]|\\.)*")\s*,?\s*$')
MAX_EVENT_GAP = 3  # lines from an exception's "type" to its "value"


def unframe(lines: list[str]) -> tuple[list[str], list[int]]:
    """The lines without their frames, JSON records and escaped multi-line values unpacked;
    and for each, the index of the input line it came from (several lines may come from
    one; a line joined from partial ones comes from the first)."""
    out: list[str] = []
    origin: list[int] = []
    partial: list[str] = []  # a CRI partial line's pieces, from line ``start`` on
    start = 0
    framed = _ANY.match
    event_type, typed_at = "", -MAX_EVENT_GAP - 1  # Sentry's: the last exception type seen
    for i, line in enumerate(lines):
        if '"' in line and not partial and ('"type"' in line or '"value"' in line):
            bare = _strip_frames(line)[0] if framed(line) else line
            found = _EVENT_TYPE.match(bare)
            if found:
                event_type, typed_at = found.group(1), i
            elif event_type and i - typed_at <= MAX_EVENT_GAP:
                pieces = _event_value(event_type, bare)
                if pieces:
                    event_type = ""
                    out += pieces
                    origin += [i] * len(pieces)
                    continue
        if partial or framed(line):  # no frame starts with a brace: JSON goes below
            text, joined = _strip_frames(line)
            if joined == "prev" and out and not partial:  # GitLab: it goes on the last line
                out[-1] += text
                continue
            if joined == "next":  # the rest of the line is on the next one
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
        elif line.startswith("{") or "\\n" in line:  # a JSON record, an escaped value
            text, start = line, i
        else:
            if "&" in line and _ENTITY.search(line):  # XML-escaped text (JUnit reports)
                import html

                pieces = html.unescape(line).splitlines() or [""]  # "&#10;": a newline
                out += pieces
                origin += [i] * len(pieces)
                continue
            if " error: " in line:  # a type checker's line
                line = _as_raised(line)
            out.append(line)  # most lines: nothing to take off or unpack
            origin.append(i)
            continue
        pieces = _unpacked(text)
        if len(pieces) == 1 and " error: " in pieces[0]:
            pieces = [_as_raised(pieces[0])]
        out += pieces
        origin += [start] * len(pieces)
    if partial:
        out.append("".join(partial))
        origin.append(start)
    return out, origin


def _as_raised(line: str) -> str:
    """A type checker's line about an attribute the type lacks (mypy's '"AsyncSession" has
    no attribute "query"', pyright's 'Cannot access attribute "query" for class
    "AsyncSession"') as the AttributeError Python raises for it, which is what entries
    store; any other line as it is."""
    checked = _CHECKER.match(line)
    if checked:
        for pattern in _NO_ATTRIBUTE:
            found = pattern.match(checked.group(1))
            if found:
                kind = "NoneType" if found["type"] == "None" else found["type"]
                return f"AttributeError: '{kind}' object has no attribute '{found['attr']}'"
    return line


def _event_value(name: str, line: str) -> list[str]:
    """The lines of an exception whose type Sentry's event JSON gave on a line before:
    "Name: value" and the value's further lines; [] when ``line`` is not its value."""
    found = _EVENT_VALUE.match(line)
    if not found:
        return []
    import json

    try:
        value = json.loads(found.group(1))
    except (ValueError, RecursionError):
        return []
    pieces = value.splitlines() or [""]
    pieces[0] = f"{name}: {pieces[0]}" if pieces[0] else name
    return pieces


def _strip_frames(line: str) -> tuple[str, str]:
    """``line`` without the frames at its start, a frame inside another too (a timestamp
    before a service's name, CI's timestamp before ``flyctl logs``' or ``docker logs -t``'
    own: at most MAX_LAYERS); and "next" when it is a partial line the next one goes on
    (CRI), "prev" when it goes on the previous one (GitLab), else ""."""
    if line.startswith("\x1b"):  # colours around a frame (docker compose), APC timestamps
        from kbtool.search.escapes import strip_escapes

        line = strip_escapes(line)
    joined = ""
    for layer in range(MAX_LAYERS):
        stamp = _STAMP.match(line)
        if stamp:
            if layer == 0:
                joined = "next" if stamp.group(1) == "P" else ""
            line = line[stamp.end() :]
            gitlab = _GITLAB.match(line)
            if gitlab:
                joined = "prev" if gitlab.group(1) and layer == 0 else joined
                line = line[gitlab.end() :]
        found = None
        for frame in (*_AFTER_STAMP, *_FRAMES) if stamp else _FRAMES:
            found = frame.match(line)
            if found:
                line = line[found.end() :]
                break
        if not (stamp or found):
            break
    marker = _MARKER.match(line) or _COMMAND.match(line)
    if marker:
        line = _LEVELS.get(marker.group(1).lower(), "") + line[marker.end() :]
    return line, joined


def _unpacked(text: str) -> list[str]:
    """The lines of a JSON log record (its level and message, then its exception's lines),
    or of a line with escaped newlines in a quoted value; or ``[text]`` when it is neither."""
    stripped = text.strip()
    if not (stripped.startswith("{") and stripped.endswith("}")):
        return _unescaped(text) if "\\n" in text else [text]
    if len(stripped) > MAX_RECORD_CHARS:
        return [text]
    import json  # only for a log that has JSON lines (kbtool match's start-up)

    try:
        record = json.loads(stripped)
    except (ValueError, RecursionError):
        return _unescaped(text) if "\\n" in text else [text]
    if not isinstance(record, dict):
        return [text]
    fields = _fields(record)
    message = _text_of(fields, _MESSAGE_KEYS)
    trace = _text_of(fields, _TRACE_KEYS, skip=message)
    exception = _exception_of(fields)
    events = _event_exceptions(fields) if exception is None else []
    if message is None and trace is None and exception is None and not events:
        return [text]
    lines: list[str] = []
    level = _level_prefix(fields)
    if message is not None:
        inner = message.strip()
        if inner.startswith("{") and inner.endswith("}") and inner != stripped:
            lines = _unpacked(inner)  # docker's json-file around a JSON record
        else:
            lines = message.splitlines() or [""]
            if not lines[0].startswith("Traceback ("):  # a traceback keeps its shape
                lines[0] = level + lines[0]
    if trace is not None:
        lines.extend(trace.splitlines())
    if exception is not None and exception not in lines:
        lines.append(exception if message is not None else level + exception)
    for k, event in enumerate(events):
        lines.append(level + event if k == 0 and message is None else event)
    return [piece for line in lines for piece in _inner(line)]


def _inner(line: str) -> list[str]:
    """A record's line as the program wrote it: a frame of its own taken off (docker's
    json-file around journald-style or timestamped lines), an escaped value unpacked (a
    logfmt line in a JSON record)."""
    if _ANY.match(line):
        line = _strip_frames(line)[0]
    return _unescaped(line) if "\\n" in line else [line]


def _unescaped(text: str) -> list[str]:
    """A line of pretty-printed JSON whose string holds newlines, as that string's lines; a
    key=value line, as itself without the quoted values that hold newlines, then their
    lines; or ``[text]``."""
    whole = _JSON_STRING.match(text)
    if whole:
        import json

        try:
            value = json.loads(whole.group(1))
        except (ValueError, RecursionError):
            return [text]
        return value.splitlines() or [""]
    values = [m for m in _KV_QUOTED.finditer(text) if "\\n" in m.group(1)]
    if not values:
        return [text]
    rest = text
    for found in reversed(values):
        rest = rest[: found.start(1)] + '""' + rest[found.end(1) :]
    lines = [rest]
    for found in values:
        value = found.group(1)[1:-1]
        lines += _ESCAPE.sub(lambda m: _ESCAPED.get(m.group(1), m.group(1)), value).splitlines()
    return lines


#: A record's fields by lower-cased name, each with how deep it is nested (0: the record's).
Fields = dict[str, tuple[int, Any]]


def _fields(record: dict[str, Any]) -> Fields:
    """The fields of the record and of the objects nested in it (breadth first, at most
    MAX_NESTED objects, MAX_DEPTH deep), each by its lower-cased name and, for an object's
    field, also as "outer.inner"; the shallowest of a name kept."""
    fields: Fields = {}
    level: list[dict[str, Any]] = [record]
    seen = 0
    for depth in range(MAX_DEPTH + 1):
        deeper: list[dict[str, Any]] = []
        for obj in level:
            if seen >= MAX_NESTED:
                return fields
            seen += 1
            for key, value in obj.items():
                name = key.lower() if isinstance(key, str) else str(key).lower()
                fields.setdefault(name, (depth, value))
                if isinstance(value, dict):
                    deeper.append(value)
                    for inner, nested in value.items():
                        fields.setdefault(f"{name}.{str(inner).lower()}", (depth, nested))
        level = deeper
    return fields


def _level_prefix(fields: Fields) -> str:
    level = _text_of(fields, _LEVEL_KEYS)
    if level is None:
        return ""
    level = level.strip().lower()
    if level in _ERROR_LEVELS:
        return "ERROR: "
    if level in _WARNING_LEVELS:
        return "WARNING: "
    return ""


def _text_of(fields: Fields, keys: tuple[str, ...], skip: str | None = None) -> str | None:
    """The first of ``keys`` that holds text (a string, or a list of strings: a traceback
    as its lines) other than ``skip``: in the record, then in the objects nested in it
    (the shallowest first, then in the order of ``keys``)."""
    best: tuple[tuple[int, int], str] | None = None
    for order, key in enumerate(keys):
        found = fields.get(key)
        if found is None or (best is not None and (found[0], order) >= best[0]):
            continue
        value = found[1]
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            value = "".join(v if v.endswith("\n") else v + "\n" for v in value)
        if isinstance(value, str) and value.strip() and value != skip:
            best = ((found[0], order), value)
    return None if best is None else best[1]


def _event_exceptions(fields: Fields) -> list[str]:
    """The exception lines ("Name: message") of a Sentry event's ``exception.values``, the
    chain from the first raised to the last."""
    found = fields.get("exception.values")
    if found is None or not isinstance(found[1], list):
        return []
    out = []
    for value in found[1][:MAX_NESTED]:
        if isinstance(value, dict) and isinstance(value.get("type"), str) and value["type"]:
            text = value.get("value")
            first = text.strip().split("\n", 1)[0] if isinstance(text, str) else ""
            out.append(f"{value['type']}: {first}" if first else value["type"])
    return out


def _exception_of(fields: Fields) -> str | None:
    """The exception line a record's type and message fields make ("Name: message")."""
    for type_key, message_key in _EXCEPTION_KEYS:
        if type_key in fields and message_key in fields:
            name, message = fields[type_key][1], fields[message_key][1]
            if isinstance(name, str) and isinstance(message, str) and name.strip():
                first = message.strip().split("\n", 1)[0]
                return f"{name.strip()}: {first}" if first else name.strip()
    return None
