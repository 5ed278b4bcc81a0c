"""Legacy Markdown learnings → entries (``kbtool migrate`` on a folder of ``*.md`` files).

A team that kept its learnings in Markdown wrote one learning a file, in whatever shape
its authors liked: ATX, setext or bold-line headings, YAML (``---``) or TOML (``+++``) front
matter (sometimes broken), ``Date:``/``Severity:`` lines, HTML, tables. Each file is read
with the fix-report reader (:mod:`kbtool.reports`: the same heading vocabulary and section
readers as ``kbtool import-report``), so a section becomes a typed field where its heading
names one, and is kept verbatim in the extras where it does not.

Nothing may be lost: the raw front matter and the metadata lines are kept in the extras, and
a last check compares the words of the file with the words of the entry; any line whose
words did not all arrive is kept verbatim as ``<section heading="(not mapped)">``.

A file that is only a list of links (a README or index) is a catalogue, never an entry.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kbtool.model import Learning

MARKDOWN_SUFFIXES = (".md", ".markdown")
"""File names read as Markdown learnings (compared lower case)."""

_FENCES = {"---": "yaml", "+++": "toml"}
_BOLD_LINE = re.compile(r"^\s*(?:\*\*|__)(?P<text>[^*_\n]{1,120}?)(?:\*\*|__)\s*:?\s*$")
_WORD = re.compile(r"\w+")
_HEADING = re.compile(
    r"^\s{0,3}(?:#{1,6}\s+(?P<text>.+?)\s*#*\s*|(?:\*\*|__)(?P<bold>[^*_]+)(?:\*\*|__)\s*:?\s*)$"
)
_LINK_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\[[^\]]*\]\([^)]*\)\s*$")


@dataclass
class MarkdownRecord:
    """What one Markdown file gave: an entry, or why none (``kind``)."""

    kind: str  # "record", "empty" or "catalogue"
    learning: Learning | None = None
    id: str | None = None  # the id the file asks for (front matter ``id``), if any
    category: str = ""
    notes: list[str] = field(default_factory=list)
    originals: list[tuple[str, str]] = field(default_factory=list)
    links: list[tuple[str, int]] = field(default_factory=list)  # a catalogue's paths


def is_markdown(path: Path) -> bool:
    return path.name.lower().endswith(MARKDOWN_SUFFIXES)


def _front_matter(lines: list[str]) -> tuple[int, str, dict[str, Any], str]:
    """(lines it spans, its raw text, its values, what is wrong with it: "" when read)."""
    if not lines or lines[0].strip() not in _FENCES:
        return 0, "", {}, ""
    fence = lines[0].strip()
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == fence), None)
    if end is None and fence == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "..."), None)
    if end is None:
        return 0, "", {}, ""
    raw = "\n".join(lines[: end + 1])
    if _FENCES[fence] == "yaml":
        from kbtool.reports.parser import _front_matter as yaml_front_matter

        values, _, errors = yaml_front_matter(lines[: end + 1], "")
        return end + 1, raw, values, errors[0].message if errors else ""
    from kbtool.simpletoml import load

    try:
        values = load("\n".join(lines[1:end]))
    except ValueError as error:
        return end + 1, raw, {}, f"front matter is not valid TOML: {error}"
    return end + 1, raw, values, ""


def _bold_headings(lines: list[str], start: int) -> list[str]:
    """Lines that are one bold phrase alone in their paragraph (``**What happened**``,
    ``**2) Root cause**``) read as the headings their authors meant: the first one a title
    when the file has no heading, the others sections when they name a field."""
    from kbtool.reports.headings import field_of_heading

    out = list(lines)
    in_fence = ""
    has_heading = any(re.match(r"^\s{0,3}#{1,6}\s", line) for line in lines[start:])
    titled = has_heading
    for i in range(start, len(lines)):
        line = lines[i]
        fence = re.match(r"^\s{0,3}(`{3,}|~{3,})", line)
        if fence:
            mark = fence.group(1)
            if not in_fence:
                in_fence = mark
            elif mark[0] == in_fence[0] and len(mark) >= len(in_fence):
                in_fence = ""
            continue
        if in_fence:
            continue
        match = _BOLD_LINE.match(line)
        if match is None or (i > start and lines[i - 1].strip()):
            if line.strip():
                titled = True  # text before the first bold line: it is no title
            continue
        text = match.group("text").strip()
        if not titled:
            out[i] = f"# {text}"
            titled = True
        elif field_of_heading(text) is not None:
            out[i] = f"## {text}"
    return out


def _catalogue_links(lines: list[str]) -> list[tuple[str, int]] | None:
    """The paths of a file that is a list of links and headings (a README or an index)."""
    links: list[tuple[str, int]] = []
    prose = 0
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if _LINK_ITEM.match(line):
            target = line[line.rindex("(") + 1 : line.rindex(")")].strip("<> ")
            links.append((target, number))
        else:
            prose += 1
    if len(links) >= 2 and prose <= 2 and len(links) > prose:
        return links
    return None


def _date_of(values: list[str]) -> tuple[dt.date | None, str]:
    """The first value that is one day (ISO or another unambiguous spelling), and the
    value as written."""
    from kbtool.dates import parse_any_date

    for value in values:
        day = parse_any_date(value)
        if day is not None:
            return day, value
    return None, ""


def _words(text: str) -> Counter[str]:
    return Counter(_WORD.findall(text))


def _learning_words(learning: Learning) -> Counter[str]:
    from kbtool.entry_xml import learning_to_element

    el = learning_to_element(learning)
    parts: list[str] = []
    for node in el.iter():
        if isinstance(node.tag, str):
            parts.extend(str(v) for v in node.attrib.values())
        parts.extend([node.text or "", node.tail or ""])
    return _words(" ".join(parts))


def _unmapped_lines(lines: list[str], have: Counter[str]) -> list[int]:
    """The numbers (0-based) of the source lines whose words the entry does not hold."""
    left = Counter(have)
    missing = []
    for number, line in enumerate(lines):
        need = _words(line)
        if all(left[w] >= n for w, n in need.items()):
            left -= need
        else:
            missing.append(number)
    return missing


def _heading_text(lines: list[str], number: int) -> str:
    """The text of line ``number`` when it is a heading (ATX, setext or a bold line)."""
    match = _HEADING.match(lines[number])
    if match:
        return (match.group("text") or match.group("bold") or "").strip()
    below = lines[number + 1] if number + 1 < len(lines) else ""
    if lines[number].strip() and re.match(r"^\s{0,3}(=+|-+)\s*$", below):
        return lines[number].strip()
    return ""


def read_markdown(text: str, label: str, out_dir: Path) -> MarkdownRecord:
    """One Markdown file's text (decoded) → its entry (id, category and date not yet
    settled: the caller does that for every record of the run alike)."""
    from kbtool.config import Config
    from kbtool.reports.importer import _DATE_KEYS, _section_element, import_report
    from kbtool.reports.parser import parse_report

    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if not text.strip():
        return MarkdownRecord("empty")
    notes: list[str] = []
    skip, raw_front, front, problem = _front_matter(lines)
    if problem:
        notes.append(f"{problem}: kept as written")
    links = _catalogue_links(lines[skip:])
    if links is not None and not front:
        return MarkdownRecord("catalogue", links=links)
    body = [""] * skip + _bold_headings(lines, skip)[skip:]
    report = parse_report("\n".join(body), label)
    report.front_matter = front
    report.lines = lines  # a file of front matter only is not empty
    report.errors = []  # the body is read whatever its front matter holds
    title = front.get("title")
    if isinstance(title, str) and title.strip() and not report.title:
        report.title = title.strip()
    if not report.title:
        first = next((ln.strip() for ln in lines[skip:] if ln.strip()), "")
        report.title = first.lstrip("#>*-_ ").strip() or Path(label).stem
        notes.append("no title heading: the title is the file's first line")
    if report.title and report.title.strip("#*_ ") == "":
        report.title = Path(label).stem
    config = Config(out_dir, out_dir, out_dir, None, out_dir)
    result = import_report(
        report,
        config=config,
        category="General",  # settled by the caller
        entry_id="x",
        date=dt.date(1970, 1, 1),
        report_href=None,
    )
    learning, meta = result.learning, result.meta
    extras = list(learning.extras)
    originals: list[tuple[str, str]] = []
    if raw_front:
        extras.insert(0, _section_element("front matter", raw_front, after="start"))
    if meta.lines:
        extras.insert(0, _section_element("metadata lines", "\n".join(meta.lines), after="title"))
    date, written = meta.date, ""
    if date is None:
        candidates = [str(front[k]) for k in ("date", "created") if k in front]
        for line in meta.lines:
            for part in line.split(" | "):
                key, _, value = part.partition(":")
                if key.strip("*_> ").lower() in _DATE_KEYS:
                    candidates.append(value.strip("*_ "))
        date, written = _date_of(candidates)
        if date is not None:
            originals.append(("date", written.strip()))
    if date is None:
        notes.append("no date in the file: the date is unknown (no <date>)")
    fm_tags = front.get("tags")
    tags = list(learning.tags)
    if isinstance(fm_tags, str):
        tags += [t for t in re.split(r"[,\s]+", fm_tags) if t]
    tags = [t.lstrip("#") for t in tags if t.lstrip("#")]
    learning = learning.model_copy(
        update={"extras": extras, "date": date, "tags": list(dict.fromkeys(tags))}
    )
    # a heading that named a field is kept as written in the provenance, like a legacy
    # XML element's name; any other line no field took is kept in the extras
    missing = []
    for number in _unmapped_lines(lines, _learning_words(learning)):
        heading = _heading_text(lines, number)
        if heading:
            originals.append(("heading", heading))
        else:
            missing.append(lines[number])
    if missing:
        kept = _section_element("(not mapped)", "\n".join(missing), after="end")
        learning = learning.model_copy(update={"extras": [*learning.extras, kept]})
        notes.append(f"{len(missing)} line(s) no field took: kept verbatim in the extras")
    wanted = front.get("id")
    category = meta.category or front.get("category")
    return MarkdownRecord(
        "record",
        learning=learning,
        id=str(wanted).strip() if isinstance(wanted, (str, int)) and str(wanted).strip() else None,
        category=category.strip() if isinstance(category, str) else "",
        notes=notes,
        originals=originals,
    )
