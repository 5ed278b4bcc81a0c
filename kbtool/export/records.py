"""The knowledge base as export records: each entry as the model sees it, where it stands,
and the link graph between entries and fix reports.

Only the library's own readers are used: :class:`kbtool.kb.KnowledgeBase` (hardened XML),
:func:`kbtool.entry_xml.learning_from_element` (the model of ``spec/learning.schema.json``)
and :func:`kbtool.reports.links.build_graph` (links and fix reports). An entry the model
rejects, or a second entry with an id already exported, is skipped and said so: every record
exported is valid against the schema, and ids are unique.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kbtool.config import Config
    from kbtool.model import Learning
    from kbtool.reports.links import LinkGraph
    from kbtool.search.fulltext import Filters


#: The ``$id`` of spec/learning.schema.json (kbtool.model.json_schema), and where an
#: exported entry's shape is defined in it.
LEARNING_SCHEMA_ID = "https://kbtool.dev/spec/learning.schema.json"
LEARNING_REF = f"{LEARNING_SCHEMA_ID}#/$defs/Learning"


@dataclass(frozen=True)
class Record:
    """One exported entry: the model, its file (root-relative, POSIX) and line."""

    learning: Learning
    path: str
    line: int

    def data(self) -> dict[str, Any]:
        """The entry as JSON data in the shape of ``#/$defs/Learning``."""
        data: dict[str, Any] = self.learning.model_dump(mode="json")
        return data


@dataclass(frozen=True)
class Skipped:
    """Something that was not exported, and why."""

    path: str
    line: int
    message: str

    def format(self) -> str:
        from kbtool.textsafe import sanitize

        return f"{sanitize(self.path)}:{self.line}: {sanitize(self.message)}"


@dataclass
class Collection:
    """What an export writes: the records in KB order (files sorted, then document order)."""

    config: Config
    records: list[Record] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    graph: LinkGraph | None = None  # with with_links only
    filtered: bool = False  # filters chose the entries (else: every entry that could be read)


def collect(
    config: Config, filters: Filters | None = None, *, with_links: bool = False
) -> Collection:
    """Read the KB at ``config`` into records; ``filters`` (those of ``kbtool list``) narrow
    the entries; ``with_links`` also builds the link graph (fix reports included)."""
    from pydantic import ValidationError

    from kbtool.entry_xml import learning_from_element
    from kbtool.kb import KnowledgeBase, entries_of

    kb = KnowledgeBase.load(config)
    out = Collection(config)
    for finding in kb.walk_findings:
        out.skipped.append(Skipped(finding.path, finding.line, f"{finding.code} {finding.message}"))
    wanted = _wanted(config, filters)
    out.filtered = wanted is not None
    seen: dict[str, str] = {}
    for source in kb.sources:
        rel = _relative(config, source.path)
        for finding in source.diagnostics:
            out.skipped.append(
                Skipped(rel, finding.line, f"not exported: {finding.code} {finding.message}")
            )
        for ref in entries_of(source):
            if wanted is not None and (rel, ref.id) not in wanted:
                continue
            if ref.id in seen:
                out.skipped.append(
                    Skipped(
                        rel,
                        ref.line,
                        f"entry {ref.id!r} not exported: its id is "
                        f"already taken by the entry in {seen[ref.id]}",
                    )
                )
                continue
            try:
                learning = learning_from_element(ref.element)
            except (ValidationError, ValueError) as exc:
                first = str(exc).splitlines()[1:2] or [str(exc)]
                out.skipped.append(
                    Skipped(
                        rel,
                        ref.line,
                        f"entry {ref.id!r} not exported: it does not fit "
                        f"the schema ({first[0].strip()}); 'kbtool validate' says why",
                    )
                )
                continue
            seen[learning.id] = f"{rel}:{ref.line}"
            out.records.append(Record(learning, rel, ref.line))
    if with_links:
        from kbtool.reports.links import build_graph

        out.graph = build_graph(config, kb, use_cache=False)
    return out


def _relative(config: Config, path: Path) -> str:
    try:
        return path.relative_to(config.root).as_posix()
    except ValueError:
        return path.as_posix()


def _wanted(config: Config, filters: Filters | None) -> set[tuple[str, str]] | None:
    """(path, id) of the entries ``kbtool list`` shows with these filters; None: all."""
    if filters is None or not filters.where()[0]:
        return None
    from kbtool.search.listing import list_entries

    return {(row.path, row.id) for row in list_entries(config, filters)}
