"""The five whys of a fix-report section, in every form reports write them: headings, bold
lines, list lines, with or without ``**Answer:**`` / ``**Question:**`` labels, and a
``**Root Cause:**`` line that answers the last why or names the root cause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kbtool.reports.headings import WHY_LABEL, field_of_heading, why_label
from kbtool.reports.parser import (
    FixReport,
    Section,
    block_md,
    blocks_md,
    para_md,
)

if TYPE_CHECKING:
    from markdown_it.tree import SyntaxTreeNode


# ------------------------------------------------------------------ whys

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


def parse_whys(section: Section, report: FixReport) -> WhyChain:
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

    def start(number: int, text: str, heading: bool = False) -> None:
        nonlocal current, in_cause
        close()
        in_cause = False
        labelled = _strip_label(text, _QUESTION)
        question, answer = (
            (text.strip(), "")  # a heading is the question, whatever "?" it holds inside
            if heading and text.rstrip().endswith("?")
            else _split_question(labelled if labelled is not None else text)
        )
        current = _Why(number, question)
        if answer:
            current.answer.append(answer)

    def add_block(block: SyntaxTreeNode) -> None:
        nonlocal in_cause
        if block.type == "paragraph":
            lines = para_md(block).split("\n")
            if sum(why_label(line) is not None for line in lines) >= 2:
                for line in lines:  # "**Why #1:** …" lines with no blank line between
                    add_text(line) if why_label(line) is not None else add_other(line)
                return
            if add_text(para_md(block)):
                return
        if block.type == "blockquote" and any(
            why_label(para_md(c)) is not None for c in block.children if c.type == "paragraph"
        ):  # "> **Why 1:** …" quoted
            for child in block.children:
                add_block(child)
            return
        rows = _why_rows(block) if block.type == "table" else []
        if rows:  # "| # | Why? | Because |"
            for number, question, answer in rows:
                start(number, question)
                if answer:
                    assert current is not None
                    current.answer.append(answer)
            close()
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
        number = why_label(text)
        if number is not None:
            start(number, _strip_label(text, WHY_LABEL) or "")
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
        number = why_label(text)
        body = _strip_label(text, WHY_LABEL) if number is not None else text
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
            number = why_label(sec.title)
            if number is not None:
                start(number, _strip_label(sec.title, WHY_LABEL) or "", heading=True)
            elif _ASKS_WHY.match(sec.title) and sec.title.rstrip().endswith("?"):
                start(len(found) + (current is not None) + 1, sec.title, heading=True)
            elif field_of_heading(sec.plain) == "root_causes":
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
        if why_label(text) is not None or _ASKS_WHY.match(text):
            labelled += 1
    return labelled >= max(1, len(items) // 2)


_QUESTION_HEAD = re.compile(r"\b(?:why|question|whys)\b", re.IGNORECASE)
_ANSWER_HEAD = re.compile(r"\b(?:answer|because|reason|cause|finding|explanation)\b", re.IGNORECASE)
_NUMBER_CELL = re.compile(r"^\s*(?:why\s*)?#?\s*(\d{1,2})\.?\s*$", re.IGNORECASE)


def _why_rows(table: SyntaxTreeNode) -> list[tuple[int, str, str]]:
    """A why chain written as a table (``| # | Why? | Because |`` or ``| Why | Answer |``):
    (number, question, answer) per row; empty when fewer than two rows ask why."""
    from kbtool.reports.parser import inline_md

    rows = [
        [inline_md(c.children[0]).strip() if c.children else "" for c in row.children]
        for row in table.walk()
        if row.type == "tr"
    ]
    if len(rows) < 3:
        return []
    head, body = rows[0], rows[1:]
    asks = [i for i, h in enumerate(head) if _QUESTION_HEAD.search(h)]
    if not asks:
        asks = [
            i
            for i in range(len(head))
            if sum(bool(_ASKS_WHY.match(r[i])) for r in body if i < len(r)) >= 2
        ]
    if not asks:
        return []
    q = asks[0]
    answers = [i for i, h in enumerate(head) if i != q and _ANSWER_HEAD.search(h)]
    a = answers[0] if answers else q + 1
    if a >= len(head) or sum(bool(_ASKS_WHY.match(r[q])) for r in body if q < len(r)) < 2:
        return []
    out = []
    for n, row in enumerate(body, 1):
        cells = row + [""] * (len(head) - len(row))
        numbers = (_NUMBER_CELL.match(c) for i, c in enumerate(cells) if i not in (q, a))
        number = next((int(m.group(1)) for m in numbers if m), n)
        if cells[q]:
            out.append((number, cells[q], cells[a]))
    return out
