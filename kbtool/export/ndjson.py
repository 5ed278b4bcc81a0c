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

import json
from collections.abc import Iterator
from typing import Any

from kbtool.export.records import Collection, Record

LEARNING_SCHEMA_ID = "https://kbtool.dev/spec/learning.schema.json"

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
        "learning": {"$ref": f"{LEARNING_SCHEMA_ID}#/$defs/Learning"},
    },
}


def line_data(record: Record, repository: str | None = None) -> dict[str, Any]:
    """One line as data (``repository`` first, when given)."""
    head = {"repository": repository} if repository else {}
    return {**head, "path": record.path, "line": record.line, "learning": record.data()}


#: Characters JSON leaves raw that some readers take for a line break (Python's
#: ``str.splitlines``, JavaScript before ES2019): written as ``\uXXXX`` escapes, so a line
#: is a line for every reader. They occur only inside strings, where the escape is the same.
_LINE_BREAKS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_LINE_BREAK_TABLE = str.maketrans(_LINE_BREAKS)


def dumps(data: dict[str, Any]) -> str:
    """One line as text, newline included: deterministic (model order, no spaces), UTF-8
    but for the characters some readers split lines at."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.translate(_LINE_BREAK_TABLE) + "\n"


def lines(collection: Collection, repository: str | None = None) -> Iterator[str]:
    """Every line of the export, in KB order."""
    for record in collection.records:
        yield dumps(line_data(record, repository))
