"""The template context: plain dicts, lists, strings and ints, typed and documented.

Templates never see model objects (Pydantic models, lxml elements): only the TypedDicts
below, built by :func:`entry_context` and :func:`build_context`. ``docs/templates.md``
documents every field, and ``tests/test_render.py`` fails when the two disagree.

Text fields hold entry text as written (Markdown-lite). Printing one with ``{{ … }}`` escapes
it for Markdown (see :mod:`kbtool.render.mdescape`); the ``md_*`` filters choose the context
(``md_cell``, ``md_heading``, ``md_code`` …). ``href`` fields are link targets relative to
the rendered file's folder (the KB root when printing to stdout), or an allowed URL, or "".
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict, get_type_hints

from kbtool import fields

if TYPE_CHECKING:
    from kbtool.config import Config
    from kbtool.kb import EntryRef
    from kbtool.reports.links import LinkGraph


class SymptomCtx(TypedDict):
    """An error message or sign; ``versions`` is a PEP 440 specifier set, or "". ``kind`` is
    "error" for text a program printed (print it as code) or "text" for a described sign."""

    text: str
    versions: str
    kind: str


class WhyCtx(TypedDict):
    """One of the five whys, numbered from 1."""

    n: int
    question: str
    answer: str


class CodeCtx(TypedDict):
    """A code block; ``lang`` may be "". ``file`` is the file it belongs in ("" when unknown);
    ``kind`` is "fix" (the code to write) or "bad" (the broken code it replaces)."""

    lang: str
    text: str
    file: str
    kind: str


class StepBlockCtx(TypedDict):
    """One piece of a step in reading order: ``kind`` is "text" (a paragraph of the body),
    "code" (``text`` is the code, ``lang`` its language, ``file`` its file or "") or "bad"
    (the broken code the next "code" block replaces)."""

    kind: str
    text: str
    lang: str
    file: str


class StepCtx(TypedDict):
    """A solution step: ``title`` is short and never empty (the step's ``title`` attribute,
    else its first paragraph when that is one short line, else the first sentence or clause
    of it); ``body`` is the prose the title does not already say; ``blocks`` is the body with
    each code block placed after the paragraph that leads into it (one ending with a colon),
    the rest at the end. A lead-in paragraph that only names a file ("In `app/x.py`:")
    becomes that code block's ``file``."""

    n: int
    text: str
    title: str
    body: str
    code: list[CodeCtx]
    blocks: list[StepBlockCtx]


class FileCtx(TypedDict):
    """A modified file: ``text`` as written, split into ``path`` and ``note``."""

    path: str
    note: str
    text: str


class ReferenceCtx(TypedDict):
    """A reference: ``kind`` is fix-report, learning, issue or link; ``target`` the href or
    id as written; ``href`` a usable link target ("" when there is none; for a learning its
    file and ``#L<line>``); ``path`` the target file relative to the KB root ("" for URLs);
    ``title`` the learning's title; ``n`` its position among the selected entries (0 when
    it is not selected, so a template links to its section only when it is there)."""

    kind: str
    target: str
    label: str
    href: str
    path: str
    title: str
    n: int


class EntryLinkCtx(TypedDict):
    """Another entry: its id, title, and a link to its file and line."""

    id: str
    title: str
    path: str
    line: int
    href: str


class CheckCtx(TypedDict):
    """A verification check; ``repo_only`` is true when it runs a script of the knowledge
    base's own repository (``tests/repro/``), which a team applying the fix does not have."""

    text: str
    repo_only: bool


class DiffCtx(TypedDict):
    """A key difference between the broken and the fixed code of one file: a line (or a few
    lines) replaced."""

    file: str
    before: str
    after: str


class SectionCtx(TypedDict):
    """A report section kept as-is (``<extras><section>``): ``after`` names the field it
    followed in its report (``title``, ``description``, ``whys``, ``solution``, …; "" if
    unknown); ``field`` is set for prose that belongs to a mapped section."""

    heading: str
    text: str
    after: str
    field: str


class BacklinkCtx(TypedDict):
    """Something that points at the entry: ``kind`` is report, learning or supersedes;
    ``source`` the report path or entry id."""

    kind: str
    source: str
    path: str
    line: int
    label: str
    href: str


class EntryCtx(TypedDict):
    """One learning entry. Optional values are "" (strings) or [] (lists), never None."""

    id: str
    title: str
    date: str
    category: str
    severity: str
    status: str
    description: str
    tags: list[str]
    symptoms: list[SymptomCtx]
    root_causes: list[str]
    whys: list[WhyCtx]
    solution: list[StepCtx]
    files: list[FileCtx]
    verification: list[str]
    prevention: list[str]
    test_cases: list[str]
    references: list[ReferenceCtx]
    fix_reports: list[ReferenceCtx]
    supersedes: list[str]
    review_by: str
    sections: list[SectionCtx]
    path: str
    line: int
    href: str
    backlinks: list[BacklinkCtx]
    n: int
    link: str
    versions: list[str]
    superseded_by: list[EntryLinkCtx]
    checks: list[CheckCtx]
    bad_examples: list[CodeCtx]
    differences: list[DiffCtx]
    selected_by: str


class CategoryCtx(TypedDict):
    """A category and its entries (in file order); ``anchor`` is the GitHub anchor of a
    ``## name`` heading."""

    name: str
    path: str
    href: str
    anchor: str
    count: int
    entries: list[EntryCtx]


class RenderContext(TypedDict):
    """What every template receives. ``entry`` is present when exactly one entry is
    selected; ``query`` is the search or match text that selected the entries, or "";
    ``skeleton`` is true for ``kbtool report new`` (empty sections get placeholders)."""

    title: str
    query: str
    skeleton: bool
    entries: list[EntryCtx]
    categories: list[CategoryCtx]
    entry: NotRequired[EntryCtx]


CONTEXT_TYPES: tuple[type, ...] = (
    RenderContext,
    EntryCtx,
    CategoryCtx,
    SymptomCtx,
    WhyCtx,
    StepCtx,
    StepBlockCtx,
    CodeCtx,
    FileCtx,
    ReferenceCtx,
    SectionCtx,
    BacklinkCtx,
    EntryLinkCtx,
    CheckCtx,
    DiffCtx,
)


def describe_types() -> dict[str, dict[str, str]]:
    """``{TypedDict name: {field: type as written in the docs}}``, for the docs test."""
    out: dict[str, dict[str, str]] = {}
    for cls in CONTEXT_TYPES:
        hints = get_type_hints(cls, include_extras=True)
        out[cls.__name__] = {name: _type_name(hint) for name, hint in hints.items()}
    return out


def _type_name(hint: Any) -> str:
    origin = getattr(hint, "__origin__", None)
    if origin is NotRequired:
        return f"{_type_name(hint.__args__[0])} (optional)"
    if origin is list:
        return f"list[{_type_name(hint.__args__[0])}]"
    if getattr(hint, "__name__", None):
        return str(hint.__name__)
    return str(hint)


# ------------------------------------------------------------------ building


class Linker:
    """Turns KB paths into link targets relative to where the output will be written."""

    def __init__(self, config: Config, out_dir: Path | None) -> None:
        self.root = config.root
        self.base = (out_dir or config.root).resolve()

    def to(self, rel: str, anchor: str = "") -> str:
        target = PurePosixPath(os.path.relpath(self.root / PurePosixPath(rel), self.base))
        return target.as_posix() + (f"#{anchor}" if anchor else "")

    def path(self, entry_file: str, href: str) -> str:
        """The KB-relative file an entry's relative href names ("" for URLs, outside)."""
        if not href or ":" in href.split("/")[0]:
            return ""
        path = href.partition("#")[0]
        if not path:
            return entry_file
        joined = os.path.normpath(PurePosixPath(entry_file).parent / PurePosixPath(path))
        return "" if joined.startswith("..") else PurePosixPath(joined).as_posix()

    def href(self, entry_file: str, href: str) -> str:
        """A usable link for an entry's href (relative to its file) or URL."""
        from kbtool.render.mdescape import safe_url

        if not href:
            return ""
        if ":" in href.split("/")[0]:
            return safe_url(href) or ""
        path, _, anchor = href.partition("#")
        if not path:
            return self.to(entry_file, anchor)
        joined = os.path.normpath(PurePosixPath(entry_file).parent / PurePosixPath(path))
        if joined.startswith(".."):
            return ""
        return self.to(PurePosixPath(joined).as_posix(), anchor)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# Items kbtool's fix-report template writes under "Related Issues": a rendered report that
# was imported back keeps them as notes, and the template writes them afresh.
_GENERATED_ITEM = re.compile(
    r"^- (?:Fix report|Learning entry|Related learning|Supersedes): .*(?:\n|$)", re.MULTILINE
)


def _sections(raw: list[str]) -> list[SectionCtx]:
    from kbtool.safexml import make_parser

    parser = make_parser()
    out: list[SectionCtx] = []
    from lxml import etree

    for item in raw:
        try:
            el = etree.fromstring(item.encode("utf-8"), parser)
        except etree.XMLSyntaxError:
            continue
        if el.tag == "section":
            text = el.text or ""
            if el.get("field") == "references":
                text = _GENERATED_ITEM.sub("", text).rstrip()
            out.append(
                {
                    "heading": el.get("heading", ""),
                    "text": text,
                    "after": _after(el.get("after", "")),
                    "field": _after(el.get("field", "")),
                }
            )
        else:
            out.append(
                {
                    "heading": str(el.tag),
                    "text": "".join(str(t) for t in el.itertext()).strip(),
                    "after": "",
                    "field": "",
                }
            )
    return out


# a section's ``after``/``field``: an XML name or a context name → the context name
_FIELD_KEYS = {
    **{f.xml: f.short for f in fields.LEARNING},
    **{f.short: f.short for f in fields.LEARNING},
}


def _after(value: str) -> str:
    return _FIELD_KEYS.get(value, value)


def entry_context(
    ref: EntryRef, config: Config, linker: Linker, graph: LinkGraph | None = None
) -> EntryCtx:
    """The context of one entry (read straight from its element; no validation needed)."""
    from kbtool.entry_xml import learning_data
    from kbtool.entryview import split_file_line
    from kbtool.render.derive import REPO_ONLY, bad_examples, step, symptom_kind

    data = learning_data(ref.element)
    try:
        rel = ref.source.path.resolve().relative_to(config.root).as_posix()
    except ValueError:
        rel = ref.source.path.name
    references: list[ReferenceCtx] = []
    for r in data["references"]:
        target = _text(r["target"])
        kind = _text(r["kind"])
        node = graph.entries.get(target) if graph is not None and kind == "learning" else None
        if kind != "learning":
            href, path, title = linker.href(rel, target), linker.path(rel, target), ""
        elif node is not None:
            href, path, title = linker.to(node.file, f"L{node.line}"), node.file, node.title
        else:
            href, path, title = "", "", ""
        references.append(
            {
                "kind": kind,
                "target": target,
                "label": _text(r["label"]),
                "href": href,
                "path": path,
                "title": title,
                "n": 0,
            }
        )
    backlinks: list[BacklinkCtx] = []
    superseded_by: list[EntryLinkCtx] = []
    if graph is not None:
        for b in graph.backlinks(ref.id):
            node = graph.entries.get(b.source) if b.kind == "supersedes" else None
            if node is not None:
                superseded_by.append(
                    {
                        "id": node.id,
                        "title": node.title,
                        "path": node.file,
                        "line": node.line,
                        "href": linker.to(node.file, f"L{node.line}"),
                    }
                )
            backlinks.append(
                {
                    "kind": b.kind,
                    "source": b.source,
                    "path": b.path,
                    "line": b.line,
                    "label": b.label,
                    "href": linker.to(b.path),
                }
            )
    files: list[FileCtx] = []
    for line in data["files_modified"]:
        path, note = split_file_line(line)
        files.append({"path": path, "note": note, "text": line})
    symptoms: list[SymptomCtx] = [
        {
            "text": _text(s["text"]),
            "versions": _text(s.get("versions")),
            "kind": symptom_kind(_text(s["text"])),
        }
        for s in data["symptoms"]
    ]
    solution = [
        step(n, _text(s["text"]), s["code"], _text(s.get("title")))
        for n, s in enumerate(data["solution"], 1)
    ]
    has_bad = any(c["kind"] == "bad" for s in solution for c in s["code"])
    bad, differences = ([], []) if has_bad else bad_examples(data["detectors"])
    return {
        "id": ref.id,
        "title": _text(data["title"]),
        "date": _text(data.get("date")),  # no <date>: unknown
        "category": _text(data["category"]),
        "severity": _text(data.get("severity")),
        "status": _text(data.get("status")) or "active",
        "description": _text(data["description"]),
        "tags": [_text(t) for t in data["tags"]],
        "symptoms": symptoms,
        "root_causes": [_text(c) for c in data["root_causes"]],
        "whys": [
            {"n": n, "question": _text(w["question"]), "answer": _text(w["answer"])}
            for n, w in enumerate(data["five_whys"], 1)
        ],
        "solution": solution,
        "files": files,
        "verification": [_text(v) for v in data["verification"]],
        "prevention": [_text(p) for p in data["prevention"]],
        "test_cases": [_text(t) for t in data["test_cases"]],
        "references": references,
        "fix_reports": [r for r in references if r["kind"] == "fix-report"],
        "supersedes": [_text(s) for s in data["supersedes"]],
        "review_by": _text(data.get("review_by")),
        "sections": _sections(data["extras"]),
        "path": rel,
        "line": ref.line,
        "href": linker.to(rel),
        "backlinks": backlinks,
        "n": 0,
        "link": linker.to(rel, f"L{ref.line}"),
        "versions": list(  # the learning's own range first, then its symptoms'
            dict.fromkeys(
                v for v in (_text(data.get("versions")), *(s["versions"] for s in symptoms)) if v
            )
        ),
        "superseded_by": superseded_by,
        "checks": [
            {"text": _text(v), "repo_only": REPO_ONLY in _text(v)} for v in data["verification"]
        ],
        "bad_examples": bad,
        "differences": differences,
        "selected_by": "",
    }


def build_context(
    refs: list[EntryRef],
    config: Config,
    *,
    title: str = "",
    query: str = "",
    out_dir: Path | None = None,
    graph: LinkGraph | None = None,
    skeleton: bool = False,
    reasons: dict[str, str] | None = None,
) -> RenderContext:
    """The context for a template: the selected entries, grouped by category too.
    ``reasons`` says why each entry was selected (by id), for ``selected_by``."""
    from kbtool.render.mdescape import slugify_heading

    linker = Linker(config, out_dir)
    entries = [entry_context(ref, config, linker, graph) for ref in refs]
    position = {e["id"]: n for n, e in enumerate(entries, 1)}
    for e in entries:
        e["n"] = position[e["id"]]
        e["selected_by"] = (reasons or {}).get(e["id"], "")
        for r in e["references"]:
            if r["kind"] == "learning":
                r["n"] = position.get(r["target"], 0)
    by_category: dict[str, list[EntryCtx]] = {}
    for e in entries:
        by_category.setdefault(e["category"], []).append(e)
    categories: list[CategoryCtx] = []
    for name in sorted(by_category, key=str.lower):
        group = by_category[name]
        categories.append(
            {
                "name": name,
                "path": group[0]["path"],
                "href": group[0]["href"],
                "anchor": slugify_heading(name),
                "count": len(group),
                "entries": group,
            }
        )
    context: RenderContext = {
        "title": title,
        "query": query,
        "skeleton": skeleton,
        "entries": entries,
        "categories": categories,
    }
    if len(entries) == 1:
        context["entry"] = entries[0]
    return context
