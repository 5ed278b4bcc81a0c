"""Migrate legacy learnings into canonical category files, losing no text.

``plan(options)`` reads every source file (decode → repair → strict parse → records →
fields), settles ids, links and categories, and returns the bytes of each category file
plus a report; it writes nothing. ``apply(plan)`` writes the files atomically and, for an
in-place migration, then removes the legacy files whose records all went into them.

The output folder's own valid category files are inputs too: their entries are kept and
merged, and a legacy record whose provenance (source file and XPath) is already among them
is not migrated twice. Running a migration again is therefore a no-op, and an interrupted
in-place migration finishes where it stopped.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from kbtool.atomic import Stamp, atomic_write
from kbtool.config import DEFAULT_MAX_FILE_BYTES, DEFAULT_PATH_MAP, file_bytes_ceiling
from kbtool.confine import leaves, read_root
from kbtool.diagnostics import Diagnostic
from kbtool.errors import UnsafePathError, UsageError
from kbtool.kb import SKIP_DIRS, category_filename, category_part_filename, is_category_file_name
from kbtool.migrate.legacy.decode import DecodeError, decode
from kbtool.migrate.legacy.fields import Draft, RawRef, map_record
from kbtool.migrate.legacy.layouts import find_records, xpath_of
from kbtool.migrate.legacy.markdown import is_markdown, read_markdown
from kbtool.migrate.legacy.repair import RepairNote, repair
from kbtool.migrate.legacy.resolve import LinkIndex, markdown_target, resolve
from kbtool.migrate.legacy.text import clean, slug
from kbtool.migrate.legacy.vocabulary import field_of_name, normalise
from kbtool.migrate.report import FileReport, MigrationReport
from kbtool.model import (
    ID_RE,
    CategoryFile,
    Learning,
    Metadata,
    Original,
    Provenance,
    Reference,
    Repair,
)
from kbtool.safexml import parse_bytes, read_capped
from kbtool.xmlnodes import is_element, line_of

UNKNOWN_DATE = "unknown"  # provenance <original field="date"> of an entry with no <date>
EXTRAS_LEVEL = 4  # specification > learnings > learning > extras > item


@dataclass
class MigrateOptions:
    sources: Sequence[Path]
    out: Path | None = None
    in_place: bool = False
    encoding: str | None = None
    default_category: str = "General"
    kb_root: Path | None = None
    reports_dir: Path | None = None
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    path_map: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_PATH_MAP))


@dataclass
class Output:
    path: Path
    data: bytes
    old: bytes | None
    stamp: Stamp | None
    entries: int

    @property
    def changed(self) -> bool:
        return self.old != self.data


@dataclass
class Plan:
    out_dir: Path
    outputs: list[Output]
    removals: list[tuple[Path, Stamp]]
    report: MigrationReport
    in_place: bool = False


@dataclass
class _Source:
    path: Path  # absolute, as found (links not followed)
    root: Path  # the source folder it was found under (resolved)
    label: str  # provenance source: relative to the folder given on the command line
    report: FileReport
    from_out: bool = False  # a file of the output folder (or of the in-place folder)
    merge: bool = True  # canonical: its entries go into the output
    data: bytes = b""
    stamp: Stamp | None = None
    canonical_meta: Metadata | None = None
    markdown: bool = False  # a Markdown learning (kbtool.migrate.legacy.markdown)


@dataclass
class _Entry:
    source: _Source
    xpath: str
    line: int
    draft: Draft | None = None
    learning: Learning | None = None
    repairs: list[RepairNote] = field(default_factory=list)
    defaults: dict[str, tuple[object, str]] = field(default_factory=dict)
    id: str = ""
    category: str = ""
    wanted_id: str | None = None  # a Markdown learning's own id (its front matter's)


# ---------------------------------------------------------------- finding the files


def walk_files(folder: Path, suffix: str) -> list[Path]:
    """Files named ``*suffix`` under ``folder``, sorted; links to folders are not followed,
    hidden folders and caches are skipped."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        found.extend(Path(dirpath) / n for n in sorted(filenames) if n.lower().endswith(suffix))
    return found


def _label(path: Path, base: Path, prefix: str = "") -> str:
    """A source path as provenance names it: relative to the folder given on the command
    line (``base``), so the same on every run wherever the checkout or the output lies."""
    try:
        rel = Path(os.path.abspath(path)).relative_to(base).as_posix()  # noqa: PTH100 - links are judged, not followed
    except ValueError:
        rel = path.name
    return f"{prefix}{rel}"


def _sources(options: MigrateOptions, out_dir: Path) -> tuple[list[_Source], list[Path]]:
    """Every XML file to read (sorted, each once), and the Markdown files links may reach."""
    sources: list[_Source] = []
    markdown: list[Path] = []
    seen: set[Path] = set()
    kb_root = options.kb_root.resolve() if options.kb_root else None
    roots: list[tuple[Path, bool]] = []
    if not options.in_place and out_dir.is_dir():
        roots.append((out_dir, True))
    roots += [(Path(os.path.abspath(s)), options.in_place) for s in options.sources]  # noqa: PTH100 - links are judged, not followed
    for target, from_out in roots:
        if not target.exists() and not target.is_symlink():
            raise UsageError(f"{target}: no such file or folder")
        root = read_root(target, kb_root)  # never through a link that leaves the KB root
        base = target if target.is_dir() else target.parent
        prefix = f"{base.name}/" if len(options.sources) > 1 and not from_out else ""
        others: list[Path] = []
        if kb_root is not None and leaves(target, kb_root):
            files = [target]  # not listed: reading it reports the link (KB104)
        elif target.is_dir():
            every = walk_files(target, "")
            files = [p for p in every if p.name.lower().endswith(".xml")]
            if not files and (options.in_place or not from_out):
                # A folder of Markdown learnings. Beside legacy XML, Markdown files are the
                # records' fix reports: link targets, imported with --reports (a real folder
                # held thousands, most of them neither learnings nor reports).
                files = [p for p in every if is_markdown(p)]
                others = [p for p in every if not is_markdown(p)]
            files.sort()
        else:
            files = [target]
        if target.is_dir() and files != [target]:
            markdown += walk_files(target, ".md")
        for path in others:
            sources.append(_skipped(path, base, prefix))
        for path in files:
            real = path.resolve()
            if real in seen:
                continue
            if path.is_symlink() and real != path and _inside(real, root) and options.in_place:
                continue  # a link to a file of the tree, which is migrated itself
            seen.add(real)
            report = FileReport(path=_label(path, base, prefix))
            sources.append(_Source(path, root, report.path, report, from_out))
            sources[-1].markdown = is_markdown(path) and not (from_out and not options.in_place)
    return sources, markdown


def _skipped(path: Path, base: Path, prefix: str) -> _Source:
    """A file of a source folder that is neither XML nor Markdown (a ``.txt``, an image):
    listed in the report, never read."""
    report = FileReport(path=_label(path, base, prefix), status="skipped")
    report.notes.append("neither XML nor Markdown: not read")
    return _Source(path, path.parent, report.path, report, merge=False)


def _label_bases(options: MigrateOptions) -> list[tuple[Path, str]]:
    """The folders given on the command line, with the prefix their labels carry."""
    bases = []
    for source in options.sources:
        target = Path(os.path.abspath(source))  # noqa: PTH100 - links are judged, not followed
        base = target if target.is_dir() else target.parent
        bases.append((base, f"{base.name}/" if len(options.sources) > 1 else ""))
    return bases


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------- reading one file

_SCHEMA: list[etree.XMLSchema] = []


def _schema() -> etree.XMLSchema:
    if not _SCHEMA:
        from kbtool.resources import xsd_path
        from kbtool.safexml import make_parser

        _SCHEMA.append(etree.XMLSchema(etree.parse(str(xsd_path()), make_parser())))
    return _SCHEMA[0]


def _read(source: _Source, options: MigrateOptions) -> list[_Entry]:
    """Read one file into entries; its report says what happened."""
    report = source.report
    if report.status == "skipped":
        return []
    # A legacy file is not a category file: one team's whole category in one file passes
    # the 1 MiB cap of the KB's own files (its entries are split under it on output), so it
    # is read up to the ceiling the person running kbtool sets (KBTOOL_MAX_FILE_BYTES).
    limit = max(options.max_file_bytes, file_bytes_ceiling())
    data = read_capped(source.path, source.root, limit)
    if isinstance(data, Diagnostic):
        report.status = "failed"
        report.findings.append(data)
        return []
    source.data = data
    try:
        info = source.path.stat()
        source.stamp = Stamp(info.st_size, info.st_mtime_ns, _sha(data))
    except OSError:
        pass
    decoded = decode(data, options.encoding)
    if isinstance(decoded, DecodeError):
        report.status = "failed"
        report.findings.append(
            Diagnostic(report.path, decoded.line, decoded.col, "KB101", decoded.message)
        )
        return []
    report.encoding = decoded.encoding + ("+bom" if decoded.bom else "")
    report.notes.extend(decoded.notes)
    text = decoded.text
    if source.markdown:
        return _read_markdown(source, text, decoded.notes, options)
    root, findings = parse_bytes(text.encode("utf-8"), report.path)
    if root is None and findings and findings[0].code in ("KB101", "KB103"):
        fixed = repair(text)
        root, findings = parse_bytes(fixed.text.encode("utf-8"), report.path)
        report.repairs = fixed.notes
    if root is None:
        report.status = "failed"
        report.findings.extend(findings)
        return []
    if root.tag == "specification" and not report.repairs and _schema().validate(root):
        return _canonical(source, root)
    if source.from_out and not options.in_place:
        report.status = "left"
        report.notes.append("not a valid category file: left as it is")
        return []
    layout = find_records(root, source.path.stem)
    report.layout = layout.kind
    if layout.kind == "catalogue":
        report.status = "catalogue"
        report.catalogue = _check_catalogue(source, layout.paths)
        return []
    if not layout.records:
        report.status = "empty"
        return []
    report.status = "repaired" if report.repairs else "migrated"
    return _entries(source, root, layout.records, layout.metadata, decoded.notes)


def _read_markdown(
    source: _Source, text: str, decode_notes: list[str], options: MigrateOptions
) -> list[_Entry]:
    """One Markdown learning: an entry, or a catalogue (a list of links), or nothing."""
    report = source.report
    report.layout = "markdown"
    out_dir = Path(os.path.abspath(options.out or source.root))  # noqa: PTH100 - not followed
    try:
        found = read_markdown(text, report.path, out_dir)
    except Exception as error:  # one file's failure is a finding, not the end of the run
        report.status = "failed"
        report.findings.append(
            Diagnostic(
                report.path,
                1,
                1,
                "KB325",
                f"Markdown learning could not be migrated: {type(error).__name__}: {error}",
            )
        )
        return []
    if found.kind == "catalogue":
        report.status = "catalogue"
        report.catalogue = _check_catalogue(source, found.links)
        return []
    if found.learning is None:
        report.status = "empty"
        return []
    report.status = "migrated"
    report.records = 1
    notes = [n for n in decode_notes if "--encoding" in n] + found.notes
    category = found.category or options.default_category
    if not found.category:
        notes.append(f"no category in the source: filed under {options.default_category!r}")
    originals = list(found.originals)
    if found.learning.date is None:
        originals.append(("date", UNKNOWN_DATE))
    learning = found.learning.model_copy(
        update={
            "category": category,
            "provenance": Provenance(
                source=source.label,
                originals=[Original(field=f, value=v) for f, v in originals],
                repairs=[Repair(text=n) for n in notes],
            ),
        }
    )
    entry = _Entry(source, "", 1, learning=learning, category=category, wanted_id=found.id)
    return [entry]


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _canonical(source: _Source, root: etree._Element) -> list[_Entry]:
    from kbtool.entry_xml import learning_from_element, metadata_from_element

    source.report.status = "canonical"
    source.report.layout = "canonical"
    meta = root.find("metadata")
    if meta is not None:
        source.canonical_meta = metadata_from_element(meta)
    if source.from_out and (
        source.canonical_meta is None
        or not is_category_file_name(source.path.name, source.canonical_meta.category)
        or any(
            c.text != source.canonical_meta.category
            for c in root.iterfind("learnings/learning/category")
        )
    ):
        source.merge = False  # not named for its one category: left as it is, its ids reserved
        source.report.status = "left"
        source.report.notes.append("a category file not named for its category: left as it is")
    entries = []
    for el in root.iterfind("learnings/learning"):
        learning = learning_from_element(el)
        entries.append(
            _Entry(
                source,
                xpath_of(el),
                line_of(el),
                learning=learning,
                id=learning.id,
                category=learning.category,
            )
        )
    source.report.records = len(entries)
    return entries


def _check_catalogue(source: _Source, paths: list[tuple[str, int]]) -> dict[str, Any]:
    broken = []
    listed = []
    for written, line in paths:
        rel = written.split("#", 1)[0].replace("\\", "/")
        if rel.startswith(("http://", "https://")):
            continue
        found = [c for c in (source.path.parent / rel, source.root / rel) if c.is_file()]
        if found:
            listed.append(str(found[0].resolve()))
        else:
            broken.append({"path": written, "line": line})
    return {"paths": len(paths), "broken": broken, "listed": listed}


def _unlisted(catalogue: _Source, reals: dict[int, Path]) -> int:
    """How many legacy files read in this run, under the catalogue's folder, it does not list."""
    assert catalogue.report.catalogue is not None
    listed = set(catalogue.report.catalogue.pop("listed"))
    folder = catalogue.path.parent.resolve()
    return sum(
        1
        for key, path in reals.items()
        if key != id(catalogue) and _inside(path, folder) and str(path) not in listed
    )


def _entries(
    source: _Source,
    root: etree._Element,
    records: list[etree._Element],
    metadata: list[etree._Element],
    decode_notes: list[str],
) -> list[_Entry]:
    notes = source.report.repairs
    lines = [line_of(r) for r in records]
    defaults, consumed = _envelope_defaults(root, metadata, records)
    entries = []
    for index, record in enumerate(records):
        try:
            draft = map_record(record)
        except Exception as error:
            source.report.findings.append(_record_failed(source, record, error))
            continue
        start = lines[index] if index else 0
        end = lines[index + 1] if index + 1 < len(lines) else 1 << 30
        entry = _Entry(
            source,
            xpath_of(record),
            line_of(record),
            draft=draft,
            repairs=[n for n in notes if start <= n.line < end],
            defaults=defaults,
        )
        draft.notes[:0] = list(decode_notes)  # how its bytes were read, when not as declared
        entries.append(entry)
    if entries:
        try:
            # what the envelope gives that no entry takes (each has its own) stays in extras
            for name in [n for n in defaults if not any(_lacks(e.draft, n) for e in entries)]:
                del defaults[name]
                consumed.pop(name, None)
            taken = {where[1:] for _, where in defaults.values() if where.startswith("@")}
            _keep_outside(root, records, consumed, entries[0].draft, taken)
        except Exception as error:
            source.report.findings.append(_record_failed(source, root, error))
    source.report.records = len(entries)
    return entries


def _lacks(draft: Draft | None, name: str) -> bool:
    """Whether an entry has no value of its own for an envelope field (it takes the
    envelope's: :func:`_settle_fields`)."""
    return draft is not None and getattr(draft, name) in (None, "")


def _record_failed(source: _Source, record: etree._Element, error: Exception) -> Diagnostic:
    """KB325: a record that could not be migrated (the run goes on without it)."""
    return Diagnostic(
        source.report.path,
        max(1, line_of(record)),
        1,
        "KB325",
        f"record {xpath_of(record)} could not be migrated: {type(error).__name__}: {error}",
    )


def _envelope_defaults(
    root: etree._Element,
    metadata: list[etree._Element],
    records: list[etree._Element],
) -> tuple[dict[str, tuple[object, str]], dict[str, etree._Element]]:
    """Category, date and severity an envelope gives its entries, and the elements (by field)
    that gave them."""

    defaults: dict[str, tuple[object, str]] = {}
    consumed: dict[str, etree._Element] = {}  # the element each field was read from
    if records == [root]:
        return defaults, consumed
    for name in root.attrib:
        _envelope_value(defaults, field_of_name(str(name)), root.get(name) or "", f"@{name!s}")
    leaves = [
        c for c in root if is_element(c) and not len(c) and id(c) not in set(map(id, records))
    ]
    for child in [*(c for b in metadata for c in b), *leaves]:
        if not is_element(child) or len(child):
            continue
        found, text = field_of_name(child.tag), clean(child.text)
        if _envelope_value(defaults, found, text, f"<{normalise(child.tag)}>") and found:
            exact = found[0] != "date" or str(defaults["date"][0]) == text
            if found[0] == "category" or (child.getparent() is root and exact):
                consumed[found[0]] = child
    return defaults, consumed


_ENVELOPE_FIELDS = ("category", "date", "severity")


def _envelope_value(
    defaults: dict[str, tuple[object, str]],
    found: tuple[str, str] | None,
    text: str,
    where: str,
) -> bool:
    """Take an envelope's category, date or severity (the first of each); True if taken."""
    from kbtool.migrate.legacy.text import parse_date
    from kbtool.migrate.legacy.vocabulary import is_category_name, normalise_severity

    text = text.strip()
    if not found or found[0] not in _ENVELOPE_FIELDS or found[0] in defaults or not text:
        return False
    value: object = text
    if found[0] == "date":
        day = parse_date(text)
        if day is None:
            return False
        value = day[0]
    elif found[0] == "severity":
        if normalise_severity(text) is None:
            return False
    elif not is_category_name(text):
        return False
    defaults[found[0]] = (value, where)
    return True


def _keep_outside(
    root: etree._Element,
    records: list[etree._Element],
    consumed: dict[str, etree._Element],
    draft: Draft | None,
    taken: set[str] | None = None,
) -> None:
    """Keep what is outside every record (envelope text, metadata, comments) on the first;
    of the root's attributes, all but those its entries took (``taken``: a category, date
    or severity read; an attribute that names one but holds no valid value is kept)."""
    assert draft is not None
    extras = draft.extras
    for node in (*root.itersiblings(preceding=True), *root.itersiblings()):
        extras.add(node, (root,) if records != [root] else (records[0],))
    if records == [root]:
        return
    skipped = {id(r) for r in (*records, *consumed.values())}  # the values keep them alive
    holders = {id(a): a for r in records for a in r.iterancestors()}  # values keep proxies alive

    def walk(el: etree._Element, chain: tuple[etree._Element, ...]) -> None:
        extras.add_text(el.text or "", (*chain, el))
        kept = [str(n) for n in el.attrib if not (el is root and str(n) in (taken or ()))]
        extras.add_attributes(el, kept, chain)
        for child in el:
            if id(child) in skipped:
                pass
            elif not is_element(child):
                extras.add(child, (*chain, el))
            elif id(child) in holders or (field_of_name(child.tag) or ("",))[0] == "metadata":
                walk(child, (*chain, el))
            else:
                extras.add(child, (*chain, el))
            extras.add_text(child.tail or "", (*chain, el))

    walk(root, ())


# ---------------------------------------------------------------- settling entries


def _identity(entry: _Entry) -> tuple[str, str | None]:
    prov = entry.learning.provenance if entry.learning else None
    return (prov.source, prov.xpath) if prov else (entry.source.label, entry.xpath)


def _skip_migrated(entries: list[_Entry]) -> list[_Entry]:
    """Drop source records already in the output (same provenance: source file and XPath)."""

    def in_output(entry: _Entry) -> bool:
        return (
            entry.learning is not None
            and entry.source.from_out
            and entry.source.merge
            and not entry.source.markdown
        )

    present = {_identity(e) for e in entries if in_output(e)}
    kept = []
    for entry in entries:
        if not in_output(entry) and _identity(entry) in present:
            entry.source.report.already += 1
            continue
        if (
            entry.learning is not None
            and entry.learning.provenance is None
            and not entry.source.from_out
        ):
            prov = Provenance(source=entry.source.label, xpath=entry.xpath)
            entry.learning = entry.learning.model_copy(update={"provenance": prov})
        kept.append(entry)
    return kept


def _settle_fields(entry: _Entry, default_category: str) -> None:
    draft = entry.draft
    assert draft is not None
    if not draft.category:
        given = entry.defaults.get("category")
        draft.category = str(given[0]) if given else default_category
        if not given:
            draft.notes.append(f"no category in the source: filed under {default_category!r}")
    if draft.severity is None and (given := entry.defaults.get("severity")) is not None:
        from kbtool.migrate.legacy.vocabulary import normalise_severity

        draft.severity = normalise_severity(str(given[0]))
        if draft.severity != given[0]:
            draft.originals.append(("severity", str(given[0])))
        draft.notes.append(f"no severity on the entry: took the envelope's {given[1]}")
    if draft.date is None:
        given = entry.defaults.get("date")
        if given is not None:
            draft.date = given[0]  # type: ignore[assignment]
            draft.notes.append(f"no date on the entry: took the envelope's {given[1]}")
        else:  # never the file's modification time: it changes with every checkout
            draft.originals.append(("date", UNKNOWN_DATE))
            draft.notes.append(
                "no date in the record or its envelope: the date is unknown (no <date>)"
            )
    if not draft.title:
        first = (draft.description or "").split("\n", 1)[0]
        draft.title = _shorten(first) or entry.source.path.stem.replace("_", " ")
        draft.notes.append(
            "no title in the source: taken from the " + ("description" if first else "file name")
        )
    if not draft.description:
        draft.description = draft.title
        draft.notes.append("no description in the source: used the title")
    entry.category = draft.category


def _shorten(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > 40 else limit].rstrip(" ,;:") + "…"


def _assign_ids(entries: list[_Entry], taken: set[str], report: MigrationReport) -> None:
    """Keep valid, unique ids (first come, first kept); mint the others deterministically."""
    for entry in entries:
        wanted = _wanted_id(entry)
        if wanted and ID_RE.match(wanted) and wanted not in taken:
            entry.id = wanted
            taken.add(wanted)
            report.ids_kept += 1
    for entry in entries:
        if entry.id:
            continue
        title = (
            entry.learning.title if entry.learning else (entry.draft.title if entry.draft else "")
        )
        base = slug(title or "") or slug(entry.source.path.stem) or "entry"
        candidate, n = base, 2
        while candidate in taken:
            suffix = f"-{n}"
            candidate = base[: 80 - len(suffix)] + suffix
            n += 1
        entry.id = candidate
        taken.add(candidate)
        original = _wanted_id(entry)
        if entry.learning is not None:
            prov = entry.learning.provenance or Provenance(
                source=entry.source.label, xpath=entry.xpath
            )
            prov = prov.model_copy(
                update={"originals": [*prov.originals, Original(field="id", value=original or "")]}
            )
            entry.learning = entry.learning.model_copy(update={"id": candidate, "provenance": prov})
        report.ids_minted.append(
            {
                "source": entry.source.report.path,
                "xpath": entry.xpath,
                "original": original,
                "id": candidate,
            }
        )


def _wanted_id(entry: _Entry) -> str | None:
    """The id a record asks for: its own, or a Markdown learning's front matter ``id``."""
    if entry.source.markdown:
        return entry.wanted_id
    return entry.learning.id if entry.learning else (entry.draft.id if entry.draft else None)


def _dedupe(
    values: list[str], name: str, originals: list[tuple[str, str]], fold: bool = False
) -> list[str]:
    seen: set[str] = set()
    out = []
    for value in values:
        key = " ".join(value.split())
        key = key.casefold() if fold else key
        if key in seen:
            originals.append((name, f"(repeated) {value}"))
            continue
        seen.add(key)
        out.append(value)
    return out


def _build(entry: _Entry, index: LinkIndex, report: MigrationReport) -> Learning:
    draft = entry.draft
    assert draft is not None and draft.title and draft.description
    originals = list(draft.originals)
    if draft.id is not None and draft.id != entry.id:
        originals.insert(0, ("id", draft.id))
    ns = etree.QName(draft.record).namespace
    if ns:
        originals.append(("namespace", ns))
    # the other namespaces in scope (xmlns:x="…" for inline markup) are words the author
    # wrote too; the element names that used them keep only their local part
    for prefix, uri in sorted((p or "", u) for p, u in draft.record.nsmap.items() if u != ns):
        originals.append(("namespace", f"xmlns:{prefix}={uri}" if prefix else f"xmlns={uri}"))
    references: list[Reference] = []
    supersedes: list[str] = []
    for raw, into in [(r, "references") for r in draft.references] + [
        (r, "supersedes") for r in draft.supersedes
    ]:
        found = resolve(raw, entry.source.path, entry.id, index)
        if into == "supersedes" and found.kind == "learning":
            supersedes.append(found.target)
        elif into == "references" and found.kind is not None:
            label = raw.text if raw.text != found.target else ""
            references.append(Reference(kind=found.kind, target=found.target, label=label))
        else:
            _keep_ref(draft, raw)
            if found.broken:
                report.links_broken.append(
                    {
                        "source": entry.source.report.path,
                        "line": raw.line,
                        "text": raw.href or raw.text,
                        "reason": found.reason,
                    }
                )
            continue
        report.links_resolved[found.kind or ""] += 1
    references = _unique_refs(references, draft)
    for item in draft.extras.items:
        from kbtool.entry_xml import indent

        indent(item, EXTRAS_LEVEL)
    symptoms, seen = [], set()
    for symptom in draft.symptoms:
        key = " ".join(symptom.text.split())
        if key in seen:
            originals.append(("symptom", f"(repeated) {symptom.text}"))
            continue
        seen.add(key)
        symptoms.append(symptom)
    repairs = [Repair(line=n.line, text=n.text) for n in entry.repairs]
    repairs += [Repair(text=n) for n in draft.notes]
    learning = Learning(
        id=entry.id,
        severity=draft.severity,
        status=draft.status or "active",
        title=draft.title,
        date=draft.date,
        category=entry.category,
        description=draft.description,
        tags=draft.tags,
        symptoms=symptoms,
        root_causes=_dedupe(draft.root_causes, "cause", originals),
        five_whys=draft.five_whys,
        solution=draft.solution,
        files_modified=_dedupe(draft.files, "file", originals),
        verification=_dedupe(draft.verification, "check", originals),
        prevention=_dedupe(draft.prevention, "item", originals),
        test_cases=_dedupe(draft.test_cases, "test-case", originals),
        references=references,
        supersedes=list(dict.fromkeys(s for s in supersedes if s != entry.id)),
        review_by=draft.review_by,
        extras=draft.extras.serialise(),
        provenance=Provenance(
            source=entry.source.label,
            xpath=entry.xpath,
            originals=[Original(field=f, value=v) for f, v in originals],
            repairs=repairs,
        ),
    )
    return learning


def _unique_refs(references: list[Reference], draft: Draft) -> list[Reference]:
    seen: set[tuple[str, str]] = set()
    out = []
    for ref in references:
        key = (ref.kind, ref.target)
        if key in seen:
            element = etree.Element("reference", {"kind": ref.kind, "target": ref.target})
            element.text = ref.label or None
            draft.extras.add(element, ())
            continue
        seen.add(key)
        out.append(ref)
    return out


def _keep_ref(draft: Draft, raw: RawRef) -> None:
    if raw.element is not None:
        draft.extras.add(raw.element, raw.chain)
    else:
        draft.extras.add_text(raw.text, (*raw.chain, raw.container))


# ---------------------------------------------------------------- the plan


def _out_dir(options: MigrateOptions) -> Path:
    if options.in_place:
        if len(options.sources) != 1 or not Path(options.sources[0]).is_dir():
            raise UsageError("{in_place} takes exactly one folder", params=("in_place",))
        return Path(options.sources[0]).resolve()
    if options.out is None:
        raise UsageError("say where to write: {out} DIR, or {in_place}", params=("out", "in_place"))
    out = Path(os.path.abspath(options.out))  # noqa: PTH100 - links are judged, not followed
    if out.exists() and not out.is_dir():
        raise UsageError(f"{{out}} {options.out}: not a folder", params=("out",))
    if out.is_symlink():
        raise UnsafePathError(
            f"{{out}} {options.out}: is a symbolic link; name the real folder", params=("out",)
        )
    for src in options.sources:
        real = Path(src).resolve()
        if (
            real == out.resolve()
            or (real.is_dir() and _inside(out.resolve(), real))
            or _inside(real, out.resolve())
        ):
            raise UsageError(
                f"{{out}} {options.out} overlaps the source {src}; use {{in_place}} to "
                "migrate a folder into itself",
                params=("out", "in_place"),
            )
    return out


def plan(options: MigrateOptions) -> Plan:
    """Read, map and settle everything; return the files to write and the report."""
    out_dir = _out_dir(options)
    real_out = out_dir.resolve() if out_dir.exists() else out_dir
    sources, markdown = _sources(options, out_dir)
    report = MigrationReport(files=[s.report for s in sources])
    entries: list[_Entry] = []
    for source in sources:
        entries.extend(_read(source, options))
    kb_root = (options.kb_root or real_out).resolve()
    if not _inside(real_out, kb_root):
        kb_root = real_out
    index = LinkIndex(
        kb_root=kb_root,
        out_dir=real_out,
        source_roots=sorted({s.root for s in sources}),
        path_map=options.path_map,
    )
    if options.reports_dir is not None and options.reports_dir.is_dir():
        markdown += walk_files(options.reports_dir, ".md")
    for path in sorted({p.resolve() for p in markdown}):
        index.add_markdown(path)
    entries = _skip_migrated(_without_linked_reports(entries, index, real_out))
    reals = {
        id(s): s.path.resolve() for s in sources if s.report.status not in ("skipped", "report")
    }
    for source in sources:
        if source.report.catalogue is not None:
            source.report.catalogue["unlisted"] = _unlisted(source, reals)
    for entry in entries:
        if entry.draft is not None:
            _settle_fields(entry, options.default_category)
            report.fields.update(entry.draft.mapped)
            report.kept_concepts.update(entry.draft.kept_concepts)
    _assign_ids(entries, set(), report)
    originals: Counter[str] = Counter(e.draft.id for e in entries if e.draft and e.draft.id)
    bases = _label_bases(options)
    for entry in entries:
        real = _origin(entry, bases) or entry.source.path.resolve()
        index.xml_ids.setdefault(real, []).append(entry.id)
        index.ids.add(entry.id)
        if entry.draft and entry.draft.id and originals[entry.draft.id] == 1:
            index.original_ids[entry.draft.id] = entry.id
    for real in index.xml_ids:
        index.xml_by_name.setdefault(real.name, []).append(real)
    learnings: list[tuple[_Entry, Learning]] = []
    for entry in entries:
        if entry.source.markdown and entry.learning is not None:
            learnings.append((entry, entry.learning))
            report.records += 1
            report.text_typed += _typed_length(entry.learning)
            report.text_extras += sum(len(x) for x in entry.learning.extras)
            report.extras_kept += len(entry.learning.extras)
            continue
        if entry.learning is not None:
            if entry.source.merge:
                learnings.append((entry, entry.learning))
                report.canonical += 1
            continue
        try:
            built = _build(entry, index, report)
        except Exception as error:
            record = entry.draft.record if entry.draft else None
            if record is not None:
                entry.source.report.findings.append(_record_failed(entry.source, record, error))
            continue
        learnings.append((entry, built))
        report.records += 1
        report.text_typed += _typed_length(learnings[-1][1])
        report.text_extras += entry.draft.extras.text_length() if entry.draft else 0
        report.extras_kept += len(learnings[-1][1].extras)
    outputs = _outputs(out_dir, learnings, sources, report, options.max_file_bytes)
    absorbed = {s.path.resolve() for s in sources if s.report.status == "canonical" and s.merge}
    removals: list[tuple[Path, Stamp]] = []
    if options.in_place:
        written = {o.path.resolve() for o in outputs}
        for source in sources:
            real = source.path.resolve()
            if (
                source.report.status in ("migrated", "repaired")
                and source.stamp
                and not source.markdown  # a Markdown file may be a link target: it stays
            ):
                absorbed.add(real)
                if real not in written and not source.path.is_symlink():
                    removals.append((source.path, source.stamp))
                    source.report.removed = True
    written = {o.path.resolve() for o in outputs}
    for source in sources:  # numbered parts a category no longer needs: its entries moved
        if (
            source.from_out
            and source.merge
            and source.report.status == "canonical"
            and source.stamp
            and source.path.parent.resolve() == real_out
            and _part_number(source.path) > 1
            and source.path.resolve() not in written
            and not source.path.is_symlink()
        ):
            removals.append((source.path, source.stamp))
            source.report.removed = True
    clobbered = [
        str(o.path)
        for o in outputs
        if o.old is not None and o.changed and o.path.resolve() not in absorbed
    ]
    if clobbered:
        raise UsageError(
            "would overwrite files that are not valid category files of this migration: "
            + ", ".join(clobbered)
            + " (move them away first)"
        )
    report.outputs = [
        {"path": o.path.name, "entries": o.entries, "changed": o.changed} for o in outputs
    ]
    return Plan(out_dir, outputs, removals, report, options.in_place)


def _without_linked_reports(entries: list[_Entry], index: LinkIndex, out_dir: Path) -> list[_Entry]:
    """The entries without those of Markdown files a legacy XML record links to, or an
    entry of the output already does: such a file is that record's fix report (its
    ``<fix-report href>``), not a learning of its own."""
    linked: set[Path] = set()
    for entry in entries:
        if entry.draft is not None:
            for ref in entry.draft.references:
                found = markdown_target(ref, entry.source.path, index)
                if found is not None:
                    linked.add(found)
        elif entry.learning is not None and not entry.source.markdown:
            for done in entry.learning.references:
                if done.kind == "fix-report":
                    linked.add((out_dir / done.target).resolve())
    kept = []
    for entry in entries:
        source = entry.source
        if source.markdown and source.path.resolve() in linked:
            source.report.status = "report"
            source.report.records = 0
            source.report.notes.append(
                "the fix report a migrated record links to: left as it is, not an entry"
            )
            continue
        kept.append(entry)
    return kept


def _origin(entry: _Entry, bases: list[tuple[Path, str]]) -> Path | None:
    """The legacy file an entry of an earlier run came from (its provenance ``source``),
    so that links naming that file still resolve when the run is resumed after the file
    was absorbed, or removed; None for anything else."""
    source = entry.source
    prov = entry.learning.provenance if entry.learning is not None else None
    if not (source.from_out and prov and prov.source and prov.source != source.label):
        return None
    for base, prefix in bases:
        if prov.source.startswith(prefix):
            path = base / prov.source[len(prefix) :]
            if path.suffix.lower() == ".xml" and _label(path, base, prefix) == prov.source:
                return path.resolve()
    return None


def _typed_length(learning: Learning) -> int:
    parts = [
        learning.title,
        learning.description,
        *learning.tags,
        *(s.text for s in learning.symptoms),
        *learning.root_causes,
        *(w.question + w.answer for w in learning.five_whys),
        *(s.text + "".join(c.text for c in s.code) for s in learning.solution),
        *learning.files_modified,
        *learning.verification,
        *learning.prevention,
        *learning.test_cases,
        *(r.label for r in learning.references),
    ]
    return sum(len(p) for p in parts)


def _outputs(
    out_dir: Path,
    learnings: list[tuple[_Entry, Learning]],
    sources: list[_Source],
    report: MigrationReport,
    max_bytes: int,
) -> list[Output]:
    from kbtool.entry_xml import dump_file

    by_file: dict[str, list[tuple[_Entry, Learning]]] = {}
    for entry, learning in learnings:
        by_file.setdefault(category_filename(learning.category), []).append((entry, learning))
    metas = {s.canonical_meta.category: s.canonical_meta for s in sources if s.canonical_meta}
    outputs = []
    real_out = out_dir.resolve() if out_dir.exists() else out_dir
    for name in sorted(by_file):
        group = sorted(  # a split category is read back part 1, 2, … (stable otherwise)
            by_file[name],
            key=lambda pair: (
                _part_number(pair[0].source.path) if pair[0].source.from_out else 1 << 30
            ),
        )
        counts = Counter(learning.category for _, learning in group)
        category = max(
            counts,
            key=lambda c: (
                counts[c],
                -next(i for i, (_, lr) in enumerate(group) if lr.category == c),
            ),
        )
        final = []
        for entry, learning in group:
            if learning.category != category:
                prov = learning.provenance or Provenance(
                    source=entry.source.label, xpath=entry.xpath
                )
                prov.originals.append(Original(field="category", value=learning.category))
                learning = learning.model_copy(update={"category": category, "provenance": prov})
                report.warnings.append(
                    f"{entry.source.report.path}: category {entry.category!r} "
                    f"filed as {category!r} (same file name {name})"
                )
            final.append(learning)
        newest = max((learning.date for learning in final if learning.date), default=None)
        meta = metas.get(category)
        if meta is None:
            meta = Metadata(name=f"Learnings - {category}", category=category, last_updated=newest)
        elif newest and (meta.last_updated is None or meta.last_updated < newest):
            meta = meta.model_copy(update={"last_updated": newest})
        whole = dump_file(CategoryFile(metadata=meta, learnings=final))
        parts = [final] if len(whole) <= max_bytes else _split(meta, final, max_bytes)
        if len(parts) > 1:
            report.warnings.append(
                f"category {category!r}: {len(parts)} files of at most {max_bytes} bytes each "
                f"({name} and its numbered parts)"
            )
        for number, part in enumerate(parts, 1):
            data = (
                whole if len(parts) == 1 else dump_file(CategoryFile(metadata=meta, learnings=part))
            )
            path = real_out / category_part_filename(category, number)
            if path.parent != real_out:
                raise UnsafePathError(f"{name}: an output name must stay inside {real_out}")
            old, stamp = _existing(path)
            outputs.append(Output(path, data, old, stamp, len(part)))
    return outputs


def _part_number(path: Path) -> int:
    """1 for ``general.xml``, 2 for ``general-2.xml``, …"""
    head, dash, number = path.stem.rpartition("-")
    return int(number) if dash and head and number.isdigit() else 1


def _split(meta: Metadata, learnings: list[Learning], max_bytes: int) -> list[list[Learning]]:
    """A category's entries in document order, cut into files of at most ``max_bytes``
    (the size cap every reader applies); an entry larger than that alone gets one file."""
    from kbtool.entry_xml import dump_file

    if len(learnings) < 2:
        return [learnings]
    empty = len(dump_file(CategoryFile(metadata=meta, learnings=[])))
    parts: list[list[Learning]] = [[]]
    size = empty
    for learning in learnings:
        one = len(dump_file(CategoryFile(metadata=meta, learnings=[learning]))) - empty
        if parts[-1] and size + one > max_bytes:
            parts.append([])
            size = empty
        parts[-1].append(learning)
        size += one
    return parts


def _existing(path: Path) -> tuple[bytes | None, Stamp | None]:
    if path.is_symlink():
        raise UnsafePathError(f"{path}: is a symbolic link; refusing to write through it")
    if not path.exists():
        return None, None
    if not path.is_file():
        raise UsageError(f"{path}: exists and is not a file")
    data = path.read_bytes()
    return data, Stamp.of(path, data)


def apply(plan_: Plan) -> None:
    """Write the output folder all or nothing; in place, write each file atomically, then
    remove the legacy files the category files replace.

    Into ``--out``: the whole folder is built in a staging folder beside it (a copy of what
    it holds, with the category files written and stale parts removed), then renamed into
    place. Killed at any moment, the folder is the old one or the new one, never half.
    """
    if not plan_.in_place:
        _apply_staged(plan_)
        return
    if plan_.outputs:
        plan_.out_dir.mkdir(parents=True, exist_ok=True)
    for output in plan_.outputs:
        atomic_write(output.path, output.data, expected=output.stamp)
    for path, stamp in plan_.removals:
        if Stamp.of(path) != stamp:
            from kbtool.errors import ConcurrentChangeError

            raise ConcurrentChangeError(f"{path}: file changed during the migration; not removed")
        path.unlink()
    if plan_.removals:
        from kbtool.atomic import fsync_dir

        fsync_dir(plan_.out_dir)


def _apply_staged(plan_: Plan) -> None:
    import shutil
    import tempfile

    from kbtool.atomic import fsync_dir
    from kbtool.errors import ConcurrentChangeError

    if not any(o.changed for o in plan_.outputs) and not plan_.removals:
        return
    out = plan_.out_dir
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".staging", dir=out.parent))
    try:
        if out.is_dir():
            shutil.copytree(out, staging, symlinks=True, dirs_exist_ok=True)
        for output in plan_.outputs:
            if output.stamp is not None and Stamp.of(output.path) != output.stamp:
                raise ConcurrentChangeError(f"{output.path}: file changed during the migration")
            target = staging / output.path.name
            with target.open("wb") as handle:
                handle.write(output.data)
                handle.flush()
                os.fsync(handle.fileno())
        for path, stamp in plan_.removals:
            if Stamp.of(path) != stamp:
                raise ConcurrentChangeError(f"{path}: file changed during the migration")
            (staging / path.name).unlink()
        fsync_dir(staging)
        if not out.exists():
            staging.rename(out)
        else:
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
            old.rmdir()
            out.rename(old)
            try:
                staging.rename(out)
            except OSError:
                old.rename(out)
                raise
            shutil.rmtree(old, ignore_errors=True)
        fsync_dir(out.parent)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def diff_text(plan_: Plan) -> str:
    """A unified diff of every file the plan would write or remove."""
    import difflib

    chunks: list[str] = []
    for output in plan_.outputs:
        if not output.changed:
            continue
        old = (output.old or b"").decode("utf-8", "replace").splitlines(keepends=True)
        new = output.data.decode("utf-8", "replace").splitlines(keepends=True)
        name = str(output.path)
        chunks.extend(
            difflib.unified_diff(old, new, name if output.old is not None else "/dev/null", name)
        )
    for path, _stamp in plan_.removals:
        old = path.read_bytes().decode("utf-8", "replace").splitlines(keepends=True)
        chunks.extend(difflib.unified_diff(old, [], str(path), "/dev/null"))
    return "".join(chunks)


def uncommitted(folder: Path) -> list[str] | None:
    """Files under ``folder`` that git would not restore (changed or untracked).

    None when the folder is not inside a git work tree (or git is missing).
    """
    import shutil
    import subprocess

    git = shutil.which("git")
    if git is None:
        return None
    probe = subprocess.run(
        [git, "-C", str(folder), "rev-parse", "--is-inside-work-tree"],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0 or probe.stdout.strip() != "true":
        return None
    status = subprocess.run(
        [
            git,
            "-C",
            str(folder),
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=all",
            "--",
            ".",
        ],
        capture_output=True,
        check=False,
    )
    if status.returncode != 0:
        return None
    entries = [e for e in status.stdout.split(b"\0") if e]
    return [os.fsdecode(e[3:]) for e in entries if len(e) > 3]
