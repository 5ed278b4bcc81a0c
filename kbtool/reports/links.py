"""Two-way links between entries and Markdown fix reports: the link graph and its checks.

An entry points at a report with ``<fix-report href="reports/x.md#anchor">`` (relative to
its XML file; see CONTRIBUTING.md, "Links"). A report points at entries by path relative to
the KB root (``learnings/x.xml``, legacy prefixes through ``Config.path_map``), by
``x.xml#id``, by a Markdown link relative to the report, or by bare id.

Library use::

    graph = build_graph(config)
    graph.backlinks("async-context-manager-depends")   # [Backlink(kind, source, path, line)]
    graph.findings()                                    # [(path, line, col, code, message)]

A mention of a file (no ``#id``) resolves when the file exists; it counts as mentioning every
entry of that file for KB405, but only a mention of an id asks that entry to link back (KB404).
A bare id counts only when an entry has it (any hyphenated word could be one).
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path, PurePosixPath

from kbtool.diagnostics import Diagnostic
from kbtool.ids import ID_PATTERN, ID_RE  # the one id rule (\Z, not $: "abc\n" is no id)
from kbtool.records import FrozenRecord, Record
from kbtool.reports.files import walk_reports

TYPE_CHECKING = False  # typing is imported for the type checker only (start-up)
if TYPE_CHECKING:
    import sqlite3
    from typing import Any

    from markdown_it.tree import SyntaxTreeNode

    from kbtool.config import Config
    from kbtool.kb import KnowledgeBase
    from kbtool.reports.parser import FixReport

_XML_PATH = re.compile(
    rf"(?<![\w.~-])((?:[\w.~-]+/)*[\w.~-]+\.xml)(?:#({ID_PATTERN[1:-1]}))?(?![\w/])"
)
_HYPHEN_WORD = re.compile(r"(?<![\w/.#-])([a-z0-9]+(?:-[a-z0-9]+)+)(?![\w/-])")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
CACHE_VERSION = 3  # 2: signed (kbtool.cachefs); 3: relative paths in prose, bold-line titles


# ------------------------------------------------------------------ data


class EntryNode(FrozenRecord):
    __slots__ = _fields = ("id", "file", "line", "col", "title")
    id: str
    file: str  # POSIX path relative to the KB root
    line: int
    col: int
    title: str

    def __init__(self, id: str, file: str, line: int, col: int = 0, title: str = "") -> None:
        self._set(id=id, file=file, line=line, col=col, title=title)


class Href(FrozenRecord):
    """A non-learning reference of an entry: ``<fix-report|link|issue href>``."""

    __slots__ = _fields = ("entry_id", "kind", "target", "file", "line", "col")
    entry_id: str
    kind: str
    target: str
    file: str
    line: int
    col: int

    def __init__(
        self, entry_id: str, kind: str, target: str, file: str, line: int, col: int = 0
    ) -> None:
        self._set(entry_id=entry_id, kind=kind, target=target, file=file, line=line, col=col)


class Candidate(FrozenRecord):
    """Something in a report that may name an entry, before resolution."""

    __slots__ = _fields = ("kind", "text", "path", "entry_id", "line", "col")
    kind: str  # "path" (root-relative or mapped), "relpath" (relative to the report), "id"
    text: str  # as written
    path: str  # the path part ("" for kind "id")
    entry_id: str  # the id part ("" for a file-only mention)
    line: int
    col: int

    def __init__(self, kind: str, text: str, path: str, entry_id: str, line: int, col: int) -> None:
        self._set(kind=kind, text=text, path=path, entry_id=entry_id, line=line, col=col)


class Mention(FrozenRecord):
    """A resolved (or broken) mention of an entry or category file in a report."""

    __slots__ = _fields = (
        "report",
        "line",
        "col",
        "text",
        "file",
        "entry_id",
        "resolved",
        "problem",
    )
    report: str
    line: int
    col: int
    text: str
    file: str  # root-relative XML file, "" for a bare id
    entry_id: str  # "" for a file-only mention
    resolved: bool
    problem: str

    def __init__(
        self,
        report: str,
        line: int,
        col: int,
        text: str,
        file: str,
        entry_id: str,
        resolved: bool,
        problem: str = "",
    ) -> None:
        self._set(
            report=report,
            line=line,
            col=col,
            text=text,
            file=file,
            entry_id=entry_id,
            resolved=resolved,
            problem=problem,
        )


class ReportNode(Record):
    __slots__ = _fields = ("rel", "title", "anchors", "candidates", "mentions", "errors", "exists")
    rel: str
    title: str
    anchors: dict[str, int]
    candidates: list[Candidate]
    mentions: list[Mention]
    errors: list[tuple[int, int, str, str]]
    exists: bool

    def __init__(
        self,
        rel: str,
        title: str = "",
        anchors: dict[str, int] | None = None,
        candidates: list[Candidate] | None = None,
        mentions: list[Mention] | None = None,
        errors: list[tuple[int, int, str, str]] | None = None,
        exists: bool = True,
    ) -> None:
        self.rel = rel
        self.title = title
        self.anchors = {} if anchors is None else anchors
        self.candidates = [] if candidates is None else candidates
        self.mentions = [] if mentions is None else mentions
        self.errors = [] if errors is None else errors
        self.exists = exists


class Backlink(FrozenRecord):
    """Something that points at an entry: another entry or a report."""

    __slots__ = _fields = ("kind", "source", "path", "line", "label")
    kind: str  # "report", "learning", "supersedes"
    source: str  # report path or entry id
    path: str  # file holding the link (root-relative)
    line: int
    label: str

    def __init__(self, kind: str, source: str, path: str, line: int, label: str = "") -> None:
        self._set(kind=kind, source=source, path=path, line=line, label=label)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "source": self.source,
            "path": self.path,
            "line": self.line,
            "label": self.label,
        }


class Edge(FrozenRecord):
    __slots__ = _fields = ("source", "target", "kind", "path", "line", "resolved")
    source: str  # "entry:<id>" or "report:<path>"
    target: str
    kind: str  # fix-report, mentions, learning, supersedes, link, issue
    path: str
    line: int
    resolved: bool

    def __init__(
        self, source: str, target: str, kind: str, path: str, line: int, resolved: bool = True
    ) -> None:
        self._set(source=source, target=target, kind=kind, path=path, line=line, resolved=resolved)


Finding = tuple[str, int, int, str, str]  # (root-relative path, line, col, code, message)


# ------------------------------------------------------------------ report scanning


def inline_items(inline: SyntaxTreeNode, first: int) -> Iterator[tuple[str, str, int]]:
    """(kind, text, line) of text, code spans and link targets in an inline node."""
    line = first
    stack = list(reversed(inline.children))
    while stack:
        node = stack.pop()
        if node.type in ("softbreak", "hardbreak"):
            line += 1
        elif node.type == "text":
            yield "text", node.content, line
        elif node.type == "code_inline":
            yield "code", node.content, line
        elif node.type == "link":
            yield "href", str(node.attrs.get("href", "")), line
            stack.extend(reversed(node.children))
        elif node.children:
            stack.extend(reversed(node.children))


def _mapped_line(node: SyntaxTreeNode) -> int:
    current: SyntaxTreeNode | None = node
    while current is not None and not current.is_root:
        if current.map:
            return current.map[0]
        current = current.parent
    return 0


def _column(lines: list[str], line: int, text: str) -> int:
    if 1 <= line <= len(lines):
        found = lines[line - 1].find(text)
        if found >= 0:
            return found + 1
    return 1


def scan_report(report: FixReport) -> ReportNode:
    """The title, heading anchors and entry-mention candidates of a parsed report."""
    node = ReportNode(rel="", title=report.title, anchors=dict(report.anchors))
    node.errors = [(d.line, d.col, d.code, d.message) for d in report.errors]
    if report.root is None:
        return node
    seen: set[tuple[str, int]] = set()
    for inline in report.root.walk(include_self=False):
        if inline.type != "inline":
            continue
        base = _mapped_line(inline) + 1
        for kind, text, line in inline_items(inline, base):
            for cand in mention_candidates(kind, text, line, report.lines):
                key = (cand.text, cand.line)
                if key not in seen:
                    seen.add(key)
                    node.candidates.append(cand)
    return node


def mention_candidates(kind: str, text: str, line: int, lines: list[str]) -> Iterator[Candidate]:
    if kind == "href":
        if _URL.match(text) or not text:
            return
        path, _, anchor = text.partition("#")
        if path.endswith(".xml"):
            entry = anchor if ID_RE.match(anchor) else ""
            yield Candidate("relpath", text, path, entry, line, _column(lines, line, text))
        return
    for match in _XML_PATH.finditer(text):
        yield Candidate(
            # "../learnings/x.xml#id" in prose is relative to the report, as a link's href
            "relpath" if match.group(1).startswith(("./", "../")) else "path",
            match.group(0),
            match.group(1),
            match.group(2) or "",
            line,
            _column(lines, line, match.group(0)),
        )
    if kind == "code":
        stripped = text.strip()
        if ID_RE.match(stripped):
            yield Candidate("id", stripped, "", stripped, line, _column(lines, line, stripped))
        return
    for match in _HYPHEN_WORD.finditer(text):
        word = match.group(1)
        if len(word) <= 80:
            yield Candidate("id", word, "", word, line, _column(lines, line, word))


# ------------------------------------------------------------------ the graph


class LinkGraph:
    """Entries, reports and the links between them, with both-direction checks."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.entries: dict[str, EntryNode] = {}
        self.files: dict[str, list[str]] = {}  # XML file -> ids in it
        self.unreadable: list[tuple[str, str]] = []  # (file, why): from the index only
        self.hrefs: list[Href] = []
        self.entry_refs: list[tuple[str, str, str, str, int]] = []  # (from, to, kind, file, line)
        self.reports: dict[str, ReportNode] = {}
        self._findings: list[Finding] = []

    # -- building

    def add_file(self, rel: str) -> None:
        self.files.setdefault(rel, [])

    def add_entry(self, entry: EntryNode) -> None:
        self.files.setdefault(entry.file, []).append(entry.id)
        self.entries.setdefault(entry.id, entry)

    def add_ref(self, entry: EntryNode, kind: str, target: str, line: int, col: int = 0) -> None:
        if kind in ("learning", "supersedes"):
            self.entry_refs.append((entry.id, target, kind, entry.file, line))
        else:
            self.hrefs.append(Href(entry.id, kind, target, entry.file, line, col))

    def add_links(self, entry: EntryNode, links: Iterable[tuple[str, str, int]]) -> None:
        """An entry's ``(kind, target, line)`` references as written, supersedes last; a
        non-learning reference without a target is left out."""
        links = list(links)
        for kind, target, line in links:
            if kind != "supersedes" and (kind == "learning" or target):
                self.add_ref(entry, kind, target, line)
        for kind, target, line in links:
            if kind == "supersedes":
                self.add_ref(entry, kind, target, line)

    def _rel(self, path: Path) -> str | None:
        try:
            return Path(os.path.normpath(path)).relative_to(self.config.root).as_posix()
        except ValueError:
            return None

    def resolve_href(self, href: Href) -> tuple[str | None, str]:
        """(root-relative target, anchor) of an entry's href; (None, "") for URLs/outside."""
        if _URL.match(href.target):
            return None, ""
        path, _, anchor = href.target.partition("#")
        if not path:
            return href.file, anchor
        base = self.config.root / PurePosixPath(href.file).parent
        return self._rel(base / PurePosixPath(path)), anchor

    def load_reports(self, cache: ReportCache | None = None) -> None:
        """Scan every report: the reports folder plus every local ``.md`` an entry links to."""
        wanted = set(walk_reports(self.config))
        for href in self.hrefs:
            target, _ = self.resolve_href(href)
            if target and target.endswith(".md"):
                wanted.add(target)
        for rel in sorted(wanted):
            self.reports[rel] = _scan_file(self.config, rel, cache)
        self._resolve_mentions()

    def _map_path(self, path: str) -> str:
        for prefix, replacement in sorted(self.config.path_map.items(), key=lambda kv: -len(kv[0])):
            if path.startswith(prefix):
                return replacement + path[len(prefix) :]
        return path

    def _resolve_mentions(self) -> None:
        learnings = self._rel(self.config.learnings_dir) or ""
        prefix = learnings + "/" if learnings else ""
        for rel, report in self.reports.items():
            report.mentions = []
            for cand in report.candidates:
                mention = self._resolve(rel, cand, prefix)
                if mention is not None:
                    report.mentions.append(mention)

    def _resolve(self, rel: str, cand: Candidate, prefix: str) -> Mention | None:
        def mention(file: str, entry_id: str, problem: str = "") -> Mention:
            return Mention(
                rel, cand.line, cand.col, cand.text, file, entry_id, not problem, problem
            )

        if cand.kind == "id":
            return (
                mention(self.entries[cand.entry_id].file, cand.entry_id)
                if cand.entry_id in self.entries
                else None
            )
        if cand.kind == "relpath":
            base = self.config.root / PurePosixPath(rel).parent
            target = self._rel(base / PurePosixPath(cand.path))
            if target is None:
                return None
        else:
            target = os.path.normpath(self._map_path(cand.path)).replace(os.sep, "/")
            if "/" not in cand.path and target not in self.files:
                # a bare file name: ``x.xml#id`` names a file in the learnings folder
                target = prefix + target
                if not cand.entry_id and target not in self.files:
                    return None  # pom.xml, config.xml: not a KB file
        if not target.startswith(prefix) or target.startswith("../"):
            return None
        if target not in self.files:
            return mention(
                target,
                cand.entry_id,
                f"mentions {target}, which is not a file of the knowledge base",
            )
        if cand.entry_id and cand.entry_id not in self.files[target]:
            elsewhere = self.entries.get(cand.entry_id)
            where = f" (it is in {elsewhere.file})" if elsewhere else ""
            return mention(
                target,
                cand.entry_id,
                f"mentions {cand.text!r}: {target} has no entry {cand.entry_id!r}{where}",
            )
        return mention(target, cand.entry_id)

    # -- queries

    def report_targets(self, entry_id: str) -> list[str]:
        """Reports an entry links to with ``<fix-report href>``."""
        out = []
        for href in self.hrefs:
            if href.entry_id == entry_id and href.kind == "fix-report":
                target, _ = self.resolve_href(href)
                if target and target not in out:
                    out.append(target)
        return out

    def mentions_of(self, entry_id: str) -> list[Mention]:
        """Resolved mentions of an entry by id, in every report."""
        return [
            m
            for r in self.reports.values()
            for m in r.mentions
            if m.resolved and m.entry_id == entry_id
        ]

    def backlinks(self, entry_id: str) -> list[Backlink]:
        """Entries and reports that point at ``entry_id``, sorted by path and line."""
        out: dict[tuple[str, str, str], Backlink] = {}
        for src, dst, kind, file, line in self.entry_refs:
            if dst == entry_id and src != entry_id:
                key = (kind, src, file)
                if key not in out:
                    title = self.entries[src].title if src in self.entries else ""
                    out[key] = Backlink(kind, src, file, line, title)
        entry = self.entries.get(entry_id)
        for rel, report in self.reports.items():
            for m in report.mentions:
                if m.resolved and (
                    m.entry_id == entry_id
                    or (
                        not m.entry_id
                        and entry
                        and m.file == entry.file
                        and rel in self.report_targets(entry_id)
                    )
                ):
                    key = ("report", rel, rel)
                    if key not in out:
                        out[key] = Backlink("report", rel, rel, m.line, report.title)
        return sorted(out.values(), key=lambda b: (b.path, b.line, b.source))

    def edges(self) -> list[Edge]:
        out: list[Edge] = []
        for href in self.hrefs:
            target, _ = self.resolve_href(href)
            if target is None:
                continue
            node = f"report:{target}" if target.endswith(".md") else f"file:{target}"
            resolved = target in self.reports and self.reports[target].exists
            out.append(
                Edge(
                    f"entry:{href.entry_id}",
                    node,
                    href.kind,
                    href.file,
                    href.line,
                    resolved if target.endswith(".md") else True,
                )
            )
        for src, dst, kind, file, line in self.entry_refs:
            out.append(Edge(f"entry:{src}", f"entry:{dst}", kind, file, line, dst in self.entries))
        for rel, report in self.reports.items():
            done: set[str] = set()
            for m in report.mentions:
                target = f"entry:{m.entry_id}" if m.entry_id else f"file:{m.file}"
                if target in done:
                    continue
                done.add(target)
                out.append(Edge(f"report:{rel}", target, "mentions", rel, m.line, m.resolved))
        return out

    # -- checks

    def findings(self) -> list[Finding]:
        """KB401-KB406 findings, sorted."""
        out: list[Finding] = []
        for rel, report in self.reports.items():
            for line, col, code, message in report.errors:
                out.append((rel, line, col, code, message))
        self._check_hrefs(out)
        self._check_mentions(out)
        return sorted(set(out))

    def _check_hrefs(self, out: list[Finding]) -> None:
        for href in self.hrefs:
            target, anchor = self.resolve_href(href)
            if target is None or not target.endswith(".md"):
                continue
            report = self.reports.get(target)
            if report is None or not report.exists or report.errors:
                continue  # a missing file is KB306; an unreadable one KB406
            if anchor and anchor not in report.anchors:
                hint = _closest(anchor, report.anchors)
                out.append(
                    (
                        href.file,
                        href.line,
                        href.col,
                        "KB401",
                        f"<{href.kind} href={href.target!r}>: {target} has no heading "
                        f"with anchor #{anchor}{hint}",
                    )
                )
            if href.kind != "fix-report":
                continue
            entry = self.entries.get(href.entry_id)
            mentioned = any(
                m.resolved
                and (
                    m.entry_id == href.entry_id
                    or (not m.entry_id and entry is not None and m.file == entry.file)
                )
                for m in report.mentions
            )
            if not mentioned:
                out.append(
                    (
                        href.file,
                        href.line,
                        href.col,
                        "KB405",
                        f"fix report {target} does not mention entry {href.entry_id!r} "
                        f"(add a Related line naming {href.file}#{href.entry_id})",
                    )
                )

    def _check_mentions(self, out: list[Finding]) -> None:
        linked: set[tuple[str, str]] = set()
        for href in self.hrefs:
            if href.kind == "fix-report":
                target, _ = self.resolve_href(href)
                if target:
                    linked.add((href.entry_id, target))
        for rel, report in self.reports.items():
            asked: set[str] = set()
            for m in report.mentions:
                if not m.resolved:
                    code = "KB403" if m.entry_id and m.file in self.files else "KB402"
                    out.append((rel, m.line, m.col, code, m.problem))
                elif m.entry_id and m.entry_id not in asked and (m.entry_id, rel) not in linked:
                    asked.add(m.entry_id)
                    entry = self.entries[m.entry_id]
                    # The href as the entry writes it: relative to its XML file.
                    back = posixpath.relpath(rel, posixpath.dirname(entry.file) or ".")
                    out.append(
                        (
                            rel,
                            m.line,
                            m.col,
                            "KB404",
                            f"cites entry {m.entry_id!r}, which does not link back (add "
                            f'<fix-report href="{back}"/> to its <references> in '
                            f"{entry.file}:{entry.line})",
                        )
                    )

    def diagnostics(self) -> list[Diagnostic]:
        """:meth:`findings` as Diagnostics with display paths (severity from the code pages)."""
        from kbtool.diagnostics import Severity, display_path

        warnings = {"KB404", "KB405"}
        return [
            Diagnostic(
                display_path(self.config.root / PurePosixPath(p)),
                line,
                col,
                code,
                msg,
                Severity.WARNING if code in warnings else Severity.ERROR,
            )
            for p, line, col, code, msg in self.findings()
        ]

    # -- output

    def subgraph(self, entry_id: str) -> list[Edge]:
        """Edges that touch one entry (its reports and the entries it links with)."""
        node = f"entry:{entry_id}"
        entry = self.entries.get(entry_id)
        mine = {f"report:{t}" for t in self.report_targets(entry_id)}
        out = []
        for edge in self.edges():
            if node in (edge.source, edge.target) or (
                entry is not None and edge.target == f"file:{entry.file}" and edge.source in mine
            ):
                out.append(edge)
        return out

    def to_dict(self, entry_id: str | None = None) -> dict[str, Any]:
        edges = self.subgraph(entry_id) if entry_id else self.edges()
        nodes = _nodes(edges)
        if entry_id:
            nodes.add(f"entry:{entry_id}")
        entries = [
            {"id": e.id, "title": e.title, "path": e.file, "line": e.line}
            for key in sorted(nodes)
            if key.startswith("entry:")
            for e in [self.entries.get(key[6:]) or EntryNode(key[6:], "", 0)]
        ]
        reports = [
            {
                "path": key[7:],
                "title": self.reports[key[7:]].title if key[7:] in self.reports else "",
                "exists": key[7:] in self.reports and self.reports[key[7:]].exists,
            }
            for key in sorted(nodes)
            if key.startswith("report:")
        ]
        return {
            "entries": entries,
            "reports": reports,
            "edges": [
                {
                    "from": e.source,
                    "to": e.target,
                    "kind": e.kind,
                    "path": e.path,
                    "line": e.line,
                    "resolved": e.resolved,
                }
                for e in edges
            ],
        }


def _nodes(edges: Iterable[Edge]) -> set[str]:
    out: set[str] = set()
    for e in edges:
        out.update((e.source, e.target))
    return out


def _closest(anchor: str, anchors: Iterable[str]) -> str:
    import difflib

    names = sorted(anchors)
    match = [a for a in names if a.startswith(anchor)][:1] or difflib.get_close_matches(
        anchor, names, n=1
    )
    return f" (did you mean #{match[0]}?)" if match else ""


# ------------------------------------------------------------------ reading reports


class ReportCache:
    """Scanned reports by content hash, kept in ``<cache>/links-reports.json``.

    Signed like the validation cache (:mod:`kbtool.cachefs`): a copy that arrives with a
    pull request cannot make a broken report look clean. Without a signing secret, or in an
    unsafe cache folder, nothing is read or written."""

    MAX_BYTES = 16 * 1024 * 1024

    def __init__(self, config: Config) -> None:
        from kbtool import cachefs

        self.root, self.folder = config.root, config.cache_dir
        self.path = config.cache_dir / "links-reports.json"
        self.data: dict[str, Any] = {}
        self.used: dict[str, Any] = {}
        self.dirty = False
        safe = cachefs.unsafe_reason(config.root, config.cache_dir) is None
        self.secret = cachefs.secret(config.root) if safe else None
        if self.secret is None:
            return
        body = cachefs.unseal(self.secret, cachefs.read_cache_file(self.path, self.MAX_BYTES))
        try:
            raw = json.loads(body) if body is not None else None
        except ValueError:
            raw = None
        if isinstance(raw, dict) and raw.get("version") == _cache_key():
            reports = raw.get("reports", {})
            self.data = reports if isinstance(reports, dict) else {}

    def get(self, digest: str) -> ReportNode | None:
        row = self.data.get(digest)
        if not isinstance(row, dict):
            return None
        try:
            node = ReportNode(
                rel="",
                title=row["title"],
                anchors=dict(row["anchors"]),
                candidates=[Candidate(*c) for c in row["candidates"]],
                errors=[tuple(e) for e in row["errors"]],
            )
        except (KeyError, TypeError, ValueError):
            return None
        self.used[digest] = row
        return node

    def put(self, digest: str, node: ReportNode) -> None:
        self.used[digest] = {
            "title": node.title,
            "anchors": node.anchors,
            "candidates": [
                [c.kind, c.text, c.path, c.entry_id, c.line, c.col] for c in node.candidates
            ],
            "errors": [list(e) for e in node.errors],
        }
        self.dirty = True

    def save(self) -> None:
        if not self.dirty and set(self.used) == set(self.data):
            return
        from kbtool import cachefs
        from kbtool.atomic import atomic_write

        if self.secret is None or cachefs.cache_folder(self.root, self.folder, create=True) is None:
            return
        try:
            payload = {"version": _cache_key(), "reports": self.used}
            body = json.dumps(payload, sort_keys=True).encode("utf-8")
            atomic_write(self.path, cachefs.seal(self.secret, body))
        except OSError:
            pass


def _cache_key() -> str:
    from kbtool import __version__

    return f"{CACHE_VERSION}:{__version__}"


def _scan_file(config: Config, rel: str, cache: ReportCache | None) -> ReportNode:
    from kbtool.safexml import read_capped

    path = config.root / PurePosixPath(rel)
    if not os.path.lexists(path):
        return ReportNode(rel=rel, exists=False)
    data = read_capped(path, config.root, config.max_file_bytes)
    if isinstance(data, Diagnostic):
        if data.code == "KB100" and not path.exists():
            return ReportNode(rel=rel, exists=False)
        return ReportNode(
            rel=rel,
            errors=[(data.line, data.col, "KB406", f"cannot read the report: {data.message}")],
        )
    from kbtool import cachefs

    digest = cachefs.sha256_hex(data)  # no OpenSSL at start-up (kbtool show)
    cached = cache.get(digest) if cache is not None else None
    if cached is not None:
        cached.rel = rel
        return cached
    # Only a report the cache does not know is parsed: the parser and what it imports
    # (markdown-it, the escaping rules) cost more than the rest of ``kbtool links``.
    from kbtool.reports.parser import decode, parse_report

    text, errors = decode(data, rel)
    if errors:
        node = ReportNode(rel=rel, errors=[(d.line, d.col, d.code, d.message) for d in errors])
    else:
        node = scan_report(parse_report(text, rel))
        node.rel = rel
    if cache is not None:
        cache.put(digest, node)
    return node


# ------------------------------------------------------------------ building


def build_graph(
    config: Config, kb: KnowledgeBase | None = None, *, use_cache: bool = True
) -> LinkGraph:
    """The link graph of a KB: every entry, its references, and every report."""
    from kbtool.entryview import read_entry
    from kbtool.kb import KnowledgeBase, entries_of

    kb = kb or KnowledgeBase.load(config)
    graph = LinkGraph(config)
    for source in kb.sources:
        rel = graph._rel(source.path)
        if rel is None:
            continue
        graph.add_file(rel)
        for ref in entries_of(source):
            entry = EntryNode(ref.id, rel, ref.line, 0, ref.title)
            graph.add_entry(entry)
            links = read_entry(ref.element, texts=False, links=True).links
            graph.add_links(entry, ((x.kind, x.target, x.line) for x in links))
    return _with_reports(graph, use_cache=use_cache)


def _with_reports(graph: LinkGraph, *, use_cache: bool = True) -> LinkGraph:
    """``graph`` with the KB's reports read into it (through the report cache)."""
    cache = ReportCache(graph.config) if use_cache else None
    graph.load_reports(cache)
    if cache is not None:
        cache.save()
    return graph


def graph_from_index(config: Config, notice: Callable[[str], None] | None = None) -> LinkGraph:
    """:func:`build_graph` from the search index: the same graph, without parsing the KB's
    files (``kbtool links`` reads no XML when the index is fresh). The files the index could
    not read are in ``graph.unreadable``."""
    from kbtool.search.index import query_index
    from kbtool.search.unreadable import unreadable_in

    def read(
        conn: sqlite3.Connection,
    ) -> tuple[list[Any], list[Any], list[Any], list[tuple[str, str]]]:
        files = conn.execute("SELECT path FROM files ORDER BY path").fetchall()
        entries = conn.execute(
            "SELECT rowid, id, path, line, title FROM entries ORDER BY path, line, rowid"
        ).fetchall()
        # refs holds only live entries' rows (an update deletes a changed file's)
        refs = conn.execute(
            "SELECT entry, kind, target, line FROM refs ORDER BY entry, rowid"
        ).fetchall()
        return files, entries, refs, unreadable_in(conn)

    files, entries, refs, unreadable = query_index(
        config, read, empty=lambda got: not got[0], notice=notice
    )
    links: dict[int, list[tuple[str, str, int]]] = {}
    for entry, kind, target, line in refs:
        links.setdefault(entry, []).append((kind, target, line))
    graph = LinkGraph(config)
    for (path,) in files:
        graph.add_file(path)
    for rowid, entry_id, path, line, title in entries:
        node = EntryNode(entry_id, path, line, 0, title)  # the index collapsed its spaces
        graph.add_entry(node)
        graph.add_links(node, links.get(rowid, []))
    graph.unreadable = unreadable
    return _with_reports(graph)


def graph_from_facts(kb: Any) -> LinkGraph:
    """The link graph from validation facts (:class:`kbtool.validate.KbContext`)."""
    graph = LinkGraph(kb.config)
    for f in kb.files:
        graph.add_file(f.rel)
        for e in f.entries:
            entry = EntryNode(e.id, f.rel, e.line, e.col, e.title)
            graph.add_entry(entry)
            for ref in (*e.refs, *e.supersedes):
                graph.add_ref(entry, ref.kind, ref.target, ref.line, ref.col)
    return _with_reports(graph)


# ------------------------------------------------------------------ output formats


def to_text(graph: LinkGraph, entry_id: str | None = None) -> str:
    """Each entry and report with its outgoing (→) and incoming (←) links."""
    edges = graph.subgraph(entry_id) if entry_id else graph.edges()
    nodes = sorted(_nodes(edges) | ({f"entry:{entry_id}"} if entry_id else set()))
    lines: list[str] = []
    for node in nodes:
        kind, _, key = node.partition(":")
        if kind == "entry":
            entry = graph.entries.get(key)
            where = f"  {entry.file}:{entry.line}" if entry else "  (no such entry)"
            lines.append(f"{key}{where}" + (f"  {entry.title}" if entry and entry.title else ""))
        elif kind == "report":
            report = graph.reports.get(key)
            state = "" if report is not None and report.exists else "  (missing)"
            title = f"  {report.title}" if report is not None and report.title else ""
            lines.append(f"{key}{state}{title}")
        else:
            lines.append(key)
        for e in edges:
            if e.source == node:
                mark = "" if e.resolved else "  (broken)"
                lines.append(
                    f"  → {e.kind} {e.target.partition(':')[2]}  ({e.path}:{e.line}){mark}"
                )
        for e in edges:
            if e.target == node:
                lines.append(f"  ← {e.kind} {e.source.partition(':')[2]}  ({e.path}:{e.line})")
    from kbtool.textsafe import sanitize

    # File names and report titles are a pull request's text: one line each, no controls.
    return "\n".join(sanitize(line, 10_000) for line in lines) + ("\n" if lines else "")


def _node_names(edges: list[Edge], extra: set[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for n, node in enumerate(sorted(_nodes(edges) | extra)):
        names[node] = f"n{n}"
    return names


def to_mermaid(graph: LinkGraph, entry_id: str | None = None) -> str:
    """A Mermaid flowchart: entries as boxes, reports as documents, files as cylinders."""
    edges = graph.subgraph(entry_id) if entry_id else graph.edges()
    names = _node_names(edges, {f"entry:{entry_id}"} if entry_id else set())

    def text(value: str) -> str:
        return value.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")

    lines = ["graph LR"]
    for node, name in names.items():
        kind, _, key = node.partition(":")
        if kind == "entry":
            lines.append(f'  {name}["{text(key)}"]')
        elif kind == "report":
            lines.append(f'  {name}[/"{text(key)}"/]')
        else:
            lines.append(f'  {name}[("{text(key)}")]')
    for e in edges:
        arrow = "-->" if e.resolved else "-.->"
        lines.append(f"  {names[e.source]} {arrow}|{text(e.kind)}| {names[e.target]}")
    return "\n".join(lines) + "\n"


def to_dot(graph: LinkGraph, entry_id: str | None = None) -> str:
    """A Graphviz digraph of the same nodes and edges."""
    edges = graph.subgraph(entry_id) if entry_id else graph.edges()
    nodes = sorted(_nodes(edges) | ({f"entry:{entry_id}"} if entry_id else set()))

    def quote(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'

    shapes = {"entry": "box", "report": "note", "file": "cylinder"}
    lines = ["digraph kbtool_links {", "  rankdir=LR;"]
    for node in nodes:
        kind, _, key = node.partition(":")
        lines.append(f"  {quote(node)} [label={quote(key)}, shape={shapes.get(kind, 'box')}];")
    for e in edges:
        style = "" if e.resolved else ", style=dashed"
        lines.append(f"  {quote(e.source)} -> {quote(e.target)} [label={quote(e.kind)}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
