"""Snippets of search hits, made from the entries' XML when they are shown.

The full-text tables are contentless (the text is kept once, in the XML files), so FTS5's
``snippet()`` has no text to cut from. For the few entries a search shows, this module reads
each one's element from its file (the index said where, and that the file is unchanged),
takes the text of its fields without a full XML parse (lxml's import alone costs more than
a whole search), and lets ``snippet()`` work on an in-memory table of just those entries,
with the columns and tokenizer the index uses. The text is for display only: a field it
cannot find is empty, never an error.
"""

from __future__ import annotations

import functools
import os
import re
import sqlite3
from collections.abc import Sequence

from kbtool.config import Config
from kbtool.confine import read_regular
from kbtool.search.indexschema import TOKENIZER

#: The columns snippets are made from: the entry's fields as the search language names them.
COLUMNS = ("title", "symptoms", "description", "tags", "category", "body")
MAX_ENTRY_CHARS = 1 << 20

_FIELD = re.compile(r"<(title|category|description)\b[^>]*>(.*?)</\1\s*>", re.S)
_SYMPTOM = re.compile(r"<symptom\b[^>]*>(.*?)</symptom\s*>", re.S)
_TAG = re.compile(r"<tag\b[^>]*>(.*?)</tag\s*>", re.S)
_REFERENCES = re.compile(r"<references\b[^>]*>(.*?)</references\s*>", re.S)
_MARKUP = re.compile(r"<!\[CDATA\[(.*?)\]\]>|<!--.*?-->|<\?.*?\?>|<[^>]*>", re.S)
_ENTITY = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|lt|gt|amp|quot|apos);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


@functools.cache
def _body() -> re.Pattern[str]:
    """The body elements (``kbtool.fields.BODY_TAGS``), read when a snippet needs them."""
    from kbtool.fields import BODY_TAGS

    names = "|".join(re.escape(t) for t in sorted(BODY_TAGS))
    return re.compile(rf"<({names})\b[^>]*>(.*?)</\1\s*>", re.S)


def _entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name in _NAMED:
        return _NAMED[name]
    try:
        code = int(name[2:], 16) if name[1] == "x" else int(name[1:])
        return chr(code)
    except (ValueError, OverflowError):
        return " "


def text_of(xml: str, between: str = "") -> str:
    """The character data of an XML fragment: CDATA kept, markup and comments left out
    (replaced by ``between``)."""
    plain = _MARKUP.sub(lambda m: m.group(1) or between, xml)
    return _ENTITY.sub(_entity, plain)


def fields_of(element: str) -> dict[str, str]:
    """The text of an entry's fields (:data:`COLUMNS`) from its ``<learning>`` element."""
    out = dict.fromkeys(COLUMNS, "")
    for name, inner in _FIELD.findall(element):
        if not out[name]:
            out[name] = text_of(inner)
    out["symptoms"] = "\n".join(text_of(s) for s in _SYMPTOM.findall(element))
    out["tags"] = " ".join(text_of(t) for t in _TAG.findall(element))
    # As the index reads them: a step's prose and its <code> abut with no space between.
    body = [
        text_of(inner, "\n" if name == "solution" else "")
        for name, inner in _body().findall(element)
    ]
    body += [text_of(inner) for inner in _REFERENCES.findall(element)]
    out["body"] = "\n".join(body)
    return out


def _read(config: Config, rel: str) -> bytes | None:
    """A KB file's bytes: inside the root, no link at its end, a regular file under the cap."""
    if rel.startswith("/") or ".." in rel.split("/"):
        return None
    root = str(config.root)
    real = os.path.realpath(os.path.join(root, rel))  # noqa: PTH118
    if not real.startswith(root + os.sep):
        return None
    try:
        return read_regular(real, config.max_file_bytes)
    except OSError:
        return None


def element_at(data: bytes, line: int, entry_id: str) -> str:
    """The ``<learning>`` element with ``entry_id`` that starts on ``line`` (1-based), as
    text; "" when it is not there."""
    wanted = entry_id.encode("utf-8", errors="replace")
    at = 0
    while True:
        at = data.find(wanted, at)
        if at < 0:
            return ""
        start = data.rfind(b"<learning", 0, at)
        at += len(wanted)
        if start < 0 or data.count(b"\n", 0, start) + 1 != line:
            continue
        tag_end = data.find(b">", start)
        quotes = (b'"', b"'")
        opening = data[at - len(wanted) - 1 : at - len(wanted)]
        if not (start < at <= tag_end) or data[at : at + 1] not in quotes or opening not in quotes:
            continue
        end = data.find(b"</learning>", tag_end)
        if end < 0 or end - start > MAX_ENTRY_CHARS:
            return ""
        return data[start:end].decode("utf-8", errors="replace")


def snippets(
    config: Config,
    rows: Sequence[tuple[int, str, int, str]],
    expression: str,
    snippet_sql: str,
) -> dict[int, str]:
    """Raw snippets (markers as ``snippet_sql`` puts them) of the rows (rowid, path, line,
    id) for an FTS5 ``expression`` over :data:`COLUMNS`; rows it does not match have none."""
    if not rows or not expression:
        return {}
    files: dict[str, bytes | None] = {}
    texts = []
    for rowid, rel, line, entry_id in rows:
        if rel not in files:
            files[rel] = _read(config, rel)
        text = files[rel]
        element = element_at(text, line, entry_id) if text else ""
        if element:
            fields = fields_of(element)
            texts.append((rowid, *(fields[c] for c in COLUMNS)))
    if not texts:
        return {}
    db = sqlite3.connect(":memory:")
    try:
        db.execute(
            f"CREATE VIRTUAL TABLE entries_fts USING fts5({', '.join(COLUMNS)}, "
            f"tokenize = '{TOKENIZER}')"
        )
        db.executemany(
            f"INSERT INTO entries_fts (rowid, {', '.join(COLUMNS)}) "  # noqa: S608
            f"VALUES (?{', ?' * len(COLUMNS)})",
            texts,
        )
        found = db.execute(
            f"SELECT rowid, {snippet_sql} FROM entries_fts WHERE entries_fts MATCH ?",  # noqa: S608
            (expression,),
        ).fetchall()
    except sqlite3.Error:
        return {}
    finally:
        db.close()
    return {rowid: raw for rowid, raw in found}


@functools.cache
def _fix_patterns() -> tuple[re.Pattern[str], ...]:
    """A solution, its step, code in it, a cause: compiled for fix summaries (match) only."""
    return (
        re.compile(r"<solution\b[^>]*>(.*?)</solution\s*>", re.S),
        re.compile(r"<step\b[^>]*>(.*?)</step\s*>", re.S),
        re.compile(r"<code\b[^>]*>.*?</code\s*>", re.S),
        re.compile(r"<cause\b[^>]*>(.*?)</cause\s*>", re.S),
    )


def fix_summaries(
    config: Config, rows: Sequence[tuple[str, int, str]], most_chars: int = 400
) -> dict[str, str]:
    """What to do, in one line, for each row (path, line, id): the prose of the entry's first
    solution step (its code left out), else its first root cause; at most ``most_chars``.
    Read like snippets, without a full XML parse; an entry it cannot find has none."""
    files: dict[str, bytes | None] = {}
    out: dict[str, str] = {}
    solution_re, step_re, code_re, cause_re = _fix_patterns()
    for rel, line, entry_id in rows:
        if rel not in files:
            files[rel] = _read(config, rel)
        data = files[rel]
        element = element_at(data, line, entry_id) if data else ""
        solution = solution_re.search(element)
        step = step_re.search(solution.group(1)) if solution else None
        found = code_re.sub(" ", step.group(1)) if step else ""
        if not found.strip():
            cause = cause_re.search(element)
            found = cause.group(1) if cause else ""
        text = " ".join(text_of(found).split())
        if len(text) > most_chars:
            text = text[: most_chars - 1].rsplit(" ", 1)[0] + "…"
        if text:
            out[entry_id] = text
    return out
