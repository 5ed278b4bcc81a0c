"""The migration report: what was read, repaired, mapped, kept, minted and written.

``to_dict`` is the ``--format json`` shape (docs/json-output.md, ``kbtool migrate``);
``to_text`` the human summary.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from kbtool.diagnostics import Diagnostic, sanitize
from kbtool.migrate.legacy.repair import RepairNote

# File statuses: migrated, repaired (migrated after repairs), canonical (already a valid
# category file), catalogue, empty (no record), left (in the output folder, not ours to
# rewrite), skipped (neither XML nor Markdown), report (a Markdown fix report an XML record
# links to), failed (unreadable or still not well-formed after repair).
PROBLEM_STATUSES = frozenset({"failed"})


@dataclass
class FileReport:
    path: str
    status: str = "failed"
    layout: str = ""
    encoding: str = ""
    records: int = 0
    already: int = 0  # records found already migrated in the output
    removed: bool = False
    repairs: list[RepairNote] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    findings: list[Diagnostic] = field(default_factory=list)
    catalogue: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "status": self.status,
            "layout": self.layout,
            "encoding": self.encoding,
            "records": self.records,
            "already_migrated": self.already,
            "removed": self.removed,
            "repairs": [{"line": r.line, "col": r.col, "text": r.text} for r in self.repairs],
            "notes": self.notes,
            "findings": [d.to_dict() for d in self.findings],
            "catalogue": self.catalogue,
        }


@dataclass
class MigrationReport:
    files: list[FileReport]
    records: int = 0  # records migrated in this run
    canonical: int = 0  # entries of valid category files, taken as they are
    fields: Counter[str] = field(default_factory=Counter)
    kept_concepts: Counter[str] = field(default_factory=Counter)
    extras_kept: int = 0
    text_typed: int = 0
    text_extras: int = 0
    ids_kept: int = 0
    ids_minted: list[dict[str, Any]] = field(default_factory=list)
    links_resolved: Counter[str] = field(default_factory=Counter)
    links_broken: list[dict[str, Any]] = field(default_factory=list)
    outputs: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    reports: dict[str, Any] | None = None  # --reports: imported and skipped Markdown reports

    @property
    def failed(self) -> list[FileReport]:
        return [
            f
            for f in self.files
            if f.status in PROBLEM_STATUSES or any(d.code == "KB325" for d in f.findings)
        ]

    def to_dict(self) -> dict[str, Any]:
        statuses = Counter(f.status for f in self.files)
        typed_share = self.text_typed / max(1, self.text_typed + self.text_extras)
        return {
            "version": 1,
            "command": "migrate",
            "summary": {
                "files": len(self.files),
                "statuses": dict(sorted(statuses.items())),
                "repairs": sum(len(f.repairs) for f in self.files),
                "records": self.records,
                "already_migrated": sum(f.already for f in self.files),
                "canonical_entries": self.canonical,
                "outputs": len(self.outputs),
                "changed": sum(1 for o in self.outputs if o["changed"]),
                "failed": len(self.failed),
                "removed": sum(1 for f in self.files if f.removed),
            },
            "files": [f.to_dict() for f in self.files],
            "fields": {
                k: self.fields.get(k, 0)
                for k in ("exact", "synonym", "token", "inside", "flattened", "extras")
            },
            "kept_concepts": dict(sorted(self.kept_concepts.items())),
            "text": {
                "typed": self.text_typed,
                "extras": self.text_extras,
                "typed_share": round(typed_share, 4),
            },
            "extras_kept": self.extras_kept,
            "ids": {"kept": self.ids_kept, "minted": self.ids_minted},
            "links": {
                "resolved": dict(sorted(self.links_resolved.items())),
                "broken": self.links_broken,
            },
            "outputs": self.outputs,
            "warnings": self.warnings,
            "reports": self.reports,
        }

    def to_text(self, verbose: bool = False, *, applied: bool = False) -> str:
        """The human summary; ``applied`` when the files were written (not --dry-run/--diff)."""
        lines: list[str] = []
        for f in self.files:
            for d in f.findings:
                lines.append(d.format())
            if f.repairs:
                lines.append(f"{f.path}: {len(f.repairs)} repair(s)")
                for r in f.repairs:
                    lines.append(f"  {f.path}:{r.line}:{r.col}: {sanitize(r.text)}")
            for note in f.notes:
                lines.append(f"{f.path}: {sanitize(note)}")
            if f.catalogue is not None:
                broken = f.catalogue["broken"]
                lines.append(
                    f"{f.path}: catalogue of {f.catalogue['paths']} path(s), "
                    f"{len(broken)} broken, {f.catalogue.get('unlisted', 0)} file(s) of its "
                    "folder not listed; not turned into entries"
                )
                for b in broken:
                    lines.append(f"  {f.path}:{b['line']}: broken path {sanitize(b['path'])}")
        for link in self.links_broken:
            lines.append(
                f"{link['source']}:{link['line']}: broken link: {sanitize(link['reason'])}"
            )
        if verbose:
            lines.extend(
                f"{f.path}: removed (its records are in the category files)"
                for f in self.files
                if f.removed
            )
            for m in self.ids_minted:
                was = f" (was {m['original']!r})" if m["original"] else ""
                lines.append(f"{m['source']}: {m['xpath']}: id {m['id']}{was}")
        lines.extend(f"warning: {sanitize(w)}" for w in self.warnings)
        data = self.to_dict()
        s, fl = data["summary"], data["fields"]
        statuses = ", ".join(f"{n} {k}" for k, n in s["statuses"].items())
        lines.append(f"files: {s['files']} ({statuses}); repairs: {s['repairs']}")
        lines.append(
            f"records: {s['records']} migrated, {s['already_migrated']} already migrated; "
            f"entries: {s['records'] + self.canonical} ({self.canonical} taken as they are from "
            f"category files); ids: {self.ids_kept} kept, {len(self.ids_minted)} minted"
        )
        lines.append(
            f"fields: {fl['exact']} exact, {fl['synonym']} synonym, {fl['token']} token rule, "
            f"{fl['inside']} inside problem/solution, {fl['flattened']} metadata flattened, "
            f"{fl['extras']} kept as extras; {data['text']['typed_share']:.0%} of the text in "
            "typed fields"
        )
        resolved = sum(self.links_resolved.values())
        lines.append(f"links: {resolved} resolved, {len(self.links_broken)} broken")
        if self.reports is not None:
            lines.append(
                f"reports: {len(self.reports['imported'])} imported, "
                f"{len(self.reports['skipped'])} skipped"
            )
        write, remove = ("written", "removed") if applied else ("to write", "to remove")
        removed = f", {s['removed']} legacy file(s) {remove}" if s["removed"] else ""
        lines.append(f"outputs: {s['outputs']} category file(s), {s['changed']} {write}{removed}")
        return "\n".join(lines) + "\n"
