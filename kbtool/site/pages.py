"""The site's pages as (path, template, context): plain data, rendered by :mod:`.build`.

Each context holds everything its page shows, so its hash is the page's input hash (the
manifest skips rendering a page whose inputs did not change).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from posixpath import dirname, normpath
from typing import Any

from kbtool.hrefs import safe_url
from kbtool.site.collect import (
    SEVERITY_ORDER,
    SiteData,
    SiteEntry,
    category_anchor,
    entry_url,
    slug,
    tag_url,
)

Page = tuple[str, str, dict[str, Any]]  # (site path, template name, context)
MAX_SVG_NODES = 400  # more and the drawing says nothing; the table below it lists every link


def _summary(e: SiteEntry) -> dict[str, Any]:
    d = e.data
    return {
        "id": e.id,
        "title": d.get("title", ""),
        "category": d.get("category", ""),
        "severity": d.get("severity") or "",
        "date": str(d["date"]) if d.get("date") else "",
        "status": d.get("status") or "active",
        "url": e.url,
    }


def _category_key(name: str) -> tuple[str, str]:
    return (name.casefold(), name)


def index_page(data: SiteData) -> Page:
    by_cat: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in data.entries:
        by_cat[e.data.get("category", "")].append(_summary(e))
    categories = [
        {"name": name, "anchor": category_anchor(name), "entries": by_cat[name]}
        for name in sorted(by_cat, key=_category_key)
    ]
    return ("index.html", "index.html.j2", {"root": "", "categories": categories})


def _tags(data: SiteData) -> dict[str, list[SiteEntry]]:
    tags: dict[str, list[SiteEntry]] = defaultdict(list)
    for e in data.entries:
        for t in dict.fromkeys(e.data.get("tags") or []):
            tags[t].append(e)
    return tags


def tag_pages(data: SiteData) -> list[Page]:
    tags = _tags(data)
    names = sorted(tags, key=_category_key)
    listing = [{"name": t, "url": tag_url(t), "count": len(tags[t])} for t in names]
    pages: list[Page] = [("tags.html", "tags.html.j2", {"root": "", "tags": listing})]
    for t in names:
        entries = [_summary(e) for e in tags[t]]
        pages.append((tag_url(t), "tag.html.j2", {"root": "../", "tag": t, "entries": entries}))
    return pages


def _reference(e: SiteEntry, ref: dict[str, Any], ids: set[str]) -> dict[str, Any]:
    kind, target = ref.get("kind", ""), ref.get("target") or ""
    out = {"kind": kind, "target": target, "label": ref.get("label") or "", "href": None}
    if kind in ("learning", "supersedes"):
        if target in ids:
            out["href"] = "../" + entry_url(target)
        return out
    url = safe_url(target)
    if url is None:
        return out
    if url.startswith(("http:", "https:", "mailto:", "HTTP")) or ":" in url.split("/")[0]:
        out["href"], out["external"] = url, True
        return out
    # A relative target names a file of the KB (relative to the entry's XML file): a report
    # shown on this page gets its anchor, anything else no link (it is not on the site).
    path, _, _anchor = url.partition("#")
    resolved = normpath(f"{dirname(e.file)}/{path}") if path else e.file
    if resolved in e.reports:
        out["href"] = "#" + report_anchor(resolved)
    return out


def report_anchor(path: str) -> str:
    return "report-" + slug(path)


def entry_page(e: SiteEntry, data: SiteData, ids: set[str]) -> Page:
    d = e.data
    ctx = _summary(e)
    ctx.update(
        category_anchor=category_anchor(ctx["category"]),
        file=e.file,
        line=e.line,
        description=d.get("description", ""),
        tags=[{"name": t, "url": tag_url(t)} for t in dict.fromkeys(d.get("tags") or [])],
        symptoms=d.get("symptoms") or [],
        root_causes=d.get("root_causes") or [],
        five_whys=d.get("five_whys") or [],
        solution=[
            {
                "title": s.get("title"),
                "text": s.get("text", ""),
                "code": [
                    {
                        "file": c.get("file"),
                        "kind": c.get("kind"),
                        "text": c.get("text", ""),
                        "lang": c.get("lang"),
                    }
                    for c in s.get("code") or []
                ],
            }
            for s in d.get("solution") or []
        ],
        files_modified=d.get("files_modified") or [],
        verification=d.get("verification") or [],
        prevention=d.get("prevention") or [],
        references=[_reference(e, r, ids) for r in d.get("references") or []],
        backlinks=[
            {
                **b,
                "href": "../" + entry_url(b["source"])
                if b["kind"] != "report" and b["source"] in ids
                else ("#" + report_anchor(b["source"]) if b["source"] in e.reports else None),
            }
            for b in e.backlinks
        ],
        reports=[
            {
                "path": r,
                "anchor": report_anchor(r),
                "markdown": data.reports.get(r, ""),
            }
            for r in e.reports
        ],
    )
    return (e.url, "entry.html.j2", {"root": "../", "e": ctx})


def _node(name: str, ids: set[str], titles: dict[str, str]) -> dict[str, Any]:
    kind, _, value = name.partition(":")
    if kind == "entry":
        url = entry_url(value) if value in ids else None
        return {"type": "entry", "label": titles.get(value) or value, "url": url, "key": name}
    return {"type": kind, "label": value, "url": None, "key": name}


def graph_page(data: SiteData) -> Page:
    ids = {e.id for e in data.entries}
    titles = {e.id: e.data.get("title", "") for e in data.entries}
    # A report is shown on the pages of the entries it is linked with: link it to the first.
    shown_on = {r: e.id for e in reversed(data.entries) for r in e.reports}
    edges = []
    nodes: dict[str, dict[str, Any]] = {}
    for source, target, kind in data.edges:
        ends = []
        for name in (source, target):
            node = nodes.get(name) or _node(name, ids, titles)
            if node["type"] == "report" and node["label"] in shown_on:
                node["url"] = (
                    entry_url(shown_on[node["label"]]) + "#" + report_anchor(node["label"])
                )
            nodes[name] = node
            ends.append(node)
        edges.append({"source": ends[0], "target": ends[1], "kind": kind})
    ctx: dict[str, Any] = {"root": "", "edges": edges, "nodes": sorted(nodes), "svg": None}
    if 0 < len(nodes) <= MAX_SVG_NODES:
        ctx["svg"] = _layout(nodes, data.edges)
    return ("graph.html", "graph.html.j2", ctx)


def _layout(nodes: dict[str, dict[str, Any]], edges: list[tuple[str, str, str]]) -> dict[str, Any]:
    """Entries on an outer ring, reports and files on an inner one (deterministic)."""
    size = 800
    outer = sorted(n for n in nodes if nodes[n]["type"] == "entry")
    inner = sorted(n for n in nodes if nodes[n]["type"] != "entry")
    pos: dict[str, tuple[float, float]] = {}
    for ring, radius in ((outer, 360), (inner, 220)):
        for i, name in enumerate(ring):
            angle = 2 * math.pi * i / max(1, len(ring))
            pos[name] = (
                round(size / 2 + radius * math.cos(angle), 1),
                round(size / 2 + radius * math.sin(angle), 1),
            )
    lines = [
        {"x1": pos[s][0], "y1": pos[s][1], "x2": pos[t][0], "y2": pos[t][1], "kind": slug(k)}
        for s, t, k in edges
        if s in pos and t in pos
    ]
    svg_nodes = [
        {**nodes[n], "x": pos[n][0], "y": pos[n][1], "type": slug(nodes[n]["type"])}
        for n in (*outer, *inner)
    ]
    for n in svg_nodes:
        n["url"] = n["url"] or "#"
    return {"size": size, "lines": lines, "nodes": svg_nodes}


def all_pages(data: SiteData) -> Iterator[Page]:
    """Every page, one at a time (a page's context is dropped once it is written)."""
    ids = {e.id for e in data.entries}
    yield index_page(data)
    yield graph_page(data)
    yield from tag_pages(data)
    for e in data.entries:
        yield entry_page(e, data, ids)


__all__ = ["SEVERITY_ORDER", "Page", "all_pages"]
