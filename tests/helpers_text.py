"""Test helpers for text output: golden files, and Markdown as markdown-it-py tokens."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

#: ``KBTOOL_UPDATE_GOLDEN=1 pytest …`` rewrites the golden files instead of comparing.
UPDATE = bool(os.environ.get("KBTOOL_UPDATE_GOLDEN"))
GOLDEN = Path(__file__).resolve().parent / "golden"


def check_golden(path: Path, text: str) -> None:
    """``text`` must equal the golden file at ``path`` (rewritten when UPDATE is set)."""
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), (
        f"golden {path.name} differs (KBTOOL_UPDATE_GOLDEN=1 rewrites it)"
    )


def markdown_tokens(text: str) -> list[Any]:
    """Every block and inline token CommonMark (with tables and HTML) parses ``text`` into."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    out = []
    for token in md.parse(text):
        out.append(token)
        out.extend(token.children or [])
    return out
