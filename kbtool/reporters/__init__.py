"""Reporters: print findings as ``text``, ``json``, ``github``, ``sarif`` or ``junit``.

The one output layer for findings: a reporter takes a :class:`Report` (findings plus what
was checked) and writes it to a stream. Each format is a module in this package with
``render(report, out, color)``, imported only when chosen by :func:`render`, the one
dispatch. ``kbtool validate`` builds its ``Report`` from the code pages (:func:`code_rule`);
``kbtool scan`` builds a :class:`kbtool.reporters.scan.ScanReport`, a ``Report`` whose
``rule`` is one rule per learning entry and whose hooks (:meth:`Report.details`,
:meth:`Report.to_dict`, :meth:`Report.sarif`, :meth:`Report.annotations`,
:meth:`Report.summary`) add what a scan says beyond the findings.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TextIO

from kbtool.diagnostics import Diagnostic, Severity, SeverityCounts
from kbtool.wording import plural as plural  # its home is core (kbtool/wording.py)

FORMATS = ("text", "json", "github", "sarif", "junit")


@dataclass(frozen=True)
class Rule:
    """What a finding code means, for SARIF ``rules`` and annotation titles."""

    id: str
    name: str  # short slug or title, e.g. "invalid-value"
    summary: str  # one sentence
    help_markdown: str = ""  # the full explanation
    description: str = ""  # a paragraph (default: the summary)
    help_uri: str | None = None
    level: Severity = Severity.ERROR
    tags: tuple[str, ...] = ()


def code_rule(code: str) -> Rule | None:
    """The :class:`Rule` of a KBnnn code, from its page in ``kbtool/docs/codes``."""
    from kbtool import codes

    doc = codes.get(code)
    if doc is None:
        return None
    return Rule(
        id=doc.code,
        name=doc.name,
        summary=doc.summary,
        help_markdown=doc.markdown,
        description=" ".join(doc.sections.get("What it does", "").split()),
        help_uri=doc.help_uri,
        level=doc.severity,
        tags=("kbtool", f"KB{doc.code[2]}xx"),
    )


@dataclass
class Report(SeverityCounts):
    """Findings of one command run, with what was checked."""

    command: str  # "validate", "scan"
    diagnostics: Sequence[Diagnostic]
    files: Sequence[str] = ()  # display paths of the files checked
    entries: int | None = None  # entries checked, when the command counts them
    strict: bool = False  # warnings fail the run
    rule: Callable[[str], Rule | None] = code_rule
    internal_errors: Sequence[str] = field(default_factory=list)

    def fails(self, diagnostic: Diagnostic) -> bool:
        """True when this finding makes the run fail (errors; warnings with ``strict``)."""
        return diagnostic.severity is Severity.ERROR or self.strict

    @property
    def ok(self) -> bool:
        return not self.internal_errors and not any(self.fails(d) for d in self.diagnostics)

    # What a command may add to the findings (kbtool.reporters.scan overrides these).

    def details(self, diagnostic: Diagnostic) -> list[str]:
        """Lines the text format prints, indented, under ``diagnostic``."""
        return []

    def suffix(self, diagnostic: Diagnostic) -> str:
        """What the text format prints after ``diagnostic`` on its line."""
        return ""

    def to_dict(self) -> dict[str, object]:
        """The ``json`` document (docs/json-output.md)."""
        from kbtool.reporters.json import document

        return document(self)

    def sarif(self) -> dict[str, object]:
        """The ``sarif`` log."""
        from kbtool.reporters.sarif import sarif_log

        return sarif_log(self)

    def annotations(self) -> list[tuple[Diagnostic, str]]:
        """(finding, title) for each ``github`` annotation."""
        found = []
        for d in self.diagnostics:
            rule = self.rule(d.code)
            found.append((d, f"{d.code} {rule.name}" if rule else d.code))
        return found

    def summary(self) -> str:
        """One line for stderr: what was checked and what was found."""
        return summary(self)


def render(report: Report, fmt: str, out: TextIO, *, color: bool = False) -> None:
    """Write ``report`` to ``out`` in format ``fmt`` (one of FORMATS)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")
    module = importlib.import_module(f"kbtool.reporters.{fmt}")
    module.render(report, out, color)


def summary(report: Report) -> str:
    """One line: what was checked and what was found."""
    checked = plural(len(report.files), "file")
    if report.entries is not None:
        checked += f", {plural(report.entries, 'entry')}"
    if not report.diagnostics:
        return f"kbtool {report.command}: {checked}: no problems found"
    found = [plural(report.errors, "error")] if report.errors else []
    if report.warnings:
        found.append(plural(report.warnings, "warning"))
    where = len({d.path for d in report.diagnostics})
    strict = " (--strict: warnings fail)" if report.strict and report.warnings else ""
    return (
        f"kbtool {report.command}: {' and '.join(found)} in {plural(where, 'file')} "
        f"({checked} checked){strict}"
    )
