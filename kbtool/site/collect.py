"""What the site shows, as plain data: entries, their backlinks, fix reports, tags, edges.

Everything here is text from the KB (pull-request content); it is escaped by the templates
(autoescape) and by :mod:`kbtool.site.safehtml`, never trusted as markup.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from kbtool import fields
from kbtool.config import Config
from kbtool.ids import ID_RE

SEVERITY_ORDER = fields.SEVERITIES


@dataclass
class SiteEntry:
    """One entry with what its page needs."""

    id: str
    data: dict[str, Any]  # kbtool.entry_xml.learning_data
    file: str  # root-relative XML file
    line: int
    backlinks: list[dict[str, Any]] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)  # root-relative report paths
    #: Its text as kbtool search indexes it: the short fields (HEAD_COLUMNS), the long ones.
    head: tuple[str, ...] = ()
    body: str = ""

    @property
    def url(self) -> str:
        return entry_url(self.id)


@dataclass
class SiteData:
    entries: list[SiteEntry]
    reports: dict[str, str]  # root-relative path -> Markdown text (front matter removed)
    edges: list[tuple[str, str, str]]  # (source node, target node, kind), sorted
    skipped: list[str]  # why entries were left out (bad or duplicate ids)


def entry_url(entry_id: str) -> str:
    """Site-relative path of an entry's page (ids are safe file names: kbtool.ids)."""
    return f"e/{entry_id}.html"


_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """A file-name-safe slug; text that loses characters gets 8 hex of its hash, so two
    tags never share a page."""
    plain = _SLUG.sub("-", text.lower()).strip("-")[:60] or "tag"
    if plain != text:
        plain += "-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    return plain


def tag_url(tag: str) -> str:
    return f"t/{slug(tag)}.html"


def category_anchor(category: str) -> str:
    return "c-" + slug(category)


def collect(config: Config) -> SiteData:
    """Load the KB, its link graph and its fix reports."""
    from kbtool.entry_xml import learning_data
    from kbtool.entryview import read_entry
    from kbtool.kb import KnowledgeBase
    from kbtool.reports.links import build_graph
    from kbtool.search.indexread import entry_rows

    kb = KnowledgeBase.load(config)
    graph = build_graph(config, kb, use_cache=False)
    entries: list[SiteEntry] = []
    seen: set[str] = set()
    skipped: list[str] = []
    for ref in kb.entries():
        rel = _rel(config, ref.source.path)
        if not ID_RE.match(ref.id):
            skipped.append(f"{rel}:{ref.line}: invalid id {ref.id[:80]!r}")
            continue
        if ref.id in seen:
            skipped.append(f"{rel}:{ref.line}: duplicate id {ref.id!r}")
            continue
        seen.add(ref.id)
        rows = entry_rows(rel, [read_entry(ref.element)])
        entry = SiteEntry(
            ref.id,
            learning_data(ref.element),
            rel,
            ref.line,
            head=rows.head[0][1:],
            body=rows.body[0][1],
        )
        entry.backlinks = [b.to_dict() for b in graph.backlinks(ref.id)]
        entry.reports = [r for r in graph.report_targets(ref.id) if r in graph.reports]
        for b in entry.backlinks:
            if b["kind"] == "report" and b["source"] not in entry.reports:
                entry.reports.append(b["source"])
        entries.append(entry)
    reports = {rel: _report_text(config, rel) for e in entries for rel in e.reports}
    edges = sorted({(e.source, e.target, e.kind) for e in graph.edges() if e.resolved})
    return SiteData(entries, dict(sorted(reports.items())), edges, skipped)


def _rel(config: Config, path: Any) -> str:
    try:
        return PurePosixPath(path.relative_to(config.root).as_posix()).as_posix()
    except ValueError:
        return str(path)


def _report_text(config: Config, rel: str) -> str:
    """A report's Markdown without its front matter ("" when unreadable)."""
    from kbtool.reports.parser import read_report

    report = read_report(config.root / rel, config)
    if report.errors:
        return ""
    lines = report.lines
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), 0)
        lines = lines[end + 1 :] if end else lines
    return "\n".join(lines)
