"""The Datasette metadata written beside an SQLite export (``NAME.metadata.json``).

With it, ``datasette serve --immutable NAME.db --metadata NAME.metadata.json`` opens the
entries faceted by category, severity, status and tags (``tags`` is a JSON array: an array
facet), newest first, with column descriptions; the search box comes from the database
itself (``entries_fts`` is declared with ``content="entries"``). Datasette names a database
after its file's stem, so the metadata names it the same way.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kbtool.export.sqlite import ENTRY_COLUMNS

#: The facets Datasette opens ``entries`` with.
ENTRY_FACETS: list[Any] = ["category", "severity", "status", {"array": "tags"}]


def metadata_path(database: Path) -> Path:
    """``learnings.db`` → ``learnings.metadata.json`` (beside it)."""
    return database.with_name(f"{database.stem}.metadata.json")


def metadata(database: Path, entries: int, repository: str | None = None) -> dict[str, Any]:
    """Datasette metadata (0.6x ``--metadata``) for the export at ``database``."""
    return {
        "title": f"Learnings of {repository}" if repository else "Learnings",
        "description": (
            f"A kbtool export: {entries} entries from a knowledge base of learnings from bugs"
        ),
        "databases": {
            database.stem: {
                "tables": {
                    "entries": {
                        "description": "One row an entry; search reads title, symptoms, "
                        "description, the rest of its text and its tags",
                        "facets": ENTRY_FACETS,
                        "sort_desc": "date",
                        "label_column": "title",
                        "columns": ENTRY_COLUMNS,
                    },
                    "symptoms": {"description": "Each symptom of each entry"},
                    "tags": {"description": "Each tag and how many entries carry it"},
                    "entry_tags": {"description": "Which entry carries which tag"},
                    "links": {
                        "description": "Entry to entry, entry to fix report or URL, and "
                        "fix report to entry",
                        "facets": ["kind", "resolved"],
                    },
                    "fix_reports": {
                        "description": "Markdown fix reports",
                        "label_column": "title",
                    },
                    "fix_report_sections": {
                        "description": "Each section of each fix report, as written",
                        "label_column": "heading",
                        "facets": ["report"],
                    },
                    "kbtool_export": {"description": "What wrote this file"},
                }
            }
        },
    }


def metadata_bytes(database: Path, entries: int, repository: str | None = None) -> bytes:
    data = metadata(database, entries, repository)
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
