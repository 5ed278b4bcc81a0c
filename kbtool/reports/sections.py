"""Reading the items of a fix-report section: list items and paragraphs, files modified,
symptoms (also error messages quoted anywhere), and solution steps with their code blocks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from kbtool.entryview import split_file_line
from kbtool.reports.headings import NUMBERING
from kbtool.reports.parser import (
    FixReport,
    Section,
    block_md,
    blocks_md,
    inline_md,
    inline_of,
    para_md,
    plain_text,
)
from kbtool.reports.rendered import (
    CODE_LABEL,
    FILE_STEP,
    INFO_VALUE,
    UNTITLED_STEP,
    abbreviates,
    sentence_form,
)

if TYPE_CHECKING:
    from markdown_it.tree import SyntaxTreeNode


# ------------------------------------------------------------------ items of a section


def list_items(block: SyntaxTreeNode, report: FixReport) -> list[str]:
    return [text for item in block.children if (text := blocks_md(item.children, report))]


def section_items(
    section: Section, report: FixReport, *, prefix: str = ""
) -> tuple[list[str], list[str]]:
    """(items, notes) of a list-like section: list items (and, without lists, paragraphs);
    lead-in and closing prose are notes. Subsection items get the subsection's title."""
    items: list[str] = []
    notes: list[str] = []
    blocks = section.blocks
    has_list = any(b.type in ("bullet_list", "ordered_list") for b in blocks)
    for n, block in enumerate(blocks):
        if block.type in ("bullet_list", "ordered_list"):
            items.extend(prefix + t for t in list_items(block, report))
        elif block.type in ("fence", "code_block") and items:
            items[-1] += "\n\n" + block_md(block, report)
        elif block.type == "paragraph" and not has_list:
            items.append(prefix + para_md(block))
        elif block.type == "table":
            items.extend(prefix + text for text in _table_items(block))
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


def _table_items(block: SyntaxTreeNode) -> list[str]:
    """A table of action items, an item a row: the row's main cell (the column whose cells
    are longest: the action, whatever its position), then the others named by their
    column, ``Add an alert (Owner: @maria; Ticket: OPS-112; Status: Done)``; a column that
    only numbers the rows is left out. Without a header for each column, a row's cells are
    joined with " - "."""
    rows = _table_rows(block)
    header = _table_rows(block, part="thead")
    names = header[0] if header else []
    if not rows:
        return []
    width = max(len(row) for row in rows)
    if len(names) != width or not any(names):
        return [" - ".join(c for c in row if c) for row in rows]
    rows = [row + [""] * (width - len(row)) for row in rows]
    main = max(range(width), key=lambda k: sum(len(r[k]) for r in rows))
    numbers = [str(n) for n in range(1, len(rows) + 1)]
    dropped = {main} | {k for k in range(width) if [r[k] for r in rows] == numbers}
    items = []
    for cells in rows:
        rest = [
            f"{names[k]}: {c}" if names[k] else c
            for k, c in enumerate(cells)
            if k not in dropped and c
        ]
        head = cells[main]
        if not head and rest:
            head = rest.pop(0)
        items.append(f"{head} ({'; '.join(rest)})" if rest else head)
    return [item for item in items if item]


def _table_rows(block: SyntaxTreeNode, part: str = "tbody") -> list[list[str]]:
    """The rows of a table's body (``part="thead"``: of its header) as plain cells."""
    rows: list[list[str]] = []
    for section in block.children:
        if section.type != part:
            continue
        for tr in section.children:
            cells = []
            for cell in tr.children:
                inline = inline_of(cell)

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


def file_items(section: Section, report: FixReport) -> tuple[list[str], list[str]]:
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


def heading_files(section: Section, report: FixReport) -> list[str]:
    """Sub-headings that name a file (``#### 1. `exports/writer.py` ``): the files modified,
    each with the first line of its text as the note."""
    files = []
    for child in section.children:
        title = NUMBERING.sub("", child.plain).strip()
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


_TICKS = re.compile(r"`+")


def _whole_code_span(text: str) -> str | None:
    """The content of ``text`` when all of it is one code span (CommonMark: the closing
    run is the first run of the same length), else None: "`a` fails with `b`" is prose."""
    opening = _TICKS.match(text)
    if opening is None:
        return None
    fence = opening.group()
    closing = next((m for m in _TICKS.finditer(text, opening.end()) if m.group() == fence), None)
    if closing is None or closing.end() != len(text) or closing.start() == opening.end():
        return None
    inner = text[opening.end() : closing.start()]
    if len(inner) > 2 and inner.startswith(" ") and inner.endswith(" ") and inner.strip():
        inner = inner[1:-1]
    return inner


def symptom_items(section: Section, report: FixReport) -> tuple[list[tuple[str, str]], list[str]]:
    out: list[tuple[str, str]] = []
    notes: list[str] = []
    items, notes = section_items(section, report)
    for item in items:
        versions = ""
        match = _VERSIONS.search(item)
        if match:
            versions, item = match.group(1).strip(), item[: match.start()]
        text = item.strip()
        whole = _whole_code_span(text)
        if whole is not None:
            text = whole.strip()
        elif text.startswith("```"):
            lines = _error_lines(text) or [ln for ln in text.split("\n")[1:-1] if ln.strip()][:3]
            out.extend((ln, versions) for ln in lines)
            continue
        if text:
            out.append((text, versions))
    return out, notes


# ------------------------------------------------------------------ solution


def _fence_attrs(block: SyntaxTreeNode | None) -> dict[str, str] | None:
    """A fenced block's ``file=`` and ``kind=`` words (None: not a fence)."""
    if block is None or block.type != "fence":
        return None
    words = (block.info or "").split()  # the language first, if any
    return dict(w.split("=", 1) for w in words if w.startswith(("file=", "kind=")))


def _generated_label(
    text: str, after: SyntaxTreeNode | None, before: SyntaxTreeNode | None
) -> bool:
    """Whether a paragraph is the label render wrote over the code block ``after``: Broken
    over a ``kind=bad`` block, Fixed over the block after one, In over a block of a file;
    its file the block's (when the info string could hold it)."""
    label = CODE_LABEL.match(text)
    code = _fence_attrs(after)
    if label is None or code is None:
        return False
    bad = code.get("kind") == "bad"
    previous = _fence_attrs(before)
    word = label["word"]
    if word == "Broken" and not bad:
        return False
    if word == "Fixed" and (bad or previous is None or previous.get("kind") != "bad"):
        return False
    if word == "In" and (bad or not label["file"]):
        return False
    named, written = label["file"], code.get("file")
    unwritable = named is not None and not INFO_VALUE.fullmatch(named)
    return written == named or (written is None and unwritable)


def solution_steps(section: Section, report: FixReport) -> tuple[list[dict[str, Any]], list[str]]:
    steps: list[dict[str, Any]] = []
    notes: list[str] = []

    def code_of(block: SyntaxTreeNode) -> dict[str, Any]:
        words = (block.info or "").split() if block.type == "fence" else []
        lang = words[0] if words and "=" not in words[0] else None
        attrs = _fence_attrs(block) or {}
        return {  # the text without the fence's own newline
            "text": block.content.removesuffix("\n"),
            "lang": lang,
            **({"file": attrs["file"]} if attrs.get("file") else {}),
            **({"kind": "bad"} if attrs.get("kind") == "bad" else {}),
        }

    def prose(blocks: list[SyntaxTreeNode]) -> list[SyntaxTreeNode]:
        """The blocks but the labels ``kbtool render`` wrote for code of given attributes:
        a label agrees with the fence after it (and the one before), as the template wrote
        it; a paragraph of the entry's own that reads like one stays."""
        kept = []
        for i, block in enumerate(blocks):
            after = blocks[i + 1] if i + 1 < len(blocks) else None
            before = blocks[i - 1] if i > 0 else None
            if block.type == "paragraph" and _generated_label(para_md(block), after, before):
                continue
            kept.append(block)
        return kept

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
            title = NUMBERING.sub("", child.title).strip()
            blocks = list(child.blocks)
            for grandchild in child.children:
                blocks.extend(collect(grandchild))
            blocks = prose(blocks)
            texts = [block_md(b, report) for b in blocks if b.type not in ("fence", "code_block")]
            codes = [code_of(b) for b in blocks if b.type in ("fence", "code_block")]
            codes += [
                code_of(n)
                for b in blocks
                if b.type not in ("fence", "code_block")
                for n in b.walk()
                if n.type in ("fence", "code_block")
            ]
            if texts and abbreviates(title, texts[0]):
                title = ""  # "### 1. Add a lock …" over "Add a lock around rebuilds, …"
            files = [c["file"] for c in codes if c.get("file")]
            untitled = [UNTITLED_STEP, *(FILE_STEP.format(f) for f in files[:1])]
            if title in untitled and not texts:
                title = ""  # the heading render gives a step of code alone
            title = sentence_form(title)
            steps.append({"text": "\n\n".join(t for t in (title, *texts) if t), "code": codes})
    else:
        steps.extend(flat(section.blocks))
    return [s for s in steps if s["text"] or s["code"]], notes
