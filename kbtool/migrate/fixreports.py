"""``kbtool migrate --reports DIR``: import legacy Markdown fix reports in bulk.

Every ``*.md`` under DIR (sorted; links leaving DIR refused) is read and its headings
classified the way ``kbtool import-report`` reads them. Only reports with a problem (or
symptoms) section, a cause (root cause or whys) section and a solution section, each with
written text (not a template's placeholders), are imported, each
through :func:`kbtool.authoring.import_report_file` (same mapping, ids, category choice,
link back and validation as a single import); the others are listed as skipped with the
reason. A report that an entry already links to is skipped as already imported, so running
it again imports nothing twice.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kbtool.diagnostics import Diagnostic, display_path, sanitize
from kbtool.errors import KbError, UsageError

if TYPE_CHECKING:
    from kbtool.config import Config
    from kbtool.reports.parser import FixReport, Section

NEEDED = (("description", "problem"), ("cause", "root cause or whys"), ("solution", "solution"))

_PLACEHOLDERS = re.compile(
    r"<!--.*?-->"  # a template's instructions
    r"|\[[^\]\n]*\]"  # "[Describe the problem.]", "[ ]"
    r"|^\s{0,3}#+[^\n]*"  # the headings of subsections ("### Why #1: …")
    r"|(?:\*\*|__)?\b(?:answer|question|a|q)\s*:\s*(?:\*\*|__)?"  # a label alone
    r"|\b(?:tbd|todo|n/a|yyyy-mm-dd)\b",
    re.IGNORECASE | re.DOTALL | re.MULTILINE,
)


def _written(section: Section, report: FixReport) -> bool:
    """Whether a section holds text someone wrote, not only a template's placeholders."""
    text = _PLACEHOLDERS.sub(" ", report.source(section.start + 1, section.end))
    return re.search(r"[^\W\d_]{2,}", text) is not None


def report_kinds(report: FixReport) -> set[str]:
    """The fields a parsed report has written sections for, ``cause`` for root causes or a
    why chain, ``description`` also for symptoms (they state the problem). A "why" heading
    counts as a cause when it asks for the cause of a failure or holds a chain (not a
    design document's ``Why now?``)."""
    from kbtool.reports.headings import field_of_heading, why_names_a_cause
    from kbtool.reports.whys import parse_whys

    kinds: set[str] = set()
    for top in report.sections:
        for sec in top.walk():
            kind = field_of_heading(sec.plain)
            if kind is None or not _written(sec, report):
                continue
            if (
                kind == "whys"
                and not why_names_a_cause(sec.plain)
                and len(parse_whys(sec, report).whys) < 2
            ):
                continue
            kinds.add(kind)
    if kinds & {"whys", "root_causes"}:
        kinds.add("cause")
    if "symptoms" in kinds:
        kinds.add("description")
    return kinds


_TEMPLATE_TITLE = re.compile(
    r"^(?:[\w\[\]-]+\s+){0,4}templates?$|^templates?\s*[:\-–—]", re.IGNORECASE
)
NOT_A_REPORT = "not a report: a template"
_GENRE_NAME_WORDS = frozenset(
    [
        "template",
        "templates",
        "fix",
        "fixes",
        "report",
        "reports",
        "postmortem",
        "post",
        "mortem",
        "incident",
        "review",
        "rca",
        "bug",
        "bugfix",
        "hotfix",
        "root",
        "cause",
        "analysis",
        "issue",
        "v",
    ]
)
"""A file named only with these (``FIX_REPORT_TEMPLATE.md``, ``postmortem-template.md``) is a
template; ``retry-storm-template.md`` names a report about a template."""


def is_template(report: FixReport) -> bool:
    """A report template or writing guide (``Postmortem template``, ``FIX_REPORT_TEMPLATE.md``):
    its sections say what to write, in words, so they read as written; its title or file
    name says what it is (``Email template broken`` is a report)."""
    title = str(report.front_matter.get("title") or report.title or "")
    stem = [w for w in re.split(r"[\W_]+", report.display.rsplit("/", 1)[-1].lower()) if w]
    words = {w.rstrip("0123456789") for w in stem} - {"", "md", "markdown"}  # "v2" → "v"
    by_name = bool(words & {"template", "templates"}) and words <= _GENRE_NAME_WORDS
    return by_name or _TEMPLATE_TITLE.search(title.strip(" *_#")) is not None


def missing_sections(text: str, display: str) -> tuple[list[str], list[Diagnostic]]:
    """What a report lacks among problem, cause (or whys) and solution (or ``NOT_A_REPORT``
    for a template); its parse errors."""
    from kbtool.reports.parser import parse_report

    report = parse_report(text, display)
    if report.errors:
        return [], list(report.errors)
    if is_template(report):
        return [NOT_A_REPORT], []
    kinds = report_kinds(report)
    return [label for key, label in NEEDED if key not in kinds], []


def import_reports(
    folder: Path, config: Config | None, *, out: Path | None = None, dry_run: bool = False
) -> dict[str, Any]:
    """Import the eligible reports under ``folder``; the ``--format json`` shape plus text."""
    from kbtool.authoring import import_report_file
    from kbtool.confine import leaves, read_root
    from kbtool.migrate.learnings import walk_files
    from kbtool.reports.parser import decode
    from kbtool.safexml import read_capped

    if config is None:
        raise UsageError(
            "{reports} imports into a knowledge base: run it inside one (or {root})",
            params=("reports", "root"),
        )
    if not folder.is_dir():
        raise UsageError(f"{{reports}} {folder}: not a folder", params=("reports",))
    if out is not None:
        target = Path(os.path.abspath(out))  # noqa: PTH100 - links are judged, not followed
        if not config.inside(target if target.exists() else target.parent):
            raise UsageError(
                f"{{out}} {out} is outside the knowledge base {config.root}", params=("out",)
            )
        config = config.replace(learnings_dir=target)
    if leaves(folder, config.root):
        raise UsageError(
            f"{{reports}} {folder}: refused: a link that leaves the knowledge base root",
            params=("reports",),
        )
    root = read_root(folder, config.root)  # never through a link that leaves the KB root
    imported: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    for path in walk_files(folder, ".md"):
        shown = display_path(path)
        data = read_capped(path, root, config.max_file_bytes)
        if isinstance(data, Diagnostic):
            failed.append({"path": shown, "reason": data.message, "finding": data.to_dict()})
            continue
        text, errors = decode(data, shown)
        missing, parse_errors = missing_sections(text, shown) if not errors else ([], errors)
        if parse_errors:
            failed.append(
                {
                    "path": shown,
                    "reason": parse_errors[0].message,
                    "finding": parse_errors[0].to_dict(),
                }
            )
            continue
        if missing:
            reason = (
                missing[0]
                if missing == [NOT_A_REPORT]
                else "missing sections: " + ", ".join(missing)
            )
            skipped.append({"path": shown, "reason": reason})
            continue
        try:
            outcome = import_report_file(config, path, dry_run=dry_run)
        except KbError as exc:
            reason = str(exc)
            (skipped if "already the fix report" in reason else failed).append(
                {"path": shown, "reason": "already imported" if "already" in reason else reason}
            )
            continue
        learning = outcome.result.learning
        imported.append(
            {
                "path": shown,
                "id": learning.id,
                "category": outcome.category,
                "file": display_path(outcome.write.path) if outcome.write else None,
                "linked_back": outcome.linked_back,
                "kept_sections": len(outcome.result.kept),
                "findings": [d.to_dict() for d in outcome.findings],
            }
        )
    lines = [f"imported {i['path']} as {i['id']} ({i['category']})" for i in imported]
    lines += [f"skipped {s['path']}: {sanitize(s['reason'])}" for s in skipped]
    lines += [
        Diagnostic(
            **{
                k: v
                for k, v in f["finding"].items()
                if k in ("path", "line", "col", "code", "message")
            }
        ).format()
        if f.get("finding")
        else f"{f['path']}: error: {sanitize(f['reason'])}"
        for f in failed
    ]
    verb = "would import" if dry_run else "imported"
    lines.append(f"reports: {len(imported)} {verb}, {len(skipped)} skipped, {len(failed)} failed")
    return {
        "version": 1,
        "command": "migrate",
        "imported": imported,
        "skipped": skipped,
        "failed": failed,
        "dry_run": dry_run,
        "text": "\n".join(lines) + "\n",
    }
