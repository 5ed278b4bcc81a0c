"""The template context: plain dicts, lists, strings and ints, typed and documented.

Templates never see model objects (Pydantic models, lxml elements): only the TypedDicts of
:mod:`kbtool.render.shapes`, built by :func:`entry_context` and :func:`build_context`.
``docs/templates.md`` documents every field, and ``tests/test_render.py`` fails when the two
disagree.

Text fields hold entry text as written (Markdown-lite). Printing one with ``{{ … }}`` escapes
it for Markdown (see :mod:`kbtool.render.mdescape`); the ``md_*`` filters choose the context
(``md_cell``, ``md_heading``, ``md_code`` …). ``href`` fields are link targets relative to
the rendered file's folder (the KB root when printing to stdout), or an allowed URL, or "".
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path, PurePosixPath

from kbtool import fields

TYPE_CHECKING = False  # typing is imported for the type checker only (start-up)
if TYPE_CHECKING:
    from typing import Any

    from kbtool.config import Config
    from kbtool.kb import EntryRef
    from kbtool.render.shapes import (
        BacklinkCtx,
        CategoryCtx,
        EntryCtx,
        EntryLinkCtx,
        FileCtx,
        ReferenceCtx,
        RenderContext,
        SectionCtx,
        SymptomCtx,
    )
    from kbtool.reports.links import LinkGraph


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
        from kbtool.hrefs import safe_url

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


def _sections(raw: list[str]) -> list[SectionCtx]:
    from kbtool.reports.rendered import GENERATED_ITEM
    from kbtool.safexml import read_fragment

    out: list[SectionCtx] = []
    for item in raw:
        el = read_fragment(item)
        if el is None:
            continue
        if el.tag == "section":
            text = el.text or ""
            if el.get("field") == "references":
                # a rendered report imported back may keep some as notes: written afresh
                text = GENERATED_ITEM.sub("", text).rstrip()
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
    from kbtool.render.derive import bad_examples, step, symptom_kind
    from kbtool.reports.rendered import REPO_ONLY

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
                "url_kind": fields.reference_kind(target) if kind in ("issue", "link") else "",
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
        "applies": _text(data.get("versions")),
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
    from kbtool.hrefs import slugify_heading

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
