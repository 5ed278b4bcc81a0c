"""Parse a Markdown fix report into a title and a tree of sections, with markdown-it-py.

The structure (headings, paragraphs, lists, fences, tables) comes from markdown-it's token
stream; nothing here splits the document with regular expressions. Text taken out of a
report is "Markdown-lite" (see :mod:`kbtool.render.mdescape`): inline code, emphasis and links are
kept in Markdown form; entities and backslash escapes are decoded.

Line numbers are 1-based and count from the first line of the file, front matter included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kbtool.diagnostics import Diagnostic, Severity, display_path
from kbtool.hrefs import slugify_heading

if TYPE_CHECKING:
    from markdown_it.tree import SyntaxTreeNode

    from kbtool.config import Config

MAX_TABLE_COLUMNS = 64
"""A line with more ``|`` than this turns table parsing off for the file (bounded time)."""


@dataclass
class Section:
    """A heading and what follows it up to the next heading of the same or a higher level."""

    title: str
    plain: str
    level: int
    line: int
    anchor: str
    blocks: list[SyntaxTreeNode] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)
    start: int = 0
    end: int = 0

    def walk(self) -> list[Section]:
        """This section and all its subsections, in document order."""
        out = [self]
        for child in self.children:
            out.extend(child.walk())
        return out


@dataclass
class FixReport:
    """A parsed fix report."""

    display: str
    lines: list[str]
    title: str = ""
    title_line: int = 0
    front_matter: dict[str, Any] = field(default_factory=dict)
    preamble: list[SyntaxTreeNode] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    anchors: dict[str, int] = field(default_factory=dict)
    warnings: list[Diagnostic] = field(default_factory=list)
    errors: list[Diagnostic] = field(default_factory=list)
    root: SyntaxTreeNode | None = None

    def source(self, start: int, end: int) -> str:
        """Raw lines ``start`` (0-based) up to ``end`` (exclusive), trailing blank lines cut."""
        return "\n".join(self.lines[start:end]).strip("\n")

    @property
    def empty(self) -> bool:
        return not any(line.strip() for line in self.lines)


# ------------------------------------------------------------------ anchors


def _unique_anchor(slug: str, seen: dict[str, int]) -> str:
    if slug not in seen:
        seen[slug] = 0
        return slug
    seen[slug] += 1
    candidate = f"{slug}-{seen[slug]}"
    while candidate in seen:
        seen[slug] += 1
        candidate = f"{slug}-{seen[slug]}"
    seen[candidate] = 0
    return candidate


# ------------------------------------------------------------------ Markdown-lite text


def inline_md(node: SyntaxTreeNode) -> str:
    """Markdown-lite source of an inline node: text decoded, inline markup kept."""
    out: list[str] = []
    for child in node.children:
        kind = child.type
        if kind == "text":
            out.append(child.content)
        elif kind == "code_inline":
            fence = child.markup or "`"
            pad = " " if child.content.startswith("`") or child.content.endswith("`") else ""
            out.append(f"{fence}{pad}{child.content}{pad}{fence}")
        elif kind in ("softbreak", "hardbreak"):
            out.append("\n")
        elif kind in ("strong", "em"):
            mark = child.markup or ("**" if kind == "strong" else "*")
            out.append(f"{mark}{inline_md(child)}{mark}")
        elif kind == "link":
            href = str(child.attrs.get("href", ""))
            label = inline_md(child)
            if child.markup == "autolink" or child.info == "auto":
                out.append(label)
            else:
                title = child.attrs.get("title")
                extra = f' "{title}"' if title else ""
                out.append(f"[{label}]({href}{extra})")
        elif kind == "image":
            src = str(child.attrs.get("src", ""))
            out.append(f"![{plain_text(child)}]({src})")
        elif kind == "html_inline":
            out.append(child.content)
        else:
            out.append(inline_md(child) if child.children else child.content)
    return "".join(out)


def plain_text(node: SyntaxTreeNode) -> str:
    """The visible text of an inline node (markup dropped), on one line."""
    out: list[str] = []
    for child in node.children:
        if child.type in ("text", "code_inline", "html_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif child.children:
            out.append(plain_text(child))
    return "".join(out)


def inline_of(block: SyntaxTreeNode) -> SyntaxTreeNode | None:
    """The inline child of a paragraph or heading."""
    for child in block.children:
        if child.type == "inline":
            return child
    return None


def para_md(block: SyntaxTreeNode) -> str:
    inline = inline_of(block)
    return inline_md(inline) if inline is not None else ""


def block_md(block: SyntaxTreeNode, report: FixReport) -> str:
    """Markdown-lite source of one block."""
    kind = block.type
    if kind in ("paragraph", "heading"):
        text = para_md(block)
        if kind == "heading":
            return "#" * int(block.tag[1]) + " " + text
        return text
    if kind == "fence":
        fence = block.markup or "```"
        body = (
            block.content
            if block.content.endswith("\n") or not block.content
            else block.content + "\n"
        )
        return f"{fence}{block.info}\n{body}{fence}"
    if kind == "code_block":
        body = block.content if block.content.endswith("\n") else block.content + "\n"
        return f"```\n{body}```"
    if kind in ("bullet_list", "ordered_list"):
        return list_md(block, report)
    if kind == "blockquote":
        inner = blocks_md(block.children, report)
        return "\n".join(("> " + line).rstrip() for line in inner.split("\n"))
    if kind == "hr":
        return "---"
    if kind == "html_block":
        return block.content.rstrip("\n")
    if block.map:
        return _dedent(report.source(block.map[0], block.map[1]))
    return ""


def list_md(block: SyntaxTreeNode, report: FixReport) -> str:
    ordered = block.type == "ordered_list"
    start = int(block.attrs.get("start", 1) or 1) if ordered else 1
    items = []
    for n, item in enumerate(block.children):
        marker = f"{start + n}. " if ordered else "- "
        body = blocks_md(item.children, report)
        pad = " " * len(marker)
        lines = body.split("\n")
        items.append(
            marker + lines[0] + "".join("\n" + (pad + line if line else "") for line in lines[1:])
        )
    return "\n".join(items)


def blocks_md(blocks: list[SyntaxTreeNode], report: FixReport) -> str:
    return "\n\n".join(text for b in blocks if (text := block_md(b, report)))


def _dedent(text: str) -> str:
    lines = text.split("\n")
    indents = [len(line) - len(line.lstrip(" ")) for line in lines if line.strip()]
    cut = min(indents, default=0)
    return "\n".join(line[cut:] for line in lines)


def section_md(section: Section, report: FixReport, *, with_heading: bool = False) -> str:
    """Raw source of a section (its heading line optional), as written in the report."""
    start = section.start if with_heading else section.start + 1
    return report.source(start, section.end)


# ------------------------------------------------------------------ parsing


def _parser(tables: bool) -> Any:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True, "maxNesting": 20})
    if tables:
        md.enable("table")
    return md


def decode(data: bytes, display: str) -> tuple[str, list[Diagnostic]]:
    """UTF-8 text with the BOM dropped and line endings made LF; a finding if not UTF-8."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return "", [Diagnostic(display, line, 1, "KB406", f"not UTF-8 text: {exc.reason}")]
    return text.replace("\r\n", "\n").replace("\r", "\n"), []


def _front_matter(lines: list[str], display: str) -> tuple[dict[str, Any], int, list[Diagnostic]]:
    """Front matter between ``---`` lines at the top, read with ``yaml.safe_load`` only.

    Hostile YAML is bounded: at most :data:`MAX_FRONT_MATTER` characters, no anchors or
    aliases (a chain of aliases expands without bound), and every value capped
    (:func:`_bounded`)."""
    if not lines or lines[0].strip() != "---":
        return {}, 0, []
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        return {}, 0, []
    import yaml  # only when a report has front matter

    source = "\n".join(lines[1:end])
    refused = _refused_yaml(source)
    if refused:
        return {}, end + 1, [Diagnostic(display, 2, 1, "KB406", f"front matter {refused}")]
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
        context = getattr(exc, "context", None)
        if context:
            problem = f"{context}: {problem}"
        return (
            {},
            end + 1,
            [Diagnostic(display, line, 1, "KB406", f"front matter is not valid YAML: {problem}")],
        )
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return (
            {},
            end + 1,
            [Diagnostic(display, 2, 1, "KB406", "front matter must be a YAML mapping")],
        )
    return {str(k)[:MAX_FIELD_CHARS]: _bounded(v, 0) for k, v in data.items()}, end + 1, []


MAX_FRONT_MATTER = 64 * 1024  # characters
MAX_FIELD_CHARS = 4096  # characters of one string value
MAX_ITEMS = 256  # items of one list or mapping
MAX_DEPTH = 8


def _refused_yaml(source: str) -> str:
    """Why front matter is refused before it is loaded ("" when it may be)."""
    if len(source) > MAX_FRONT_MATTER:
        return f"is over {MAX_FRONT_MATTER // 1024} KiB"
    import yaml

    try:
        for event in yaml.parse(source, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                return "uses YAML anchors or aliases (&name, *name): not allowed"
    except yaml.YAMLError:
        return ""  # safe_load reports it with its line
    return ""


def _bounded(value: Any, depth: int) -> Any:
    """``value`` with strings, lists and mappings capped and nesting cut at MAX_DEPTH."""
    if isinstance(value, str):
        return value[:MAX_FIELD_CHARS]
    if depth >= MAX_DEPTH and isinstance(value, (list, dict)):
        return None
    if isinstance(value, list):
        return [_bounded(v, depth + 1) for v in value[:MAX_ITEMS]]
    if isinstance(value, dict):
        items = list(value.items())[:MAX_ITEMS]
        return {str(k)[:MAX_FIELD_CHARS]: _bounded(v, depth + 1) for k, v in items}
    return value


def parse_report(text: str, display: str) -> FixReport:
    """Parse report text (already decoded) into a :class:`FixReport`."""
    from markdown_it.tree import SyntaxTreeNode

    lines = text.split("\n")
    report = FixReport(display=display, lines=lines)
    front, skip, errors = _front_matter(lines, display)
    report.front_matter = front
    report.errors.extend(errors)
    body_lines = [""] * skip + lines[skip:]  # keep line numbers
    tables = all(line.count("|") <= MAX_TABLE_COLUMNS for line in body_lines)
    if not tables:
        wide = next(i for i, line in enumerate(body_lines) if line.count("|") > MAX_TABLE_COLUMNS)
        report.warnings.append(
            _warn(
                display,
                wide + 1,
                (
                    f"table with more than {MAX_TABLE_COLUMNS} columns: "
                    "tables in this file are read as text"
                ),
            )
        )
    tokens = _parser(tables).parse("\n".join(body_lines))
    root = SyntaxTreeNode(tokens)
    report.root = root
    _build(report, root)
    _check(report, root, tables)
    return report


def _build(report: FixReport, root: SyntaxTreeNode) -> None:
    top = Section(title="", plain="", level=0, line=0, anchor="", start=-1, end=len(report.lines))
    stack = [top]
    seen: dict[str, int] = {}
    title_taken = False
    for node in root.children:
        if node.type == "heading":
            level = int(node.tag[1])
            inline = inline_of(node)
            text = inline_md(inline) if inline is not None else ""
            plain = plain_text(inline).strip() if inline is not None else ""
            start = node.map[0] if node.map else 0
            anchor = _unique_anchor(slugify_heading(plain), seen)
            report.anchors.setdefault(anchor, start + 1)
            if level == 1 and not title_taken and not report.sections and not top.children:
                title_taken = True
                report.title, report.title_line = text.strip(), start + 1
                continue
            section = Section(text.strip(), plain, level, start + 1, anchor, start=start)
            while len(stack) > 1 and stack[-1].level >= level:
                stack.pop().end = start
            stack[-1].children.append(section)
            stack.append(section)
        else:
            stack[-1].blocks.append(node)
    while len(stack) > 1:
        stack.pop().end = len(report.lines)
    report.preamble = top.blocks
    report.sections = top.children
    title = report.front_matter.get("title")
    if isinstance(title, str) and title.strip() and not report.title:
        report.title = title.strip()
    if not report.title:
        _title_from_top_heading(report)
    if not report.title:
        _title_from_bold_line(report)


def _title_from_top_heading(report: FixReport) -> None:
    """A report without a ``#`` title whose top heading is ``##`` (or lower): that heading is
    the title when it holds every other section, or when it opens the report and names no
    field (``## Fix Report: …`` followed by ``## Problem``…)."""
    from kbtool.reports.headings import field_of_heading

    if not report.sections or any(b.type != "paragraph" for b in report.preamble):
        return
    first = report.sections[0]
    if len(report.sections) > 1 and (
        first.blocks or first.children or field_of_heading(first.plain) is not None
    ):
        return
    report.title, report.title_line = first.title, first.line
    report.preamble = [*report.preamble, *first.blocks]
    report.sections = [*first.children, *report.sections[1:]]


def _title_from_bold_line(report: FixReport) -> None:
    """A report that opens with a line in bold (``**Fix Report — Cron ran twice**``) and has
    no heading above it: that line is the title, as a ``#`` heading would be."""
    if not report.preamble or report.preamble[0].type != "paragraph":
        return
    first = report.preamble[0]
    inline = inline_of(first)
    parts = [c for c in inline.children if c.type != "text" or c.content.strip()] if inline else []
    if len(parts) != 1 or parts[0].type != "strong":
        return  # more on the line or below it: a bold lead-in of a paragraph, not a title
    report.title = inline_md(parts[0]).strip()
    report.title_line = (first.map[0] if first.map else 0) + 1
    report.preamble = report.preamble[1:]


_FILE_WORDS = re.compile(r"[\s_\-]+")


def title_from_file_name(report: FixReport) -> None:
    """A report with no title anywhere that opens with a section naming a field
    (``## Problem``) is named after its file: ``WEBSOCKET_RECONNECT_FIX_REPORT.md`` →
    ``Websocket reconnect fix report`` (the genre words go with the entry title). A file
    without such a section (an HTML page saved as ``.md``) stays without a title and is
    refused; one that opens with a heading naming no field keeps that heading for the
    caller to judge (a setext ``Retry storm …`` over ``Date:`` lines). Called by
    ``import-report`` last; the legacy migration has its own fallbacks (front matter read
    apart, the first line)."""
    from kbtool.reports.headings import field_of_heading

    if not report.sections or field_of_heading(report.sections[0].plain) is None:
        return
    stem = report.display.replace("\\", "/").rsplit("/", 1)[-1]
    stem = stem[: -len(".md")] if stem.lower().endswith(".md") else stem
    words = [w for w in _FILE_WORDS.split(stem) if w]
    if not words:
        return
    if all(w.isupper() or not w.isalpha() for w in words):  # SHOUTED_FILE_NAMES
        words = [w.lower() for w in words]
    text = " ".join(words)
    report.title, report.title_line = text[0].upper() + text[1:], 1


def _warn(display: str, line: int, message: str) -> Diagnostic:
    return Diagnostic(display, line, 1, "KB407", message, Severity.WARNING)


def _check(report: FixReport, root: SyntaxTreeNode, tables: bool) -> None:
    """Warnings for Markdown that is probably not what the author meant."""
    display = report.display
    for node in root.walk(include_self=False):
        line = node.map[0] + 1 if node.map else 0
        if node.type == "fence" and node.map:
            last = report.lines[node.map[1] - 1].strip() if node.map[1] - 1 > node.map[0] else ""
            mark = node.markup or "```"
            if not (last.startswith(mark) and not last.strip(mark[0])):
                report.warnings.append(_warn(display, line, "code fence is never closed"))
        elif node.type == "heading":
            inline = inline_of(node)
            if inline is None or not plain_text(inline).strip():
                report.warnings.append(_warn(display, line, "empty heading"))
            elif node.markup in ("=", "-") and node.map:
                report.warnings.append(
                    _warn(
                        display,
                        line,
                        "setext heading (text underlined "
                        "with '=' or '-'): did you mean a '#' heading?",
                    )
                )
                _check_paragraph(report, node, tables)
        elif node.type in ("html_block", "html_inline"):
            report.warnings.append(
                _warn(
                    display,
                    line or _line_of(node),
                    "raw HTML is kept as text and escaped on output",
                )
            )
        elif node.type == "paragraph" and node.map:
            _check_paragraph(report, node, tables)
        elif node.type == "table" and node.map:
            _check_table(report, node)


def _line_of(node: SyntaxTreeNode) -> int:
    parent = node.parent
    while parent is not None and not parent.is_root and not parent.map:
        parent = parent.parent
    if parent is None or parent.is_root or not parent.map:
        return 0
    return parent.map[0] + 1


def _check_paragraph(report: FixReport, node: SyntaxTreeNode, tables: bool) -> None:
    assert node.map is not None
    for offset, raw in enumerate(report.lines[node.map[0] : node.map[1]]):
        line = node.map[0] + offset + 1
        stripped = raw.lstrip()
        if stripped.startswith("#"):
            report.warnings.append(
                _warn(
                    report.display,
                    line,
                    "line starts with '#' but is not a heading (a space after 1-6 '#' is needed)",
                )
            )
        elif tables and stripped.startswith("|") and stripped.count("|") >= 2:
            report.warnings.append(
                _warn(
                    report.display,
                    line,
                    "table-like line is not a table (header and delimiter row do not match)",
                )
            )
            break
    inline = inline_of(node)
    if inline is not None:
        for child in inline.walk():
            if child.type == "text" and "](" in child.content:
                report.warnings.append(
                    _warn(
                        report.display, node.map[0] + 1, "broken link: '](' without a valid target"
                    )
                )
                break


def _cells(raw: str) -> int:
    text = raw.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    return len(re.split(r"(?<!\\)\|", text))


def _check_table(report: FixReport, node: SyntaxTreeNode) -> None:
    assert node.map is not None
    rows = report.lines[node.map[0] : node.map[1]]
    if not rows:
        return
    width = _cells(rows[0])
    for offset, raw in enumerate(rows[2:], start=2):
        if raw.strip() and _cells(raw) != width:
            report.warnings.append(
                _warn(
                    report.display,
                    node.map[0] + offset + 1,
                    f"table row has {_cells(raw)} cells, the header has {width}",
                )
            )


def read_report(path: Path, config: Config, *, inside_only: bool = True) -> FixReport:
    """Read and parse a report file (capped size, regular file; inside the KB root unless
    ``inside_only`` is False because the user named the file, and then still never through a
    link that leaves the root: :mod:`kbtool.confine`)."""
    from kbtool.confine import read_root
    from kbtool.safexml import read_capped

    shown = display_path(path)
    root = config.root if inside_only else read_root(Path(path), config.root)
    data = read_capped(Path(path), root, config.max_file_bytes)
    if isinstance(data, Diagnostic):
        report = FixReport(display=shown, lines=[])
        report.errors.append(data)
        return report
    text, errors = decode(data, shown)
    if errors:
        report = FixReport(display=shown, lines=[])
        report.errors.extend(errors)
        return report
    return parse_report(text, shown)
