"""Reading one XML file for the index: its stamp, and the rows of its entries.

The writer (:mod:`kbtool.search.index`) and its worker processes
(:mod:`kbtool.search.indexworker`) both read files through :func:`read_file`; the rows are
plain tuples, so they travel between processes as :mod:`marshal` data.
"""

from __future__ import annotations

from pathlib import Path

from kbtool.records import NamedTuple

TYPE_CHECKING = False  # typing is imported for the type checker only (start-up)
if TYPE_CHECKING:
    from typing import Any

if TYPE_CHECKING:
    from kbtool.entryview import EntryView


class Stat(NamedTuple):
    size: int
    mtime_ns: int


class FileData(NamedTuple):
    """One file read: its stamp, and the rows of its entries ready to insert, numbered from 0
    (the writer adds the file's first rowid: :func:`_numbered`)."""

    rel: str
    stat: Stat
    sha256: str
    error: str | None
    rows: Rows


#: A file to read: relative path, path, stamp.
Todo = tuple[str, str, Stat]


class Rows(NamedTuple):
    entries: list[tuple[Any, ...]]
    head: list[tuple[Any, ...]]
    body: list[tuple[Any, ...]]
    tags: list[tuple[Any, ...]]
    symptoms: list[tuple[Any, ...]]
    refs: list[tuple[Any, ...]]


NO_ROWS = Rows([], [], [], [], [], [])


def read_file(root: Path, max_bytes: int, path: str, rel: str, stat: Stat) -> FileData:
    """Load one XML file safely; the rows of its entries, numbered from 0."""
    import hashlib

    from kbtool.entryview import read_entry
    from kbtool.safexml import load_xml

    source = load_xml(Path(path), root, max_bytes)
    digest = hashlib.sha256(source.data).hexdigest()
    if source.root is None:
        first = source.diagnostics[0] if source.diagnostics else None
        problem = f"{first.code} {first.message}" if first else "unreadable"
        return FileData(rel, stat, digest, problem, NO_ROWS)
    box = source.root.find("learnings") if source.root.tag == "specification" else None
    if box is None:
        problem = "not a <specification> file with <learnings>"
        return FileData(rel, stat, digest, problem, NO_ROWS)
    entries = [read_entry(e) for e in box.iterchildren("learning")]
    return FileData(rel, stat, digest, None, entry_rows(rel, entries))


def entry_rows(rel: str, entries: list[EntryView]) -> Rows:
    """The rows of a file's entries. Short fields are kept with white space collapsed."""
    from kbtool.search.errortext import line_keys

    rows = Rows([], [], [], [], [], [])
    for rowid, e in enumerate(entries):
        title, category = " ".join(e.title.split()), " ".join(e.category.split())
        tags = [" ".join(t.split()) for t in e.tags]
        tag_text = " ".join(tags)
        symptom_text = "\n".join(text for text, _ in e.symptoms)
        rows.entries.append(
            (
                rowid,
                e.id,
                rel,
                e.line,
                title,
                category,
                e.severity,
                "active" if e.status is None else e.status,
                " ".join(e.date.split()),
                " ".join(e.review_by.split()) or None,
                tag_text,
                e.versions,
            )
        )
        rows.head.append((rowid, title, symptom_text, tag_text, category))
        rows.body.append((rowid, f"{e.description}\n{e.body}"))
        rows.tags.extend((rowid, t.lower()) for t in tags)
        rows.refs.extend((rowid, r.kind, r.target, r.label, r.line) for r in e.links)
        for text, versions in e.symptoms:
            for line in [ln for ln in text.splitlines() if ln.strip()][:5]:
                sig, message, found = line_keys(line)
                rows.symptoms.append(
                    (rowid, text, versions, sig, message, " ".join(sorted(found)))
                )  # sorted: a set's order changes from run to run; the index must not
    return rows
