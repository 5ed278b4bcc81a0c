"""Fix reports and entries, linked both ways: import a report, write a report skeleton,
create an entry (``kbtool import-report``, ``kbtool report new``, ``kbtool new``).

Each function does its checks first and its writes last, every write atomic; the library
raises :class:`~kbtool.errors.KbError` subclasses for what stops it and returns values for
the rest.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from kbtool.errors import UsageError

if TYPE_CHECKING:
    from kbtool.config import Config
    from kbtool.diagnostics import Diagnostic
    from kbtool.kbwrite import WriteResult
    from kbtool.model import Learning, Severity
    from kbtool.reports.importer import ImportResult


RELATED_HEADING = "Related Issues"


def rel_to_root(config: Config, path: Path) -> str:
    return Path(path).resolve().relative_to(config.root).as_posix()


def entry_mention(config: Config, category_file: Path, entry_id: str) -> str:
    """How a report names an entry: ``learnings/x.xml#id`` (relative to the KB root)."""
    return f"{rel_to_root(config, category_file)}#{entry_id}"


# ------------------------------------------------------------------ link back


def add_related_line(
    config: Config, report_path: Path, mention: str, *, dry_run: bool = False
) -> bool:
    """Add ``- Learning entry: `mention``` to the report's Related section (appending the
    section when there is none). False when the report already names it. Atomic; keeps the
    BOM and line endings."""
    from kbtool.atomic import Stamp, atomic_write
    from kbtool.diagnostics import Diagnostic
    from kbtool.reports.headings import field_of_heading
    from kbtool.reports.parser import decode, parse_report
    from kbtool.safexml import read_capped

    data = read_capped(report_path, config.root, config.max_file_bytes)
    if isinstance(data, Diagnostic):
        raise UsageError(f"{data.path}: {data.message}")
    text, errors = decode(data, str(report_path))
    if errors:
        raise UsageError(errors[0].format())
    if mention in text:
        return False
    report = parse_report(text, str(report_path))
    lines = text.split("\n")
    line = f"- Learning entry: `{mention}`"
    related = [s for s in report.sections if field_of_heading(s.plain) == "references"]
    if related:
        section = related[-1]
        lists = [b for b in section.blocks if b.type in ("bullet_list", "ordered_list") and b.map]
        if lists and lists[-1].type == "bullet_list":
            at = lists[-1].map[1]  # type: ignore[index]
            while at > lists[-1].map[0] and not lines[at - 1].strip():  # type: ignore[index]
                at -= 1
            insert = [line]
        else:
            at = section.end
            while at > section.start + 1 and not lines[at - 1].strip():
                at -= 1
            insert = ["", line]
        if at < len(lines) and lines[at].strip():
            insert.append("")
        lines[at:at] = insert
    else:
        while lines and not lines[-1].strip():
            lines.pop()
        lines += ["", f"## {RELATED_HEADING}", "", line, ""]
    new_text = "\n".join(lines)
    if not new_text.endswith("\n"):
        new_text += "\n"
    if "\r\n" in data.decode("utf-8", errors="replace"):
        new_text = new_text.replace("\n", "\r\n")
    payload = (b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b"") + new_text.encode()
    if not dry_run:
        atomic_write(report_path, payload, expected=Stamp.of(report_path, data))
    return True


# ------------------------------------------------------------------ import-report


@dataclass
class ImportOutcome:
    result: ImportResult
    xml: str
    category: str
    category_how: str
    report_href: str | None
    write: WriteResult | None = None
    linked_back: bool = False
    notes: list[str] = field(default_factory=list)
    findings: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        """The findings that are errors (the import then exits 1)."""
        return [d for d in self.findings if d.severity.value == "error"]

    def to_dict(self, *, dry_run: bool = False) -> dict[str, object]:
        """``kbtool import-report --format json`` (docs/json-output.md); paths relative to
        the working folder."""
        write = self.write
        return {
            "id": self.result.learning.id,
            "category": self.category,
            "category_how": self.category_how,
            "path": os.path.relpath(write.path) if write else None,
            "line": write.line if write else None,
            "created_file": write.created if write else False,
            "dry_run": dry_run,
            "linked_back": self.linked_back,
            "mapped": [
                {"field": m.field, "count": m.count, "source": m.source} for m in self.result.mapped
            ],
            "kept": [
                {"heading": k.heading, "line": k.line, "reason": k.reason} for k in self.result.kept
            ],
            "warnings": [d.to_dict() for d in self.result.warnings],
            "notes": self.notes,
            "findings": [d.to_dict() for d in self.findings],
            "xml": self.xml if dry_run else None,
        }


def import_report_file(
    config: Config,
    path: Path,
    *,
    category: str | None = None,
    entry_id: str | None = None,
    date: dt.date | None = None,
    link_back: bool = True,
    dry_run: bool = False,
    force: bool = False,
) -> ImportOutcome:
    """Import a Markdown report as a new entry, link both ways, and validate the result.
    A report that an entry already links to is refused unless ``force``."""
    from kbtool import entry_xml
    from kbtool.kb import KnowledgeBase
    from kbtool.kbwrite import add_learning, category_path, make_id
    from kbtool.model import ID_RE
    from kbtool.reports.importer import (
        closest_category,
        entry_title,
        import_report,
        stated_category,
    )
    from kbtool.reports.links import build_graph
    from kbtool.reports.parser import read_report

    if not path.is_file():
        raise UsageError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
    report = read_report(path, config, inside_only=False)
    kb = KnowledgeBase.load(config)
    taken = set(kb.ids())
    front_category = report.front_matter.get("category")
    named = stated_category(report) if report.title and not report.errors else ""
    if category:
        how = "from --category"
    elif isinstance(front_category, str) and front_category.strip():
        category, how = front_category.strip(), "from the report's front matter"
    elif named:
        category, how = named, "from the report's Category line"
    elif report.title and not report.errors:
        category, score = closest_category(config, report, kb)
        how = (
            "closest existing category (use --category to choose)"
            if score > 0
            else "no existing category fits; use --category to choose"
        )
    else:
        category, how = "General", ""
    if entry_id is not None:
        if not ID_RE.match(entry_id):
            raise UsageError(
                f"{{entry_id}} {entry_id!r}: use 1-80 lower-case letters, digits and '-'",
                params=("entry_id",),
            )
        if entry_id in taken:
            raise UsageError(
                f"{{entry_id}} {entry_id!r} is already used in the knowledge base",
                params=("entry_id",),
            )
    category_file = category_path(config, category)
    notes: list[str] = []
    real = Path(path).resolve()
    report_href: str | None = None
    if config.inside(real):
        report_href = PurePosixPath(os.path.relpath(real, category_file.parent)).as_posix()
    else:
        notes.append(
            f"{path} is outside the knowledge base: no fix-report link and no link "
            f"back (copy it into {os.path.relpath(config.reports_dir)}/ to link both ways)"
        )
    graph = build_graph(config, kb)
    if report_href is not None and not force:
        rel = real.relative_to(config.root).as_posix()
        owners = [
            h for h in graph.hrefs if h.kind == "fix-report" and graph.resolve_href(h)[0] == rel
        ]
        if owners:
            first = owners[0]
            raise UsageError(
                f"{path} is already the fix report of entry {first.entry_id!r} "
                f"({first.file}:{first.line}); use {{force}} to import it again",
                params=("force",),
            )
    title_words = entry_title(report.title.replace("`", ""))
    result = import_report(
        report,
        config=config,
        category=category,
        entry_id=entry_id or make_id(title_words or "entry", taken),
        date=date or dt.date.today(),
        report_href=report_href,
        graph=graph,
        category_file=category_file,
    )
    learning = result.learning
    xml = entry_xml.to_bytes(entry_xml.learning_to_element(learning)).decode("utf-8")
    outcome = ImportOutcome(result, xml, category, how, report_href, notes=notes)
    if dry_run:
        return outcome
    outcome.write = add_learning(config, learning, taken=taken)
    if link_back and report_href is not None:
        mention = entry_mention(config, outcome.write.path, learning.id)
        outcome.linked_back = add_related_line(config, real, mention)
    outcome.findings = _validate_file(config, outcome.write.path)
    return outcome


def _validate_file(config: Config, path: Path) -> list[Diagnostic]:
    """Findings of ``kbtool validate`` for one file (empty when validation is unavailable)."""
    try:
        from kbtool.validate import validate
    except ImportError:  # pragma: no cover - the validate package ships with kbtool
        return []
    result = validate(config, [path])
    return list(result.diagnostics)


# ------------------------------------------------------------------ new entry


def new_entry(
    config: Config,
    *,
    title: str,
    category: str,
    description: str,
    severity: Severity | None = None,
    tags: list[str] | None = None,
    date: dt.date | None = None,
    dry_run: bool = False,
    symptoms: list[str] | None = None,
) -> tuple[Learning, WriteResult]:
    """Create an entry with a unique id from its title in its category file."""
    from kbtool.kbwrite import add_learning, kb_ids, make_id
    from kbtool.model import Learning, Symptom

    if not title.strip():
        raise UsageError("a title is needed ({title})", params=("title",))
    if not category.strip():
        raise UsageError("a category is needed ({category})", params=("category",))
    taken = kb_ids(config)
    learning = Learning(
        id=make_id(title, taken),
        severity=severity,
        title=" ".join(title.split()),
        date=date or dt.date.today(),
        category=category.strip(),
        description=description.strip() or title.strip(),
        tags=list(tags or []),
        symptoms=[Symptom(text=t.strip()) for t in symptoms or [] if t.strip()],
    )
    return learning, add_learning(config, learning, taken=taken, dry_run=dry_run)


# ------------------------------------------------------------------ report new


def new_report(
    config: Config, entry_id: str, *, force: bool = False, dry_run: bool = False
) -> tuple[Path, bool, str]:
    """Write ``<reports>/<id>.md`` pre-filled from the entry and link the two both ways
    (``dry_run``: write nothing). Returns (report path, whether a fix-report reference was
    or would be added, the report's text)."""
    from kbtool.atomic import atomic_write
    from kbtool.kb import KnowledgeBase
    from kbtool.kbwrite import add_reference
    from kbtool.model import ID_RE, Reference
    from kbtool.render.context import build_context
    from kbtool.render.engine import render_in_process

    kb = KnowledgeBase.load(config)
    found = [e for e in kb.entries() if e.id == entry_id]
    if not found:
        from kbtool.selection import unknown_id

        raise unknown_id(entry_id, kb.ids())
    if not ID_RE.match(entry_id):
        raise UsageError(f"{entry_id!r} is not a valid id")
    folder = config.reports_dir
    path = folder / f"{entry_id}.md"
    if not config.inside(folder if folder.exists() else folder.parent):
        raise UsageError(f"the reports folder {folder} is outside the knowledge base")
    if path.exists() and not force:
        raise UsageError(
            f"{os.path.relpath(path)} exists; use {{force}} to overwrite it", params=("force",)
        )
    entry = found[0]
    href = PurePosixPath(os.path.relpath(path, entry.source.path.parent)).as_posix()
    reference = Reference(kind="fix-report", target=href)
    check = add_reference(config, entry_id, reference, dry_run=True)  # fails before any write
    context = build_context([entry], config, out_dir=folder, title=entry.title, skeleton=True)
    text = render_in_process("fix-report.md.j2", context)
    if dry_run:
        return path, check.changed, text
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(path, text.encode("utf-8"))
    added = add_reference(config, entry_id, reference).changed
    return path, added, text
