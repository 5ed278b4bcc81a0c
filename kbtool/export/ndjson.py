"""``kbtool export --format ndjson``: one entry a line, for pipelines and search indexers.

Each line is a JSON object (UTF-8, no insignificant white space, keys in the model's order)::

    {"path": "learnings/fastapi.xml", "line": 12, "learning": {"id": "…", "severity": …}}

(with ``--repository NAME``, ``"repository": "NAME"`` comes first, for merging many KBs).

``learning`` is the entry in the shape of ``#/$defs/Learning`` of
``spec/learning.schema.json`` (which allows no other keys, hence the envelope: ``path`` is the
category file relative to the KB root and ``line`` the line of its ``<learning>`` element).
:data:`LINE_SCHEMA` is the JSON Schema of a line; docs/export.md shows it, and the tests
validate every line against it and the committed schema.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from kbtool.cicommands import json_dumps
from kbtool.export.records import LEARNING_REF, Collection, Record
from kbtool.export.records import LEARNING_SCHEMA_ID as LEARNING_SCHEMA_ID  # for validators

#: The JSON Schema of one line (draft 2020-12); ``learning`` refers to the committed schema.
LINE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://kbtool.dev/spec/export-line.schema.json",
    "title": "One line of kbtool export --format ndjson",
    "type": "object",
    "additionalProperties": False,
    "required": ["path", "line", "learning"],
    "properties": {
        "repository": {
            "type": "string",
            "description": "The repository the KB belongs to, as given with --repository",
        },
        "path": {
            "type": "string",
            "description": "The category file holding the entry, relative to the KB root",
        },
        "line": {
            "type": "integer",
            "minimum": 0,
            "description": "The line of its <learning> element (0: unknown)",
        },
        "learning": {"$ref": LEARNING_REF},
    },
}


def line_data(record: Record, repository: str | None = None) -> dict[str, Any]:
    """One line as data (``repository`` first, when given)."""
    head = {"repository": repository} if repository else {}
    return {**head, "path": record.path, "line": record.line, "learning": record.data()}


def dumps(data: dict[str, Any]) -> str:
    """One line as text, newline included: deterministic (model order, no spaces), UTF-8
    but for the characters written as ``\\uXXXX`` escapes (:data:`_ESCAPED`)."""
    text = json_dumps(data, compact=True)  # no ``##[`` for a CI runner (kbtool.cicommands)
    return (text if text.isascii() else _ESCAPED.sub(_json_escape, text)) + "\n"


def _escaped() -> re.Pattern[str]:
    """What JSON leaves raw but is escaped here: C1 controls, U+2028 and U+2029 (which
    Python's ``str.splitlines`` and JavaScript before ES2019 take for line breaks), and the
    bidirectional controls and invisible characters of :mod:`kbtool.textsafe` (which make
    text display differently from what it holds). They occur only inside strings, where the
    escape is the same string; so a line is a line for every reader, nothing is hidden from
    a person reading it, and stdout (which the command line escapes the same way) and
    ``--out FILE`` get the same bytes."""
    from kbtool.textsafe import BIDI_CONTROLS, INVISIBLE

    return re.compile(f"[\x80-\x9f{BIDI_CONTROLS}{INVISIBLE}]")


_ESCAPED = _escaped()


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # a UTF-16 surrogate pair, as JSON spells characters beyond the BMP
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def lines(collection: Collection, repository: str | None = None) -> Iterator[str]:
    """Every line of the export, in KB order."""
    for record in collection.records:
        yield dumps(line_data(record, repository))
