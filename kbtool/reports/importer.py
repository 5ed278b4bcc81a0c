"""Turn a parsed Markdown fix report into a learning entry (``kbtool import-report``).

Sections are mapped by their headings (the variants real reports use: see
``docs/fix-reports.md``); the five whys are read in every form reports write them (headings,
bold lines, list lines, with or without ``**Answer:**``). Sections that map to no field are
kept as ``<extras><section heading="…" after="…">`` with their Markdown text, and prose of a
mapped section that is not one of its items (a lead-in sentence, a closing remark) as
``<section heading="…" field="…">``: nothing is dropped.

Library use::

    report = read_report(path, config, inside_only=False)
    result = import_report(report, config=config, category="Database/AsyncIO",
                           entry_id="my-id", date=dt.date.today(), report_href="reports/x.md")
    result.learning      # kbtool.model.Learning
    result.mapped        # [Mapped(field, count, source)]
    result.kept          # [Kept(heading, line, reason)]
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from kbtool.errors import KbError
from kbtool.model import Severity, split_file_line
from kbtool.reports.parser import (
    Report,
    Section,
    block_md,
    blocks_md,
    inline_of,
    para_md,
    plain_text,
)

if TYPE_CHECKING:
    from markdown_it.tree import SyntaxTreeNode

    from kbtool.config import Config
    from kbtool.model import Learning
    from kbtool.reports.links import LinkGraph


class ImportFailed(KbError):
    """The report cannot be imported (empty, no title, unreadable front matter): exit 1."""

    exit_code = 1


# ------------------------------------------------------------------ headings


FIELD_ORDER = (
    "description",
    "symptoms",
    "whys",
    "root_causes",
    "solution",
    "verification",
    "files",
    "prevention",
    "references",
)
"""Canonical field keys, in the order the fix-report template writes them."""

XML_NAMES = {
    "description": "description",
    "symptoms": "symptoms",
    "whys": "five-whys",
    "root_causes": "root-causes",
    "solution": "solution",
    "verification": "verification",
    "files": "files-modified",
    "prevention": "prevention",
    "references": "references",
}

_GENRE_PREFIX = re.compile(
    r"^(?:fix(?:es)?\s+)?(?:report|summary|post-?mortem)\s*[:\-–—]\s*", re.IGNORECASE
)
_GENRE_SUFFIX = re.compile(
    r"[\s:\-–—]*\b(?:(?:fix(?:es)?|incident)\s+(?:report|summary)|write-?up|post-?mortem)$",
    re.IGNORECASE,
)
_NUMBERING = re.compile(r"^\s*(?:step\s+)?(?:\d+|[ivx]+|[a-z])[.):]\s+", re.IGNORECASE)
_WORDS = re.compile(r"[a-z0-9]+")


def entry_title(report_title: str) -> str:
    """The entry's title from a report's: the genre words around it dropped
    (``"Fix Report: Pool exhausted"``, ``"Pool exhausted – Fix Summary"`` → ``"Pool exhausted"``),
    white space collapsed."""
    title = " ".join(report_title.split())
    return _GENRE_PREFIX.sub("", _GENRE_SUFFIX.sub("", title)) or title


def normalize_heading(plain: str) -> str:
    """``"2. Root Cause Analysis – Five Whys 🔍"`` → ``"root cause analysis five whys"``."""
    text = _NUMBERING.sub("", plain)
    return " ".join(_WORDS.findall(text.lower()))


def classify(plain: str) -> str | None:
    """The field a section heading maps to, or None (kept as-is)."""
    h = normalize_heading(plain)
    words = set(h.split())
    if not h:
        return None
    if _why_label(plain) is not None or "whys" in words or "why" in words:
        return "whys"
    if "root cause" in h or "root causes" in h:
        return "root_causes"
    if "files" in words or h in ("file changes", "changed files"):
        return "files"
    if h.startswith("related") or h in (
        "references",
        "see also",
        "links",
        "further reading",
        "cross references",
        "reference",
    ):
        return "references"
    if (
        words & {"prevention", "prevent", "preventing", "preventive", "guidelines", "takeaways"}
        or "lessons learned" in h
        or "best practices" in h
        or "recommendations" in words
    ):
        return "prevention"
    if words & {
        "verification",
        "verify",
        "verified",
        "verifying",
        "testing",
        "tests",
        "validation",
        "validated",
    } or h in ("test", "test results"):
        return "verification"
    if (
        words & {"symptom", "symptoms"}
        or "error message" in h
        or "error messages" in h
        or "errors observed" in h
        or "observed behavior" in h
        or "observed behaviour" in h
    ):
        return "symptoms"
    if words & {
        "solution",
        "solutions",
        "fix",
        "fixes",
        "remediation",
        "resolution",
        "implementation",
        "workaround",
        "changes",
        "change",
    }:
        return "solution"
    if h.split()[0] in ("fixed", "corrected", "updated", "new") and words & {
        "configuration",
        "config",
        "code",
        "settings",
        "version",
        "setup",
    }:
        return "solution"
    if words & {"problem", "bug"} or h in (
        "issue",
        "the issue",
        "issue summary",
        "issue description",
        "issue statement",
    ):
        return "description"
    return None


# ------------------------------------------------------------------ whys

_WHY = re.compile(
    r"^\s*(\*\*|__)?\s*(?:why\s*(?:#|no\.?\s*|number\s*)?\s*(\d+)|(\d+)(?:st|nd|rd|th)?\s+why)"
    r"\s*(?:[:.)\-–—?]\s*)?",
    re.IGNORECASE,
)
_ANSWER = re.compile(
    r"^\s*(\*\*|__)?\s*(?:answer|a)\s*(?:\*\*|__)?\s*[:.\-–—]\s*(?:\*\*|__)?\s*", re.IGNORECASE
)
_QUESTION = re.compile(
    r"^\s*(\*\*|__)?\s*(?:question|q)\s*(?:\*\*|__)?\s*[:.\-–—]\s*(?:\*\*|__)?\s*", re.IGNORECASE
)
_ROOT_LABEL = re.compile(
    r"^\s*(\*\*|__)?\s*(?:the\s+)?(?:real\s+|actual\s+|final\s+)?root\s+cause"
    r"(?:\s+(?:identified|summary))?\s*(?:\*\*|__)?\s*[:.\-–—]\s*(?:\*\*|__)?\s*",
    re.IGNORECASE,
)
_ASKS_WHY = re.compile(r"^\s*(?:\*\*|__)?\s*why\b[^?\n]*\?", re.IGNORECASE)  # "1. Why …? …"
_ARROW = re.compile(r"\s*(?:→|->|=>|—|–)\s*")


def _why_label(text: str) -> int | None:
    match = _WHY.match(text)
    if match is None:
        return None
    return int(match.group(2) or match.group(3))


def _strip_label(text: str, pattern: re.Pattern[str]) -> str | None:
    """Text after a (bold) label such as ``**Answer:**``; None when there is no label."""
    match = pattern.match(text)
    if match is None:
        return None
    rest = text[match.end() :]
    bold = match.group(1)
    if bold and rest.startswith(bold):
        rest = rest[len(bold) :]
    elif bold and not match.group(0).rstrip().endswith(bold):
        # "**Why 1: question?**": the bold closes after the question
        close = rest.find(bold)
        if close >= 0:
            rest = rest[:close] + rest[close + len(bold) :]
    return rest.strip()


def _split_question(text: str) -> tuple[str, str]:
    """``"Why X? Because Y."`` → (``"Why X?"``, ``"Because Y."``); an Answer label or an
    arrow also separates them; a question alone gives an empty answer."""
    first, _, rest = text.partition("\n")
    answer = _strip_label(rest.strip(), _ANSWER)
    if answer is not None:
        return first.strip(), answer
    labelled = re.search(r"(\*\*|__)?\s*answer\s*(?:\*\*|__)?\s*:\s*(?:\*\*|__)?", first, re.I)
    if labelled and labelled.start() > 0:
        return first[: labelled.start()].strip(), (first[labelled.end() :] + "\n" + rest).strip()
    arrow = _ARROW.search(first)
    if arrow and "?" in first[: arrow.start()]:
        return first[: arrow.start()].strip(), (first[arrow.end() :] + "\n" + rest).strip()
    mark = first.find("?")
    if 0 <= mark < len(first.rstrip()) - 1:
        after = first[mark + 1 :].lstrip(" *_")
        if after:
            return first[: mark + 1].strip(" *_"), (after + "\n" + rest).strip()
    return first.strip(), rest.strip()


@dataclass
class _Why:
    number: int
    question: str
    answer: list[str] = field(default_factory=list)


@dataclass
class WhyChain:
    whys: list[tuple[str, str]] = field(default_factory=list)
    causes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def parse_whys(section: Section, report: Report) -> WhyChain:
    """The why chain of a section, in whichever form it is written."""
    chain = WhyChain()
    current: _Why | None = None
    in_cause = False
    found: list[_Why] = []

    def close() -> None:
        nonlocal current
        if current is not None:
            found.append(current)
            current = None

    def start(number: int, text: str) -> None:
        nonlocal current, in_cause
        close()
        in_cause = False
        labelled = _strip_label(text, _QUESTION)
        question, answer = _split_question(labelled if labelled is not None else text)
        current = _Why(number, question)
        if answer:
            current.answer.append(answer)

    def add_block(block: SyntaxTreeNode) -> None:
        nonlocal in_cause
        if block.type == "paragraph":
            lines = para_md(block).split("\n")
            if sum(_why_label(line) is not None for line in lines) >= 2:
                for line in lines:  # "**Why #1:** …" lines with no blank line between
                    add_text(line) if _why_label(line) is not None else add_other(line)
                return
            if add_text(para_md(block)):
                return
        if block.type in ("bullet_list", "ordered_list") and _is_why_list(block):
            for item in block.children:
                add_list_item(item)
            return
        text = block_md(block, report)
        if text:
            add_other(text, block.type in ("bullet_list", "ordered_list"), block)

    def add_text(text: str) -> bool:
        """A paragraph that starts a why, a root cause or a question; False for others."""
        nonlocal in_cause
        number = _why_label(text)
        if number is not None:
            start(number, _strip_label(text, _WHY) or "")
            return True
        cause = _strip_label(text, _ROOT_LABEL)
        if cause is not None:
            if current is not None and not current.answer and cause:
                current.answer.append(cause)  # "#### Why #5" + "**Root Cause:** …"
            close()
            in_cause = True
            if cause:
                chain.causes.append(cause)
            return True
        if current is not None and not current.question:
            q = _strip_label(text, _QUESTION)
            if q is None and not current.answer and _ASKS_WHY.match(text):
                q = text  # "#### Why #2" + "Why did …? Because …"
            if q is not None:
                current.question, answer = _split_question(q)
                if answer:
                    current.answer.append(answer)
                return True
        return False

    def add_other(text: str, listed: bool = False, block: SyntaxTreeNode | None = None) -> None:
        if in_cause:
            if listed and block is not None:
                chain.causes.extend(blocks_md(i.children, report) for i in block.children)
            else:
                chain.causes.append(text)
        elif current is not None:
            stripped = _strip_label(text, _ANSWER)
            current.answer.append(stripped if stripped is not None else text)
        else:
            chain.notes.append(text)

    def add_list_item(item: SyntaxTreeNode) -> None:
        children = list(item.children)
        first = children[0] if children else None
        text = para_md(first) if first is not None and first.type == "paragraph" else ""
        number = _why_label(text)
        body = _strip_label(text, _WHY) if number is not None else text
        start(number if number is not None else len(found) + (current is not None) + 1, body or "")
        for child in children[1:]:
            if child.type in ("bullet_list", "ordered_list"):
                for sub in child.children:
                    sub_text = blocks_md(sub.children, report)
                    answer = _strip_label(sub_text, _ANSWER)
                    assert current is not None
                    current.answer.append(answer if answer is not None else sub_text)
            else:
                add_block(child)
        close()

    def visit(sec: Section, top: bool) -> None:
        nonlocal in_cause
        if not top:
            number = _why_label(sec.title)
            if number is not None:
                start(number, _strip_label(sec.title, _WHY) or "")
            elif classify(sec.plain) == "root_causes":
                close()
                in_cause = True
            else:
                close()
                in_cause = False
                chain.notes.append(f"**{sec.title}**")
        for block in sec.blocks:
            add_block(block)
        for child in sec.children:
            visit(child, False)

    visit(section, True)
    close()
    for why in found:
        answer = "\n\n".join(a for a in why.answer if a.strip()).strip()
        question = why.question.strip() or f"Why #{why.number}?"
        if answer:
            chain.whys.append((question, answer))
        else:
            chain.notes.append(f"{question} (no answer given)")
    return chain


def _is_why_list(block: SyntaxTreeNode) -> bool:
    items = block.children
    if not items:
        return False
    labelled = 0
    for item in items:
        first = item.children[0] if item.children else None
        text = para_md(first) if first is not None and first.type == "paragraph" else ""
        if _why_label(text) is not None or _ASKS_WHY.match(text):
            labelled += 1
    return labelled >= max(1, len(items) // 2)


# ------------------------------------------------------------------ items of a section


def _list_items(block: SyntaxTreeNode, report: Report) -> list[str]:
    return [text for item in block.children if (text := blocks_md(item.children, report))]


def section_items(
    section: Section, report: Report, *, prefix: str = ""
) -> tuple[list[str], list[str]]:
    """(items, notes) of a list-like section: list items (and, without lists, paragraphs);
    lead-in and closing prose are notes. Subsection items get the subsection's title."""
    items: list[str] = []
    notes: list[str] = []
    blocks = section.blocks
    has_list = any(b.type in ("bullet_list", "ordered_list") for b in blocks)
    for n, block in enumerate(blocks):
        if block.type in ("bullet_list", "ordered_list"):
            items.extend(prefix + t for t in _list_items(block, report))
        elif block.type in ("fence", "code_block") and items:
            items[-1] += "\n\n" + block_md(block, report)
        elif block.type == "paragraph" and not has_list:
            items.append(prefix + para_md(block))
        elif block.type == "table":
            rows = _table_rows(block)
            if rows:
                items.extend(prefix + " - ".join(c for c in row if c) for row in rows)
        else:
            text = block_md(block, report)
            if text:
                notes.append(text)
        del n
    for child in section.children:
        sub_items, sub_notes = section_items(child, report, prefix=f"**{child.title}:** ")
        if not sub_items and not sub_notes:
            continue
        items.extend(sub_items)
        notes.extend(sub_notes)
    return items, notes


def _table_rows(block: SyntaxTreeNode) -> list[list[str]]:
    rows: list[list[str]] = []
    for part in block.children:
        if part.type != "tbody":
            continue
        for tr in part.children:
            cells = []
            for cell in tr.children:
                inline = inline_of(cell)
                from kbtool.reports.parser import inline_md

                cells.append(inline_md(inline).strip() if inline is not None else "")
            rows.append(cells)
    return rows


# ------------------------------------------------------------------ files

_CODE_PATH = re.compile(r"^\s*(\*\*|__)?`([^`\n]+)`(\*\*|__)?\s*(.*)$", re.DOTALL)
_SEPARATOR = re.compile(r"^\s*(?:-|—|–|:|\(|=>|→)\s*")


def file_line(item: str) -> str:
    """``"`app/x.py` - what changed"`` → ``"app/x.py - what changed"``."""
    first, _, more = item.partition("\n")
    match = _CODE_PATH.match(first)
    if match:
        path, note = match.group(2).strip(), match.group(4).strip()
        note = (
            _SEPARATOR.sub("", note, count=1).rstrip(")")
            if note.startswith("(")
            else _SEPARATOR.sub("", note, count=1)
        )
    else:
        cleaned = first.strip().strip("*_").strip()
        path, note = split_file_line(cleaned)
        path = path.strip("`*_")
    extra = " ".join(line.strip().lstrip("-*").strip() for line in more.split("\n") if line.strip())
    note = "; ".join(p for p in (note.strip(), extra) if p)
    return f"{path} - {note}" if note else path


def _file_items(section: Section, report: Report) -> tuple[list[str], list[str]]:
    files: list[str] = []
    notes: list[str] = []

    def from_list(block: SyntaxTreeNode, label: str) -> None:
        for item in block.children:
            children = list(item.children)
            head = para_md(children[0]) if children and children[0].type == "paragraph" else ""
            nested = [c for c in children[1:] if c.type in ("bullet_list", "ordered_list")]
            if head.rstrip("*_ ").endswith(":") and nested:
                sub_label = head.strip().strip("*_").strip().rstrip(":").strip("*_ ")
                for sub in nested:
                    from_list(sub, sub_label)
                continue
            text = blocks_md(children, report) if not nested else head
            line = file_line(text)
            if nested:
                subs = "; ".join(
                    blocks_md(i.children, report).replace("\n", " ")
                    for n in nested
                    for i in n.children
                )
                line = f"{line}; {subs}" if " - " in line else f"{line} - {subs}"
            if label:
                line = f"{line} ({label})" if " - " in line else f"{line} - {label}"
            files.append(line)

    def visit(sec: Section, label: str) -> None:
        for block in sec.blocks:
            if block.type in ("bullet_list", "ordered_list"):
                from_list(block, label)
            elif block.type == "table":
                for row in _table_rows(block):
                    if row and row[0]:
                        path = row[0].strip("`*_ ")
                        note = " - ".join(c for c in row[1:] if c)
                        files.append(f"{path} - {note}" if note else path)
            elif block.type == "paragraph":
                text = para_md(block)
                lines = [line for line in text.split("\n") if line.strip()]
                if all(_looks_like_path(file_line(line).split(" - ")[0]) for line in lines):
                    files.extend(file_line(line) for line in lines)
                else:
                    notes.append(text)
            else:
                text = block_md(block, report)
                if text:
                    notes.append(text)
        for child in sec.children:
            visit(child, child.plain)

    visit(section, "")
    return files, notes


def _heading_files(section: Section, report: Report) -> list[str]:
    """Sub-headings that name a file (``#### 1. `exports/writer.py` ``): the files modified,
    each with the first line of its text as the note."""
    files = []
    for child in section.children:
        title = _NUMBERING.sub("", child.plain).strip()
        path = title.strip("`*_ ").rstrip(":")
        if not _looks_like_path(path):
            continue
        first = next((block_md(b, report) for b in child.blocks if b.type == "paragraph"), "")
        note = first.split("\n", 1)[0].strip()
        files.append(f"{path} - {note}" if note else path)
    return files


def _looks_like_path(text: str) -> bool:
    return bool(text) and " " not in text and ("/" in text or "." in text)


# ------------------------------------------------------------------ symptoms

_ERROR_NAME = re.compile(
    r"^(?:[A-Za-z_][\w.]*\.)?[A-Z]\w*(?:Error|Exception|Warning|Exit|Interrupt)\b"
)
_PYTEST_E = re.compile(r"^E\s+")
_ERROR_WORDS = (
    "error",
    "exception",
    "no attribute",
    "not found",
    "cannot",
    "can't",
    "could not",
    "failed",
    "invalid",
    "unexpected",
    "is not",
    "not an",
    "denied",
    "refused",
    "timed out",
    "timeout",
    "traceback",
    "undefined",
    "missing",
)
_VERSIONS = re.compile(r"\s*\((?:versions?|seen with|in)\s*:?\s*`?([^`()]+?)`?\)\s*$", re.I)


def looks_like_error(text: str) -> bool:
    """An exception line, or a message of three or more words with an error word in it."""
    text = text.strip()
    if not text or len(text) > 500:
        return False
    if _ERROR_NAME.match(text) or text.lower().startswith("error:"):
        return True
    lowered = text.lower()
    return text.count(" ") >= 2 and any(word in lowered for word in _ERROR_WORDS)


def _code_spans(inline: SyntaxTreeNode) -> Iterable[str]:
    for node in inline.walk():
        if node.type == "code_inline":
            yield node.content


def _error_lines(code: str) -> list[str]:
    lines = [_PYTEST_E.sub("", line).strip() for line in code.split("\n")]
    hits = [line for line in lines if _ERROR_NAME.match(line) or line.lower().startswith("error:")]
    return hits[-2:] if len(hits) > 2 else hits


def symptoms_from_blocks(blocks: Iterable[SyntaxTreeNode]) -> list[str]:
    """Error messages quoted in prose: code spans and blockquotes that read as errors, and the
    exception lines of code blocks."""
    out: list[str] = []
    for block in blocks:
        for node in block.walk():
            if node.type == "inline":
                quoted = any(p.type == "blockquote" for p in _ancestors(node))
                out.extend(c for c in _code_spans(node) if looks_like_error(c))
                if quoted:
                    for line in plain_text_lines(node):
                        if looks_like_error(line):
                            out.append(line)
            elif node.type in ("fence", "code_block"):
                out.extend(_error_lines(node.content))
    return out


def plain_text_lines(inline: SyntaxTreeNode) -> list[str]:
    lines = [""]
    for node in inline.children:
        if node.type in ("softbreak", "hardbreak"):
            lines.append("")
        elif node.type in ("text", "code_inline", "html_inline"):
            lines[-1] += node.content
        elif node.children:
            lines[-1] += plain_text(node)
    return [line.strip() for line in lines if line.strip()]


def _ancestors(node: SyntaxTreeNode) -> Iterable[SyntaxTreeNode]:
    parent = node.parent
    while parent is not None and not parent.is_root:
        yield parent
        parent = parent.parent


def _symptom_items(section: Section, report: Report) -> tuple[list[tuple[str, str]], list[str]]:
    out: list[tuple[str, str]] = []
    notes: list[str] = []
    items, notes = section_items(section, report)
    for item in items:
        versions = ""
        match = _VERSIONS.search(item)
        if match:
            versions, item = match.group(1).strip(), item[: match.start()]
        text = item.strip()
        if text.startswith("`") and text.endswith("`") and text.count("`") % 2 == 0:
            text = text.strip("`").strip()
        elif text.startswith("```"):
            lines = _error_lines(text) or [ln for ln in text.split("\n")[1:-1] if ln.strip()][:3]
            out.extend((ln, versions) for ln in lines)
            continue
        if text:
            out.append((text, versions))
    return out, notes


# ------------------------------------------------------------------ solution


def _solution_steps(section: Section, report: Report) -> tuple[list[dict[str, Any]], list[str]]:
    steps: list[dict[str, Any]] = []
    notes: list[str] = []

    def code_of(block: SyntaxTreeNode) -> dict[str, Any]:
        lang = (block.info or "").split()[0] if block.type == "fence" and block.info else None
        return {"text": block.content, "lang": lang}

    def flat(blocks: list[SyntaxTreeNode], title: str = "") -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        current: dict[str, Any] | None = None
        prose: list[str] = [title] if title else []
        for block in blocks:
            if block.type in ("fence", "code_block"):
                if current is None or (prose and current["code"]):
                    current = {"text": "\n\n".join(prose), "code": []}
                    out.append(current)
                elif prose:
                    current["text"] = "\n\n".join(p for p in (current["text"], *prose) if p)
                prose = []
                current["code"].append(code_of(block))
            elif (
                block.type in ("bullet_list", "ordered_list")
                and not title
                and not prose
                and current is None
                and len(blocks) == 1
            ):
                for item in block.children:
                    texts = [
                        block_md(c, report)
                        for c in item.children
                        if c.type not in ("fence", "code_block")
                    ]
                    codes = [code_of(c) for c in item.walk() if c.type in ("fence", "code_block")]
                    out.append({"text": "\n\n".join(t for t in texts if t), "code": codes})
            else:
                text = block_md(block, report)
                if not text:
                    continue
                if current is not None and current["code"] and not prose:
                    current = None
                prose.append(text)
        if prose:
            if current is not None and not current["code"]:
                current["text"] = "\n\n".join(p for p in (current["text"], *prose) if p)
            else:
                out.append({"text": "\n\n".join(prose), "code": []})
        return out

    def collect(sec: Section) -> list[SyntaxTreeNode]:
        blocks = list(sec.blocks)
        for child in sec.children:
            blocks.extend(collect(child))
        return blocks

    if section.children:
        intro = [b for b in section.blocks]
        if intro:
            lead = flat(intro)
            if len(lead) == 1 and not lead[0]["code"]:
                notes.append(lead[0]["text"])
            else:
                steps.extend(lead)
        for child in section.children:
            title = _NUMBERING.sub("", child.title).strip()
            blocks = list(child.blocks)
            for grandchild in child.children:
                blocks.extend(collect(grandchild))
            texts = [block_md(b, report) for b in blocks if b.type not in ("fence", "code_block")]
            codes = [code_of(b) for b in blocks if b.type in ("fence", "code_block")]
            codes += [
                code_of(n)
                for b in blocks
                if b.type not in ("fence", "code_block")
                for n in b.walk()
                if n.type in ("fence", "code_block")
            ]
            steps.append({"text": "\n\n".join(t for t in (title, *texts) if t), "code": codes})
    else:
        steps.extend(flat(section.blocks))
    return [s for s in steps if s["text"] or s["code"]], notes


# ------------------------------------------------------------------ preamble

_META = re.compile(
    r"^\s*(?:\*\*|__)?\s*(date|created|severity|priority|status|author|"
    r"category|tags|impact level)\s*(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*(.+?)\s*$",
    re.IGNORECASE,
)
_ISO_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")


def normalize_severity(value: str) -> Severity | None:
    """``CRITICAL``, ``P0_CRITICAL``, ``Mission critical``, ``P1`` … → a Severity."""
    text = value.lower()
    for sev, words in (
        (Severity.CRITICAL, ("critical", "p0", "blocker", "sev1", "sev-1", "urgent")),
        (Severity.HIGH, ("high", "p1", "major", "sev2", "sev-2")),
        (Severity.MEDIUM, ("medium", "moderate", "p2", "normal", "sev3", "sev-3")),
        (Severity.LOW, ("low", "p3", "p4", "minor", "trivial", "sev4", "sev-4")),
    ):
        if any(re.search(rf"(?<![a-z0-9]){re.escape(w)}(?![a-z0-9])", text) for w in words):
            return sev
    return None


@dataclass
class Meta:
    date: dt.date | None = None
    severity: Severity | None = None
    tags: list[str] = field(default_factory=list)
    category: str = ""
    lines: list[str] = field(default_factory=list)


def _preamble_meta(report: Report) -> tuple[Meta, list[SyntaxTreeNode]]:
    meta = Meta()
    rest: list[SyntaxTreeNode] = []
    for block in report.preamble:
        if block.type != "paragraph":
            rest.append(block)
            continue
        lines = para_md(block).split("\n")
        kept = []
        for line in lines:
            match = _META.match(line)
            if match is None:
                kept.append(line)
                continue
            key, value = match.group(1).lower(), match.group(2).strip("*_ ")
            meta.lines.append(line.strip())
            if key in ("date", "created"):
                iso = _ISO_DATE.search(value)
                if iso:
                    with contextlib.suppress(ValueError):
                        meta.date = meta.date or dt.date.fromisoformat(iso.group(1))
            elif key in ("severity", "priority", "impact level"):
                meta.severity = meta.severity or normalize_severity(value)
            elif key == "tags":
                meta.tags = [t for t in re.split(r"[,\s]+", value.replace("`", "")) if t]
            elif key == "category":
                meta.category = value
        if any(line.strip() for line in kept):
            rest.append(block)
    fm = report.front_matter
    if "date" in fm and meta.date is None:
        value = fm["date"]
        if isinstance(value, dt.date):
            meta.date = value if not isinstance(value, dt.datetime) else value.date()
        elif isinstance(value, str) and (iso := _ISO_DATE.search(value)):
            with contextlib.suppress(ValueError):
                meta.date = dt.date.fromisoformat(iso.group(1))
    for key in ("severity", "priority"):
        if isinstance(fm.get(key), str) and meta.severity is None:
            meta.severity = normalize_severity(fm[key])
    if isinstance(fm.get("tags"), list):
        meta.tags = [str(t) for t in fm["tags"] if str(t).strip()]
    if isinstance(fm.get("category"), str):
        meta.category = meta.category or fm["category"]
    return meta, rest


# ------------------------------------------------------------------ the result


@dataclass(frozen=True)
class Mapped:
    field: str
    count: int
    source: str


@dataclass(frozen=True)
class Kept:
    heading: str
    line: int
    reason: str


@dataclass
class ImportResult:
    learning: Learning
    mapped: list[Mapped]
    kept: list[Kept]
    warnings: list[Any]
    meta: Meta


def _xml_safe(text: str) -> str:
    return re.sub(r"[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]", "", text)


def _section_element(heading: str, text: str, **attrs: str) -> str:
    from lxml import etree

    el = etree.Element("section", {"heading": _xml_safe(heading), **attrs})
    el.text = _xml_safe(text)
    return etree.tostring(el, encoding="unicode")


def _where(sec: Section) -> str:
    return f"{'#' * sec.level} {sec.plain} (line {sec.line})"


def plan_sections(report: Report) -> list[tuple[Section, str | None]]:
    """Each section to read, with its field (None: kept as-is). A subsection whose heading
    names another field (``### Symptoms`` under the problem) is read as that field."""
    out: list[tuple[Section, str | None]] = []

    def visit(sec: Section, parent_field: str | None) -> Section:
        keep = []
        for child in sec.children:
            kind = classify(child.plain)
            short = len(normalize_heading(child.plain).split()) <= 3
            if (
                parent_field is not None
                and kind is not None
                and kind != parent_field
                and short
                and not (parent_field == "whys" and kind == "root_causes")
                and not (parent_field == "solution" and kind is None)
                and _why_label(child.plain) is None
            ):
                out.append((visit(child, kind), kind))
            else:
                keep.append(child)
        sec.children = keep
        return sec

    for sec in report.sections:
        kind = classify(sec.plain)
        own = Section(sec.title, sec.plain, sec.level, sec.line, sec.anchor, blocks=sec.blocks)
        if kind is None and len(parse_whys(own, report).whys) >= 2:
            kind = "whys"  # "## Duplicate Emails After Signup" holding **Why #1:** … lines
        if kind is not None:
            out.append((visit(sec, kind), kind))
            continue
        children = sec.children

        def field_of(child: Section) -> str | None:
            kind = classify(child.plain)
            if kind == "whys" and len(parse_whys(child, report).whys) < 2:
                return None  # "### Why attribute access cannot await": prose, not a chain
            return kind

        if not any(field_of(c) is not None for c in children):
            out.append((sec, None))
            continue
        # "## Technical Analysis": its own text is kept; its "### Five Whys" or "### Fixed
        # Configuration" is read as that field, its other subsections kept, in order
        sec.end, sec.children = children[0].start, []
        out.append((sec, None))
        for child in children:
            kind = field_of(child)
            out.append((visit(child, kind) if kind is not None else child, kind))
    return out


def import_report(
    report: Report,
    *,
    config: Config,
    category: str,
    entry_id: str,
    date: dt.date,
    report_href: str | None,
    graph: LinkGraph | None = None,
    category_file: Path | None = None,
) -> ImportResult:
    """Map a parsed report onto a :class:`~kbtool.model.Learning` (see the module docs)."""
    from kbtool.model import Learning, Reference

    if report.errors:
        first = report.errors[0]
        raise ImportFailed(f"{first.path}:{first.line}: {first.message}; not imported")
    if report.empty:
        raise ImportFailed(f"{report.display}: empty file; nothing to import")
    if not report.title:
        raise ImportFailed(
            f"{report.display}:1: no title: a report starts with a '# Title' "
            "heading (or front matter with 'title:'); not imported"
        )

    mapped: list[Mapped] = []
    kept: list[Kept] = []
    extras: list[str] = []
    meta, preamble = _preamble_meta(report)
    data: dict[str, Any] = {k: [] for k in FIELD_ORDER}
    description_parts: list[str] = []
    symptoms: list[tuple[str, str]] = []
    quoted: list[str] = []
    chain = WhyChain()
    last_key = "title"
    pending_causes: list[str] = []

    def note(sec: Section, key: str, texts: list[str]) -> None:
        text = "\n\n".join(t for t in texts if t.strip())
        if text.strip():
            extras.append(_section_element(sec.title, text, field=XML_NAMES[key]))
            kept.append(Kept(sec.plain, sec.line, f"prose kept with {XML_NAMES[key]}"))

    if preamble:
        text = blocks_md(preamble, report)
        quoted.extend(symptoms_from_blocks(preamble))
        if not any(classify(s.plain) == "description" for s in report.sections):
            description_parts.append(text)
            mapped.append(
                Mapped("description", 1, f"text under the title (line {report.title_line})")
            )
        elif text.strip():
            extras.append(_section_element("", text, after="title"))
            kept.append(Kept("(text under the title)", report.title_line, "no field"))

    for sec, key in plan_sections(report):
        if key is None:
            raw = _xml_safe(report.source(sec.start + 1, sec.end))
            extras.append(_section_element(sec.title, raw, after=last_key))
            kept.append(Kept(sec.plain, sec.line, "no field for this heading"))
            continue
        last_key = key
        if key == "description":
            own = blocks_md(sec.blocks, report)
            subs = [
                f"**{c.title}**\n\n{blocks_md(c.blocks, report)}".strip() for c in sec.walk()[1:]
            ]
            description_parts.append("\n\n".join(t for t in (own, *subs) if t))
            quoted.extend(symptoms_from_blocks([b for s in sec.walk() for b in s.blocks]))
            mapped.append(Mapped("description", 1, _where(sec)))
        elif key == "symptoms":
            listed, notes = _symptom_items(sec, report)
            symptoms.extend(listed)
            note(sec, key, notes)
            mapped.append(Mapped("symptoms", len(listed), _where(sec)))
        elif key in ("whys", "root_causes"):
            found = parse_whys(sec, report)
            chain.whys.extend(found.whys)
            if classify(sec.plain) is None and found.notes:  # a section named after the bug
                description_parts.extend(found.notes)
                mapped.append(Mapped("description", 1, f"text around the whys of {_where(sec)}"))
                found.notes = []
            if key == "root_causes" and not found.whys and not found.causes:
                items, notes = section_items(sec, report)
                found.causes.extend(items)
                found.notes = notes
            pending_causes.extend(found.causes)
            note(sec, "whys" if found.whys else "root_causes", found.notes)
            if found.whys:
                mapped.append(Mapped("five-whys", len(found.whys), _where(sec)))
            if found.causes:
                mapped.append(Mapped("root-causes", len(found.causes), _where(sec)))
        elif key == "solution":
            steps, notes = _solution_steps(sec, report)
            data["solution"].extend(steps)
            named = _heading_files(sec, report)
            if named:
                data["files"].extend(named)
                mapped.append(
                    Mapped("files-modified", len(named), f"sub-headings of {_where(sec)}")
                )
            note(sec, key, notes)
            codes = sum(len(s["code"]) for s in steps)
            mapped.append(Mapped("solution", len(steps), f"{_where(sec)}; {codes} code blocks"))
        elif key == "files":
            files, notes = _file_items(sec, report)
            data["files"].extend(files)
            note(sec, key, notes)
            mapped.append(Mapped("files-modified", len(files), _where(sec)))
        elif key in ("verification", "prevention"):
            items, notes = section_items(sec, report)
            data[key].extend(items)
            note(sec, key, notes)
            mapped.append(Mapped(key, len(items), _where(sec)))
        elif key == "references":
            refs, notes = _related(sec, report, config, graph, category_file)
            data["references"].extend(refs)
            note(sec, key, notes)
            mapped.append(Mapped("references", len(refs), _where(sec)))

    description = "\n\n".join(p for p in description_parts if p.strip()).strip()
    if not description:
        description = report.title
        mapped.append(Mapped("description", 1, "the title (the report has no problem statement)"))

    seen: set[str] = set()
    symptom_rows = []
    for text, versions in [*symptoms, *((q, "") for q in quoted)]:
        key = " ".join(text.split())
        if key and key not in seen:
            seen.add(key)
            row: dict[str, Any] = {"text": key}
            if versions:
                row["versions"] = versions
            symptom_rows.append(row)
    if quoted:
        mapped.append(
            Mapped("symptoms", len(quoted), "error messages quoted in the problem statement")
        )
    causes = pending_causes
    if not causes and chain.whys:
        causes = [chain.whys[-1][1].split("\n\n")[0]]
        mapped.append(Mapped("root-causes", 1, f"the answer to the last why (#{len(chain.whys)})"))

    references = list(data["references"])
    references.extend(_mentioned_refs(report, config, graph, category_file, references))
    if report_href:
        references.insert(0, {"kind": "fix-report", "target": report_href, "label": ""})
    seen_refs: set[tuple[str, str]] = set()
    unique_refs = []
    for ref in references:
        if (ref["kind"], ref["target"]) not in seen_refs:
            seen_refs.add((ref["kind"], ref["target"]))
            unique_refs.append(Reference(**ref))

    learning = Learning(
        id=entry_id,
        severity=meta.severity,
        title=_xml_safe(entry_title(report.title)),
        date=meta.date or date,
        category=category,
        description=_xml_safe(description),
        tags=_tags(meta.tags),
        symptoms=[{**r, "text": _xml_safe(r["text"])} for r in symptom_rows],
        root_causes=[_xml_safe(c) for c in causes if c.strip()],
        five_whys=[{"question": _xml_safe(q), "answer": _xml_safe(a)} for q, a in chain.whys],
        solution=[
            {
                "text": _xml_safe(s["text"]),
                "code": [{"text": _xml_safe(c["text"]), "lang": c["lang"]} for c in s["code"]],
            }
            for s in data["solution"]
        ],
        files_modified=[_xml_safe(f) for f in data["files"] if f.strip()],
        verification=[_xml_safe(v) for v in data["verification"] if v.strip()],
        prevention=[_xml_safe(p) for p in data["prevention"] if p.strip()],
        references=unique_refs,
        extras=extras,
    )
    return ImportResult(learning, mapped, kept, list(report.warnings), meta)


def _tags(tags: list[str]) -> list[str]:
    out: list[str] = []
    for tag in tags:
        clean = re.sub(r"\s+", "-", tag.strip())[:64]
        if clean and clean not in out:
            out.append(clean)
    return out


# ------------------------------------------------------------------ references

_URL_IN_TEXT = re.compile(r"https?://[^\s)>\]`]+")
_ISSUE_URL = re.compile(r"/(?:issues|pull|merge_requests)/\d+|/browse/[A-Z][A-Z0-9]+-\d+")


def _rel_href(config: Config, category_file: Path | None, target: str) -> str:
    base = (category_file or config.learnings_dir / "x.xml").parent
    return PurePosixPath(os.path.relpath(config.root / PurePosixPath(target), base)).as_posix()


def _related(
    sec: Section,
    report: Report,
    config: Config,
    graph: LinkGraph | None,
    category_file: Path | None,
) -> tuple[list[dict[str, str]], list[str]]:
    """References from a Related section: URLs, entries and KB files its items name. Items
    that name nothing resolvable, and the section's prose, are kept (in order) as notes."""
    from kbtool.reports.links import _candidates, _inline_items

    refs: list[dict[str, str]] = []
    notes: list[str] = []

    def item_refs(item: SyntaxTreeNode) -> list[dict[str, str]]:
        text = blocks_md(item.children, report)
        label = " ".join(text.split())
        found: list[dict[str, str]] = []
        for node in item.walk():
            if node.type != "inline":
                continue
            for kind, value, _ in _inline_items(node, 0):
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
                            "kind": "issue" if _ISSUE_URL.search(url) else "link",
                            "target": url,
                            "label": label,
                        }
                    )
                if graph is not None:
                    for cand in _candidates(kind, value, 0, []):
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
    report: Report,
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


def _mentioned_refs(
    report: Report,
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


# ------------------------------------------------------------------ choosing a category

_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "this",
        "to",
        "was",
        "were",
        "with",
        "when",
        "why",
        "what",
        "not",
        "no",
        "how",
        "error",
        "fix",
        "report",
        "issue",
    ]
)


def _tokens(text: str) -> list[str]:
    return [t for t in re.findall(r"[a-z][a-z0-9]{2,}", text.lower()) if t not in _STOP]


def closest_category(config: Config, report: Report, kb: Any | None = None) -> tuple[str, float]:
    """The existing category whose entries share the most (idf-weighted) words with the
    report; ``("General", 0.0)`` for an empty KB."""
    import math
    from collections import Counter

    from kbtool.kb import KnowledgeBase

    kb = kb or KnowledgeBase.load(config)
    docs: dict[str, Counter[str]] = {}
    for source in kb.sources:
        if source.root is None or source.root.tag != "specification":
            continue
        name = (source.root.findtext("metadata/category") or "").strip()
        if not name:
            continue
        words = docs.setdefault(name, Counter())
        words.update(_tokens(name.replace("/", " ")) * 5)
        for entry in source.root.iterfind("learnings/learning"):
            words.update(_tokens(" ".join(str(t) for t in entry.itertext())))
    if not docs:
        return "General", 0.0
    text = " ".join([report.title] * 3 + report.lines)
    query = Counter(_tokens(text))
    df: Counter[str] = Counter()
    for words in docs.values():
        df.update(set(words))
    n = len(docs)
    best, best_score = "", -1.0
    for name in sorted(docs):
        words = docs[name]
        total = sum(words.values()) or 1
        score = sum(
            min(count, 5) * (words[t] / total) * math.log(1 + n / df[t])
            for t, count in query.items()
            if t in words
        )
        if score > best_score:
            best, best_score = name, score
    return best, best_score
