"""``kbtool show ID``: one entry, with where it is, what it references and what points at it.

The entry is found through the index, then read from its file (safely, through
:mod:`kbtool.kb`), and described by :func:`kbtool.render.context.entry_context`, the same
plain data the templates receive. Backlinks come from two places:

- entries whose ``<references><learning ref>`` or ``<supersedes ref>`` name this id, from
  the index (the whole KB, without parsing it);
- fix reports that mention the entry, from the link graph of :mod:`kbtool.reports.links`, built over
  the entry's own file and the reports folder.

Formats: a rich rendering on a terminal that wants colour, plain text otherwise, ``json``
(the entry data with ``backlinks``), ``xml`` (the element as stored) and ``md`` (the
fix-report template).
"""

from __future__ import annotations

import sqlite3

from kbtool.config import Config
from kbtool.errors import UsageError
from kbtool.records import NamedTuple
from kbtool.search.index import Notice, query_index

TYPE_CHECKING = False  # typing is imported for the type checker only (start-up)
if TYPE_CHECKING:
    from typing import Any, TextIO

    from kbtool.kb import EntryRef
    from kbtool.render.shapes import EntryCtx

FORMATS = ("text", "json", "xml", "md")


class Located(NamedTuple):
    id: str
    path: str  # relative to the KB root
    line: int


def closest_ids(conn: sqlite3.Connection, entry_id: str, most: int = 5) -> list[str]:
    """Ids like ``entry_id``: by shared words (a word may be a prefix or a near spelling of
    the id's word), then by spelling of the whole id."""
    import difflib

    ids = [row[0] for row in conn.execute("SELECT DISTINCT id FROM entries")]
    wanted = entry_id.strip().lower()
    words = [w for w in wanted.split("-") if w]

    def word_score(candidate: str) -> float:
        parts = candidate.split("-")
        hits = sum(
            1
            for w in words
            if any(
                p.startswith(w) or difflib.SequenceMatcher(None, w, p).ratio() >= 0.8 for p in parts
            )
        )
        return hits / len(words) if words else 0.0

    scored = []
    for candidate in ids:
        whole = difflib.SequenceMatcher(None, wanted, candidate).ratio()
        score = max(word_score(candidate), whole)
        if score >= 0.6:
            scored.append((-score, -whole, candidate))
    return [candidate for _, _, candidate in sorted(scored)[:most]]


def lookup(
    config: Config, entry_id: str, *, notice: Notice | None = None
) -> tuple[list[Located], list[dict[str, Any]]]:
    """Where entries with this id stand (more than one when an id is duplicated), and the
    entries that reference or supersede it: one read of the index. UsageError naming the
    closest ids when there is no such entry."""
    suggestions: list[str] = []

    def run(conn: sqlite3.Connection) -> tuple[list[Located], list[dict[str, Any]]]:
        rows = conn.execute(
            "SELECT id, path, line FROM entries WHERE id = ? ORDER BY path, line", (entry_id,)
        ).fetchall()
        if not rows:
            suggestions[:] = closest_ids(conn, entry_id)
            return [], []
        return [Located(*row) for row in rows], _entry_backlinks(conn, entry_id)

    found, backlinks = query_index(config, run, empty=lambda got: not got[0], notice=notice)
    if not found:
        hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
        raise UsageError(f"no entry has the id {entry_id!r}{hint}")
    return found, backlinks


def locate(config: Config, entry_id: str, *, notice: Notice | None = None) -> list[Located]:
    """Where entries with this id stand; UsageError naming the closest ids when none."""
    return lookup(config, entry_id, notice=notice)[0]


def entry_backlinks(config: Config, entry_id: str) -> list[dict[str, Any]]:
    """Entries that reference or supersede ``entry_id`` (from the index)."""
    return query_index(config, lambda conn: _entry_backlinks(conn, entry_id), empty=lambda _: False)


def _entry_backlinks(conn: sqlite3.Connection, entry_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT r.kind, e.id, e.path, e.line, e.title FROM refs AS r "
        "JOIN entries AS e ON e.rowid = r.entry "
        "WHERE r.kind IN ('learning', 'supersedes') AND r.target = ? AND e.id != ? "
        "ORDER BY e.path, e.line, r.kind",
        (entry_id, entry_id),
    )
    return [{"kind": k, "source": i, "path": p, "line": ln, "label": t} for k, i, p, ln, t in rows]


def report_backlinks(config: Config, ref: EntryRef) -> list[dict[str, Any]]:
    """Fix reports that mention the entry, through kbtool.reports.links' link graph (built
    only when a report may mention it: most entries are shown without it)."""
    if not reports_may_mention(config, ref):
        return []
    from kbtool.kb import KnowledgeBase
    from kbtool.reports.links import build_graph

    kb = KnowledgeBase(config, [ref.source], [])
    graph = build_graph(config, kb)
    return [b.to_dict() for b in graph.backlinks(ref.id) if b.kind == "report"]


def reports_may_mention(config: Config, ref: EntryRef) -> bool:
    """False only when no report can point at the entry: a report names an entry by its id,
    or (one of the entry's own fix reports) by its file alone; so with no ``<fix-report>`` in
    the entry and no report whose bytes hold the id, the link graph has no report backlink.
    Anything unusual (a report that cannot be read, a UTF-16 one) answers True."""
    from kbtool.confine import read_regular
    from kbtool.reports.files import walk_reports

    if ref.element.find("references/fix-report") is not None:
        return True
    needle = ref.id.encode("utf-8")
    for rel in walk_reports(config):
        try:
            data = read_regular(config.root / rel, config.max_file_bytes)
        except (OSError, ValueError):
            return True
        if needle in data or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return True
    return False


def load(config: Config, where: Located, *, light: bool = False) -> EntryRef:
    """The entry's element, read from its file. ``light``: a read-only element, without lxml
    when the file allows (:mod:`kbtool.lightxml`)."""
    from kbtool.kb import KnowledgeBase

    kb = KnowledgeBase.load(config, [config.root / where.path], light=light)
    refs = [e for e in kb.entries() if e.id == where.id]
    if not refs:
        raise UsageError(f"{where.path}: the entry {where.id!r} is no longer there")
    return min(refs, key=lambda e: abs(e.line - where.line))


def describe(
    config: Config, ref: EntryRef, entry_links: list[dict[str, Any]] | None = None
) -> EntryCtx:
    """The entry as plain data, backlinks included (entries first, then reports).
    ``entry_links``: the entries' backlinks when the caller has them (:func:`lookup`)."""
    from kbtool.render.context import Linker, entry_context

    ctx = entry_context(ref, config, Linker(config, None))
    linker = Linker(config, None)
    if entry_links is None:
        entry_links = entry_backlinks(config, ref.id)
    backlinks = [*entry_links, *report_backlinks(config, ref)]
    ctx["backlinks"] = [{**b, "href": linker.to(b["path"])} for b in backlinks]  # type: ignore[typeddict-item]
    return ctx


def entry_xml(ref: EntryRef) -> str:
    """The ``<learning>`` element as XML text."""
    from lxml import etree

    text: str = etree.tostring(ref.element, encoding="unicode", with_tail=False)
    return text + "\n"


def entry_markdown(config: Config, ref: EntryRef, ctx: EntryCtx) -> str:
    """The entry through kbtool's fix-report template."""
    from kbtool.render.context import build_context
    from kbtool.render.engine import render_in_process

    context = build_context([ref], config)
    context["entries"][0]["backlinks"] = ctx["backlinks"]
    return render_in_process("fix-report.md.j2", context)


# ------------------------------------------------------------------ text


def _lines(ctx: EntryCtx) -> list[tuple[str, list[str]]]:
    """(heading, lines) sections of the plain-text rendering."""
    from kbtool.diagnostics import sanitize

    def clean(text: str) -> str:
        return sanitize(text, 4000)

    sections: list[tuple[str, list[str]]] = []
    sections.append(("Description", [clean(ctx["description"])]))
    if ctx["symptoms"]:
        sections.append(
            (
                "Symptoms",
                [
                    f"- {clean(s['text'])}"
                    + (f"  ({clean(s['versions'])})" if s["versions"] else "")
                    for s in ctx["symptoms"]
                ],
            )
        )
    if ctx["root_causes"]:
        sections.append(("Root causes", [f"- {clean(c)}" for c in ctx["root_causes"]]))
    if ctx["whys"]:
        sections.append(
            (
                "Five whys",
                [f"{w['n']}. {clean(w['question'])}\n   {clean(w['answer'])}" for w in ctx["whys"]],
            )
        )
    if ctx["solution"]:
        steps = []
        for step in ctx["solution"]:
            steps.append(f"{step['n']}. {clean(step['text'])}")
            for code in step["code"]:
                steps.extend("      " + line for line in _code_lines(code["text"]))
        sections.append(("Solution", steps))
    for key, heading in (
        ("verification", "Verification"),
        ("prevention", "Prevention"),
        ("test_cases", "Test cases"),
    ):
        items = ctx[key]  # type: ignore[literal-required]
        if items:
            sections.append((heading, [f"- {clean(i)}" for i in items]))
    if ctx["files"]:
        sections.append(("Files modified", [f"- {clean(f['text'])}" for f in ctx["files"]]))
    refs = [
        f"- {r['kind']}: {clean(r['target'])}" + (f"  {clean(r['label'])}" if r["label"] else "")
        for r in ctx["references"]
    ]
    refs += [f"- supersedes: {clean(s)}" for s in ctx["supersedes"]]
    sections.append(("References", refs or ["(none)"]))
    back = [
        f"- {b['kind']}: {clean(b['source'])}  {clean(b['path'])}:{b['line']}"
        for b in ctx["backlinks"]
    ]
    sections.append(("Backlinks", back or ["(none)"]))
    return sections


def _code_lines(text: str) -> list[str]:
    from kbtool.diagnostics import sanitize

    return [sanitize(line, 400) for line in text.strip("\n").splitlines()]


def render_text(ctx: EntryCtx, where: str, stream: TextIO) -> None:
    """Plain text: no colour, no markup."""
    from kbtool.diagnostics import sanitize

    facts = [ctx["category"], ctx["severity"] or "-", ctx["status"], ctx["date"] or "undated"]
    if ctx["review_by"]:
        facts.append(f"review by {ctx['review_by']}")
    head = [
        f"{sanitize(ctx['id'])}: {sanitize(ctx['title'])}",
        " · ".join(sanitize(f) for f in facts),
        where,
    ]
    if ctx["tags"]:
        head.append("tags: " + ", ".join(sanitize(t) for t in ctx["tags"]))
    stream.write("\n".join(head) + "\n")
    for heading, lines in _lines(ctx):
        stream.write(f"\n{heading}\n" + "\n".join(lines) + "\n")


def render_rich(ctx: EntryCtx, where: str, stream: TextIO) -> None:
    """A terminal rendering with rich: a header panel, sections, highlighted code."""
    from rich.console import Console, Group
    from rich.panel import Panel
    from rich.syntax import Syntax
    from rich.text import Text

    from kbtool.diagnostics import sanitize
    from kbtool.fields import SEVERE

    console = Console(file=stream, highlight=False)
    title = Text(sanitize(ctx["title"]), style="bold")
    facts = Text()
    facts.append(sanitize(ctx["id"]), style="bold cyan")
    for fact, style in (
        (ctx["category"], ""),
        (ctx["severity"], "red" if ctx["severity"] in SEVERE else "yellow"),
        (ctx["status"], "dim"),
        (ctx["date"], ""),
    ):
        if fact:
            facts.append("  ·  ")
            facts.append(sanitize(fact), style=style)
    location = Text(where, style="dim")
    tags = (
        Text("tags: " + ", ".join(sanitize(t) for t in ctx["tags"]), style="magenta")
        if ctx["tags"]
        else Text("")
    )
    console.print(Panel(Group(title, facts, location, tags), expand=True))
    for heading, lines in _lines(ctx):
        console.print(Text(heading, style="bold underline"))
        if heading == "Solution":
            for step in ctx["solution"]:
                console.print(Text(f"{step['n']}. {sanitize(step['text'], 4000)}"))
                for code in step["code"]:
                    console.print(
                        Syntax(
                            code["text"].strip("\n"),
                            code["lang"] or "text",
                            theme="ansi_dark",
                            padding=(0, 2),
                        )
                    )
        else:
            for line in lines:
                console.print(Text(line))
        console.print()


def show(
    config: Config,
    entry_id: str,
    fmt: str,
    stream: TextIO,
    *,
    color: bool,
    notice: Notice | None = None,
) -> int:
    """Print one entry in ``fmt``; the exit code."""
    from kbtool.diagnostics import display_path

    if fmt not in FORMATS:
        raise UsageError(f"{{fmt}} {fmt!r}: expected one of {', '.join(FORMATS)}", params=("fmt",))
    found, entry_links = lookup(config, entry_id, notice=notice)
    where = found[0]
    ref = load(config, where, light=fmt != "xml")  # the XML as stored comes from lxml
    if fmt == "xml":
        stream.write(entry_xml(ref))
        return 0
    ctx = describe(config, ref, entry_links)
    if fmt == "json":
        from kbtool.cicommands import json_dumps

        data = dict(ctx)
        data["duplicates"] = [{"path": f.path, "line": f.line} for f in found[1:]]
        stream.write(json_dumps(data, indent=2) + "\n")
    elif fmt == "md":
        stream.write(entry_markdown(config, ref, ctx))
    else:
        place = f"{display_path(config.root / where.path)}:{ref.line}"
        if len(found) > 1:
            place += (
                "  (the id is also at " + ", ".join(f"{f.path}:{f.line}" for f in found[1:]) + ")"
            )
        (render_rich if color else render_text)(ctx, place, stream)
    return 0
