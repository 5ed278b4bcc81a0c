"""Turn a parsed Markdown fix report into a learning entry (``kbtool import-report``).

Sections are mapped by their headings (the variants real reports use: see
``docs/fix-reports.md``); the five whys are read in every form reports write them (headings,
bold lines, list lines, with or without ``**Answer:**``). Sections that map to no field are
kept as ``<extras><section heading="…" after="…">`` with their Markdown text, and prose of a
mapped section that is not one of its items (a lead-in sentence, a closing remark) as
``<section heading="…" field="…">``: nothing is dropped.

The parts: :mod:`kbtool.reports.headings` (which field a heading names, the entry title),
:mod:`kbtool.reports.whys` (the why chain), :mod:`kbtool.reports.sections` (items, files,
symptoms, solution steps), :mod:`kbtool.reports.references` (Related sections and mentions);
here, the plan of sections, ``SECTION_READERS`` (how each field's section is read) and
``import_report``.

Library use::

    report = read_report(path, config, inside_only=False)
    result = import_report(report, config=config, category="Database/AsyncIO",
                           entry_id="my-id", date=dt.date.today(), report_href="reports/x.md")
    result.learning      # kbtool.model.Learning
    result.mapped        # [Mapped(field, count, source)]
    result.kept          # [Kept(heading, line, reason)]
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kbtool import fields
from kbtool.dates import parse_any_date
from kbtool.errors import KbError
from kbtool.model import Severity, Status
from kbtool.reports.headings import (
    FIELD_ORDER,
    XML_NAMES,
    entry_title,
    field_of_heading,
    normalize_heading,
    why_label,
)
from kbtool.reports.parser import (
    FixReport,
    Section,
    blocks_md,
    para_md,
    title_from_file_name,
)
from kbtool.reports.references import mentioned_refs, related_refs
from kbtool.reports.rendered import SUPERSEDES, without_repo_label
from kbtool.reports.sections import (
    file_items,
    heading_files,
    section_items,
    solution_steps,
    symptom_items,
    symptoms_from_blocks,
)
from kbtool.reports.whys import WhyChain, parse_whys
from kbtool.wording import plural

__all__ = [  # the import-report API; its parts live in headings, whys, sections, references
    "FIELD_ORDER",
    "XML_NAMES",
    "ImportFailed",
    "ImportResult",
    "closest_category",
    "entry_title",
    "field_of_heading",
    "import_report",
    "normalize_heading",
    "parse_whys",
    "plan_sections",
    "stated_category",
]

if TYPE_CHECKING:
    from markdown_it.tree import SyntaxTreeNode

    from kbtool.config import Config
    from kbtool.model import Learning, Reference
    from kbtool.reports.links import LinkGraph


class ImportFailed(KbError):
    """The report cannot be imported (empty, no title, unreadable front matter): exit 1."""

    exit_code = 1


# ------------------------------------------------------------------ preamble

_META = re.compile(
    r"^\s*[^\w\s\x00-\x7f]*\s*"  # an emoji before the key: "📅 **Date:** …"
    r"[*_]{0,2}\s*(date|created|reported|when|datum|fecha|incident date|date reported|"
    r"reported on|created on|severity|priority|priorität|priorite|priorité|gravité|gravite|"
    r"schweregrad|status|author|authors|category|tags|impact level)\s*[*_]{0,2}\s*"
    r"(?::|\s[-–—]\s)\s*[*_]{0,2}\s*(.+?)\s*$",
    re.IGNORECASE,
)
_DATE_KEYS = frozenset(
    [
        "date",
        "created",
        "reported",
        "when",
        "datum",
        "fecha",
        "incident date",
        "date reported",
        "reported on",
        "created on",
        "created at",
        "date created",
        "reported at",
    ]
)
_SEVERITY_KEYS = frozenset(
    [
        "severity",
        "priority",
        "impact level",
        "priorität",
        "priorite",
        "priorité",
        "gravité",
        "gravite",
        "schweregrad",
    ]
)


def normalize_severity(value: str) -> Severity | None:
    """``CRITICAL``, ``P0_CRITICAL``, ``Mission critical``, ``P1`` … → a Severity
    (:func:`kbtool.fields.severity_of`)."""
    level = fields.severity_of(value)
    return Severity(level) if level is not None else None


@dataclass
class Meta:
    date: dt.date | None = None
    severity: Severity | None = None
    tags: list[str] = field(default_factory=list)
    category: str = ""
    versions: list[str] = field(default_factory=list)  # where the learning applies
    status: Status | None = None
    symptom_versions: list[str] = field(default_factory=list)
    versions_line: str = ""
    lines: list[str] = field(default_factory=list)


def _preamble_meta(report: FixReport) -> tuple[Meta, list[SyntaxTreeNode]]:
    meta = Meta()
    rest: list[SyntaxTreeNode] = []
    for block in report.preamble:
        if block.type == "table":  # "| Date | 2025-06-01 |": typed, and the table kept
            for key, value in _table_pairs(block):
                _meta_value(meta, _META.match(f"{key}: {value}"))
            rest.append(block)
            continue
        if block.type != "paragraph":
            rest.append(block)
            continue
        lines = para_md(block).split("\n")
        kept = []
        for line in lines:
            # "Status: resolved | Severity: Sev 2 | Date: …", and the rendered report's
            # "**Severity:** high · **Category:** … · **Date:** 2025-06-01"
            parts = _META_SEPARATOR.split(line)
            if len(parts) > 1 and any(_META.match(p) for p in parts):
                for part in parts:
                    _meta_value(meta, _META.match(part))
                    versions = _VERSIONS_PART.match(part)
                    spans = [m.group(2).strip() for m in _CODE_SPAN.finditer(part)]
                    if versions and versions.group(1) == "Applies to":  # the learning's range
                        meta.versions = spans
                    elif versions:  # the symptoms' ranges: typed if the symptoms say them
                        meta.symptom_versions, meta.versions_line = spans, line.strip()
                if all(_META.match(p) or _VERSIONS_PART.match(p) for p in parts):
                    meta.lines.append(line.strip())
                    continue
                kept.append(line)  # "… · **Versions:** …": typed where it can be, kept
                continue
            match = _META.match(line)
            if match is None and meta.date is None and _BARE_DATE.match(line):
                meta.date = parse_any_date(line)  # "2025-08-14" alone under the title
                meta.lines.append(line.strip())
                continue
            if match is None:
                kept.append(line)
                continue
            meta.lines.append(line.strip())
            _meta_value(meta, match)
        if any(line.strip() for line in kept):
            rest.append(block)
    _front_matter_meta(meta, report.front_matter)
    return meta, rest


# "**Applies to:** `x>=1`" and "**Versions:** `x>=1`, `y<2`" (the symptoms'), as render writes
_VERSIONS_PART = re.compile(r"^\s*\*\*(Applies to|Versions):\*\*\s*`[^\n]*`\s*$")
_CODE_SPAN = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)")  # "`a`, ``b`c``": tags as code
_META_SEPARATOR = re.compile(r"\s+[|·•]\s+")
_BARE_DATE = re.compile(r"^\s*[*_]{0,2}\s*\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\s*[*_]{0,2}\s*$")


def _table_pairs(table: SyntaxTreeNode) -> list[tuple[str, str]]:
    """The rows of a two-column table as (key, value) plain text."""
    from kbtool.reports.parser import plain_text

    pairs = []
    for row in (n for n in table.walk() if n.type == "tr"):
        cells = [plain_text(c.children[0]).strip() if c.children else "" for c in row.children]
        if len(cells) == 2:
            pairs.append((cells[0], cells[1]))
    return pairs


def _meta_value(meta: Meta, match: re.Match[str] | None) -> None:
    """Type one ``Key: value`` line of the text under the title."""
    if match is None:
        return
    key, value = match.group(1).lower(), match.group(2).strip("*_ ")
    if key in _DATE_KEYS:
        meta.date = meta.date or parse_any_date(value)
    elif key in _SEVERITY_KEYS:
        meta.severity = meta.severity or normalize_severity(value)
    elif key == "tags":
        spans = [m.group(2).strip() for m in _CODE_SPAN.finditer(value)]
        meta.tags = spans or [t for t in re.split(r"[,\s]+", value.replace("`", "")) if t]
    elif key == "category":
        meta.category = value
    elif key == "status" and value.lower() in {s.value for s in Status}:
        meta.status = Status(value.lower())  # "resolved", "fixed": no entry status


def stated_category(report: FixReport) -> str:
    """The category the report names (front matter ``category:``, or a ``Category:`` line
    under the title such as the one ``kbtool render`` writes), or ""."""
    meta, _ = _preamble_meta(report)
    return meta.category.strip()


def _front_matter_meta(meta: Meta, fm: dict[str, Any]) -> None:
    keys = {re.sub(r"[\s_\-]+", " ", str(k)).strip().lower(): k for k in fm}
    dated = [keys[k] for k in sorted(keys, key=lambda k: k != "date") if k in _DATE_KEYS]
    for key in dated:  # "date:" first, then "created:", "date_created:", "reported:" …
        if meta.date is not None:
            break
        value = fm[key]
        if isinstance(value, dt.date):
            meta.date = value if not isinstance(value, dt.datetime) else value.date()
        elif isinstance(value, str):
            meta.date = parse_any_date(value)
    for key in ("severity", "priority"):
        if isinstance(fm.get(key), str) and meta.severity is None:
            meta.severity = normalize_severity(fm[key])
    if isinstance(fm.get("tags"), list):
        meta.tags = [str(t) for t in fm["tags"] if str(t).strip()]
    if isinstance(fm.get("category"), str):
        meta.category = meta.category or fm["category"]


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


def plan_sections(report: FixReport) -> list[tuple[Section, str | None]]:
    """Each section to read, with its field (None: kept as-is). A subsection whose heading
    names another field (``### Symptoms`` under the problem) is read as that field."""
    out: list[tuple[Section, str | None]] = []

    def visit(sec: Section, parent_field: str | None) -> Section:
        keep = []
        for child in sec.children:
            kind = field_of_heading(child.plain)
            short = len(normalize_heading(child.plain).split()) <= 3
            if (
                parent_field is not None
                and kind is not None
                and kind != parent_field
                and short
                and not (parent_field == "whys" and kind == "root_causes")
                and not (parent_field == "solution" and kind is None)
                and kind != "description"  # "### What went wrong" under lessons: a lesson
                and why_label(child.plain) is None
            ):
                out.append((visit(child, kind), kind))
            else:
                keep.append(child)
        sec.children = keep
        return sec

    for sec in report.sections:
        kind = field_of_heading(sec.plain)
        own = Section(sec.title, sec.plain, sec.level, sec.line, sec.anchor, blocks=sec.blocks)
        if kind is None and len(parse_whys(own, report).whys) >= 2:
            kind = "whys"  # "## Duplicate Emails After Signup" holding **Why #1:** … lines
        if kind is not None:
            out.append((visit(sec, kind), kind))
            continue
        children = sec.children

        def field_of(child: Section) -> str | None:
            kind = field_of_heading(child.plain)
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


@dataclass
class _Reading:
    """What the sections of one report have given so far (see ``SECTION_READERS``)."""

    report: FixReport
    config: Config
    graph: LinkGraph | None
    category_file: Path | None
    mapped: list[Mapped] = field(default_factory=list)
    kept: list[Kept] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=lambda: {k: [] for k in FIELD_ORDER})
    description_parts: list[str] = field(default_factory=list)
    symptoms: list[tuple[str, str]] = field(default_factory=list)
    quoted: list[str] = field(default_factory=list)
    chain: WhyChain = field(default_factory=WhyChain)
    pending_causes: list[str] = field(default_factory=list)

    def note(self, sec: Section, key: str, texts: list[str]) -> None:
        """Prose of a mapped section that is none of its items: kept with its field."""
        text = "\n\n".join(t for t in texts if t.strip())
        if text.strip():
            self.extras.append(_section_element(sec.title, text, field=XML_NAMES[key]))
            self.kept.append(Kept(sec.plain, sec.line, f"prose kept with {XML_NAMES[key]}"))


def _read_description(state: _Reading, sec: Section, key: str) -> None:
    report = state.report
    own = blocks_md(sec.blocks, report)
    subs = [f"**{c.title}**\n\n{blocks_md(c.blocks, report)}".strip() for c in sec.walk()[1:]]
    state.description_parts.append("\n\n".join(t for t in (own, *subs) if t))
    state.quoted.extend(symptoms_from_blocks([b for s in sec.walk() for b in s.blocks]))
    state.mapped.append(Mapped("description", 1, _where(sec)))


def _read_symptoms(state: _Reading, sec: Section, key: str) -> None:
    listed, notes = symptom_items(sec, state.report)
    state.symptoms.extend(listed)
    state.note(sec, key, notes)
    state.mapped.append(Mapped("symptoms", len(listed), _where(sec)))


def _read_whys(state: _Reading, sec: Section, key: str) -> None:
    found = parse_whys(sec, state.report)
    state.chain.whys.extend(found.whys)
    if field_of_heading(sec.plain) is None and found.notes:  # a section named after the bug
        state.description_parts.extend(found.notes)
        state.mapped.append(Mapped("description", 1, f"text around the whys of {_where(sec)}"))
        found.notes = []
    if not found.whys and not found.causes:  # "## Why" over prose: the cause, in its words
        items, notes = section_items(sec, state.report)
        found.causes.extend(items)
        found.notes = notes
    state.pending_causes.extend(found.causes)
    state.note(sec, "whys" if found.whys else "root_causes", found.notes)
    if found.whys:
        state.mapped.append(Mapped(XML_NAMES["whys"], len(found.whys), _where(sec)))
    if found.causes:
        state.mapped.append(Mapped(XML_NAMES["root_causes"], len(found.causes), _where(sec)))


def _read_solution(state: _Reading, sec: Section, key: str) -> None:
    steps, notes = solution_steps(sec, state.report)
    state.data["solution"].extend(steps)
    named = heading_files(sec, state.report)
    if named:
        state.data["files"].extend(named)
        state.mapped.append(
            Mapped(XML_NAMES["files"], len(named), f"sub-headings of {_where(sec)}")
        )
    state.note(sec, key, notes)
    codes = sum(len(s["code"]) for s in steps)
    state.mapped.append(
        Mapped("solution", len(steps), f"{_where(sec)}; {plural(codes, 'code block')}")
    )


def _read_files(state: _Reading, sec: Section, key: str) -> None:
    files, notes = file_items(sec, state.report)
    state.data["files"].extend(files)
    state.note(sec, key, notes)
    state.mapped.append(Mapped(XML_NAMES["files"], len(files), _where(sec)))


def _read_items(state: _Reading, sec: Section, key: str) -> None:
    items, notes = section_items(sec, state.report)
    if key == "verification":
        items = [without_repo_label(i) for i in items]
    state.data[key].extend(items)
    state.note(sec, key, notes)
    state.mapped.append(Mapped(key, len(items), _where(sec)))


def _read_references(state: _Reading, sec: Section, key: str) -> None:
    refs, notes = related_refs(sec, state.report, state.config, state.graph, state.category_file)
    state.data["references"].extend(refs)
    state.note(sec, key, notes)
    state.mapped.append(Mapped("references", len(refs), _where(sec)))


SECTION_READERS: dict[str, Callable[[_Reading, Section, str], None]] = {
    "description": _read_description,
    "symptoms": _read_symptoms,
    "whys": _read_whys,
    "root_causes": _read_whys,
    "solution": _read_solution,
    "files": _read_files,
    "verification": _read_items,
    "prevention": _read_items,
    "references": _read_references,
}
"""How each field's section is read (``headings.field_of_heading`` names the field)."""


def import_report(
    report: FixReport,
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
    from kbtool.model import Learning

    if not report.title:
        title_from_file_name(report)
    _check_importable(report)
    meta, preamble = _preamble_meta(report)
    state = _Reading(report, config, graph, category_file)
    _read_sections(state, preamble)
    chain, data, mapped = state.chain, state.data, state.mapped
    description = "\n\n".join(p for p in state.description_parts if p.strip()).strip()
    if not description:
        description = report.title
        mapped.append(Mapped("description", 1, "the title (the report has no problem statement)"))
    symptoms = _symptom_rows(state)
    causes = state.pending_causes
    if not causes and chain.whys:
        causes = [chain.whys[-1][1].split("\n\n")[0]]
        mapped.append(
            Mapped(XML_NAMES["root_causes"], 1, f"the answer to the last why (#{len(chain.whys)})")
        )
    references, supersedes = _references(state, report_href)
    own = meta.versions[0] if meta.versions else None  # "**Applies to:** `x>=1`"
    said = {row.get("versions") for row in symptoms} | {own}
    if meta.versions_line and not set(meta.symptom_versions) <= said:
        # "**Versions:** `x>=1`" that no symptom says: the line is kept, as written
        state.extras.append(_section_element("", meta.versions_line, after="title"))
    learning = Learning(
        id=entry_id,
        severity=meta.severity,
        versions=own,
        status=meta.status or Status.ACTIVE,
        title=_xml_safe(entry_title(report.title)),
        date=meta.date or date,
        category=category,
        description=_xml_safe(description),
        tags=_tags(meta.tags),
        symptoms=symptoms,
        root_causes=[_xml_safe(c) for c in causes if c.strip()],
        five_whys=[{"question": _xml_safe(q), "answer": _xml_safe(a)} for q, a in chain.whys],
        solution=[
            {
                "text": _xml_safe(s["text"]),
                "code": [{**c, "text": _xml_safe(c["text"])} for c in s["code"]],
            }
            for s in data["solution"]
        ],
        files_modified=[_xml_safe(f) for f in data["files"] if f.strip()],
        verification=[_xml_safe(v) for v in data["verification"] if v.strip()],
        prevention=[_xml_safe(p) for p in data["prevention"] if p.strip()],
        references=references,
        supersedes=supersedes,
        extras=state.extras,
    )
    return ImportResult(learning, mapped, state.kept, list(report.warnings), meta)


def _check_importable(report: FixReport) -> None:
    """ImportFailed when the report has errors, is empty or has no title."""
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


def _read_sections(state: _Reading, preamble: list[SyntaxTreeNode]) -> None:
    """The text under the title, then each section through its reader (or kept as-is)."""
    report, mapped, kept, extras = state.report, state.mapped, state.kept, state.extras
    last_key = "title"
    quoted, description_parts = state.quoted, state.description_parts

    if preamble:
        text = blocks_md(preamble, report)
        quoted.extend(symptoms_from_blocks(preamble))
        if not any(field_of_heading(s.plain) == "description" for s in report.sections):
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
        SECTION_READERS[key](state, sec, key)


def _symptom_rows(state: _Reading) -> list[dict[str, Any]]:
    """The listed symptoms, each once; without a list, the errors quoted in the problem
    statement (a list says what the symptoms are: an error name the text mentions on the way,
    ``CancelledError``, is not one more). Runs of spaces inside are kept (``ERROR:    …`` is
    matched as printed); line breaks become spaces."""
    seen: set[str] = set()
    symptom_rows = []
    listed = state.symptoms or [(q, "") for q in state.quoted]
    for text, versions in listed:
        line = _LINE_BREAKS.sub(" ", text).strip()
        key = " ".join(line.split())
        if key and key not in seen:
            seen.add(key)
            row: dict[str, Any] = {"text": line}
            if versions:
                row["versions"] = versions
            symptom_rows.append({**row, "text": _xml_safe(row["text"])})
    if state.quoted and not state.symptoms:
        state.mapped.append(
            Mapped("symptoms", len(state.quoted), "error messages quoted in the problem statement")
        )
    return symptom_rows


_LINE_BREAKS = re.compile(r"[ \t]*(?:\r\n|[\r\n])[ \t]*")


def _references(state: _Reading, report_href: str | None) -> tuple[list[Reference], list[str]]:
    """The Related section's references, the entries the text mentions, the report itself;
    each (kind, target) once. And the entries the Related section says it supersedes."""
    from kbtool.model import Reference

    references = [r for r in state.data["references"] if r["kind"] != SUPERSEDES]
    supersedes = [r["target"] for r in state.data["references"] if r["kind"] == SUPERSEDES]
    references.extend(
        mentioned_refs(state.report, state.config, state.graph, state.category_file, references)
    )
    if report_href:
        references.insert(0, {"kind": "fix-report", "target": report_href, "label": ""})
    seen_refs: set[tuple[str, str]] = set()
    unique_refs = []
    for ref in references:
        if (ref["kind"], ref["target"]) not in seen_refs:
            seen_refs.add((ref["kind"], ref["target"]))
            unique_refs.append(Reference(**ref))
    return unique_refs, list(dict.fromkeys(supersedes))


def _tags(tags: list[str]) -> list[str]:
    out: list[str] = []
    for tag in tags:
        clean = re.sub(r"\s+", "-", tag.strip())[:64]
        if clean and clean not in out:
            out.append(clean)
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


def closest_category(config: Config, report: FixReport, kb: Any | None = None) -> tuple[str, float]:
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
