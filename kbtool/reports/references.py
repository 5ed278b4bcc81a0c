"""References of an imported fix report: its Related section (URLs, entries, learnings
files) and every entry or learnings file it mentions anywhere.
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from kbtool import fields
from kbtool.reports.parser import (
    FixReport,
    Section,
    block_md,
    blocks_md,
)

if TYPE_CHECKING:
    from markdown_it.tree import SyntaxTreeNode

    from kbtool.config import Config
    from kbtool.reports.links import LinkGraph


# ------------------------------------------------------------------ references

_URL_IN_TEXT = re.compile(r"https?://[^\s)>\]`]+")


#: An item that is one Markdown link and nothing else.
_LINK_ALONE = re.compile(r"^\[([^\[\]]+)\]\(<?[^\s()<>]+>?\)$")


def _rel_href(config: Config, category_file: Path | None, target: str) -> str:
    base = (category_file or config.learnings_dir / "x.xml").parent
    return PurePosixPath(os.path.relpath(config.root / PurePosixPath(target), base)).as_posix()


def related_refs(
    sec: Section,
    report: FixReport,
    config: Config,
    graph: LinkGraph | None,
    category_file: Path | None,
) -> tuple[list[dict[str, str]], list[str]]:
    """References from a Related section: URLs, entries and KB files its items name. Items
    that name nothing resolvable, and the section's prose, are kept (in order) as notes."""
    from kbtool.reports.links import inline_items, mention_candidates

    refs: list[dict[str, str]] = []
    notes: list[str] = []

    def item_refs(item: SyntaxTreeNode) -> list[dict[str, str]]:
        text = blocks_md(item.children, report)
        label = " ".join(text.split())
        alone = _LINK_ALONE.match(label)  # "[Pool docs](https://…)": its text is the label
        if alone:
            label = alone.group(1)
        found: list[dict[str, str]] = []
        for node in item.walk():
            if node.type != "inline":
                continue
            for kind, value, _ in inline_items(node, 0):
                urls = (
                    [value]
                    if kind == "href" and _URL_IN_TEXT.match(value)
                    else _URL_IN_TEXT.findall(value)
                    if kind == "text"
                    else []
                )
                for url in urls:
                    url = url.rstrip(".,;")
                    found.append(
                        {
                            "kind": fields.reference_kind(url),
                            "target": url,
                            "label": label,
                        }
                    )
                if graph is not None:
                    for cand in mention_candidates(kind, value, 0, []):
                        ref = _ref_for(cand, report, config, graph, category_file, label)
                        if ref is not None:
                            found.append(ref)
        return found

    def visit(section: Section) -> None:
        for block in section.blocks:
            if block.type in ("bullet_list", "ordered_list"):
                leftover = []
                for item in block.children:
                    found = item_refs(item)
                    refs.extend(found)
                    if not found:
                        leftover.append(
                            "- " + blocks_md(item.children, report).replace("\n", "\n  ")
                        )
                if leftover:
                    notes.append("\n".join(leftover))
            else:
                text = block_md(block, report)
                if text:
                    notes.append(text)
        for child in section.children:
            notes.append(f"**{child.title}**")
            visit(child)

    visit(sec)
    return refs, notes


def _ref_for(
    cand: Any,
    report: FixReport,
    config: Config,
    graph: LinkGraph,
    category_file: Path | None,
    label: str,
) -> dict[str, str] | None:
    learnings = graph._rel(config.learnings_dir) or ""
    mention = graph._resolve(report.display, cand, learnings + "/" if learnings else "")
    if mention is None or not mention.resolved:
        return None
    if mention.entry_id:
        return {"kind": "learning", "target": mention.entry_id, "label": ""}
    own = graph._rel(category_file) if category_file is not None else None
    if mention.file and mention.file != own:
        return {
            "kind": "link",
            "target": _rel_href(config, category_file, mention.file),
            "label": label,
        }
    return None


def mentioned_refs(
    report: FixReport,
    config: Config,
    graph: LinkGraph | None,
    category_file: Path | None,
    have: list[dict[str, str]],
) -> list[dict[str, str]]:
    """Entries and learnings files the report mentions anywhere (paths, ``x.xml#id``)."""
    if graph is None:
        return []
    from kbtool.reports.links import scan_report

    out: list[dict[str, str]] = []
    for cand in scan_report(report).candidates:
        if cand.kind == "id":
            continue  # a bare word is a reference only in the Related section
        ref = _ref_for(cand, report, config, graph, category_file, "")
        if ref is not None:
            out.append(ref)
    return out
