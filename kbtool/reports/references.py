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
from kbtool.reports.rendered import (
    FIX_REPORT_ITEM,
    GENERATED_RELATED,
    KIND_ITEMS,
    RELATED_LEARNING_ITEM,
    SOURCE_ENTRY_ITEM,
    SUPERSEDES,
    SUPERSEDES_ITEM,
)

if TYPE_CHECKING:
    from markdown_it.tree import SyntaxTreeNode

    from kbtool.config import Config
    from kbtool.reports.links import LinkGraph


# ------------------------------------------------------------------ references

# A URL in text; parentheses inside it are kept when balanced ("…/a_(b)"), so the ")" that
# closes "(see https://…)" is not taken.
_URL_IN_TEXT = re.compile(r"https?://(?:[^\s()<>\]`]|\([^\s()<>\]`]*\))+")


#: An item that is one Markdown link and nothing else (a destination with parentheses is
#: written in angle brackets, or with them balanced).
_LINK_ALONE = re.compile(r"^\[([^\[\]]+)\]\((?:<[^<>\n]+>|(?:[^\s()<>]|\([^\s()<>]*\))+)\)$")


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
        generated = next((g for g in GENERATED_RELATED if label.startswith(g)), "")
        stated = next((k for prefix, k in KIND_ITEMS.items() if label.startswith(prefix)), "")
        alone = _LINK_ALONE.match(re.sub(r"^(?:Issue|Link): ", "", label.removeprefix(generated)))
        if alone:  # "[Pool docs](https://…)": its text is the label
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
                            "label": "" if label == url else label,  # "[url](url)": no label
                        }
                    )
                if graph is not None:
                    for cand in mention_candidates(kind, value, 0, []):
                        ref = _ref_for(cand, report, config, graph, category_file, label)
                        if ref is not None:
                            found.append(ref)
        if generated == SUPERSEDES_ITEM:  # "Supersedes: `old-id`": the entry this one replaces
            old = label.removeprefix(generated).strip("` ")
            return [{"kind": SUPERSEDES, "target": old, "label": ""}] if old else []
        if generated == FIX_REPORT_ITEM:  # the entry's own fix report, as the template wrote it
            if not found and alone:  # its text is the report's path from the KB root
                path, hash_, anchor = alone.group(1).partition("#")
                if (config.root / PurePosixPath(path)).is_file():
                    target = _rel_href(config, category_file, path) + hash_ + anchor
                    found = [{"kind": "fix-report", "target": target, "label": ""}]
            found = [{**f, "kind": "fix-report", "label": ""} for f in found[:1]]
        elif generated == RELATED_LEARNING_ITEM:  # the entry, not the file its link opens
            found = [f for f in found if f["kind"] == "learning"][:1]
        if stated:  # "Link: [a GitHub issue](…)": the kind as stated
            found = [
                {**f, "kind": stated} if f["kind"] in KIND_ITEMS.values() else f for f in found
            ]
        return found

    def visit(section: Section) -> None:
        for block in section.blocks:
            if block.type in ("bullet_list", "ordered_list"):
                leftover = []
                for item in block.children:
                    if blocks_md(item.children, report).startswith(SOURCE_ENTRY_ITEM):
                        continue  # the entry the report was rendered from: not a reference
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
        line = report.lines[cand.line - 1] if 0 < cand.line <= len(report.lines) else ""
        if line.lstrip("-*+ ").startswith(GENERATED_RELATED):
            continue  # "- Related learning: …": read with the Related section, or not at all
        ref = _ref_for(cand, report, config, graph, category_file, "")
        if ref is not None:
            out.append(ref)
    return out
