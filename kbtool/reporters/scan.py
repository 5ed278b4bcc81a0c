"""``kbtool scan``'s findings as a :class:`~kbtool.reporters.Report`, so they print through
the same reporters as validate's diagnostics (text, json, github, sarif, junit).

- text: ``path:line:col: <entry-id> message``, then the entry's title and the first
  solution step as a hint, indented; problems (KB5xx) after the findings, with their
  severity; a summary line on stderr.
- json: ``ScanResult.to_dict()`` (documented in spec/detectors.md, "JSON output").
- sarif: SARIF 2.1.0, one rule per learning entry; each result carries a
  ``partialFingerprints`` value (the baseline fingerprint, stable under line shifts) so
  code scanning tracks an alert across commits; findings suppressed inline or accepted by
  the baseline are results with a ``suppressions`` entry (``inSource`` with the comment's
  reason, or ``external``). A rule's ``helpUri`` is the entry's link (``[tool.kbtool]
  help-uri`` with ``{id}``, ``{path}``, ``{line}``, else the entry's first http(s)
  reference, else the KB file as a ``file:`` URI).
- github: ``::error file=…,line=…,col=…,title=…::message`` annotations.

Entries of severity medium or low are warnings, the others errors (:func:`entry_level`,
the one home of that rule); every finding fails the scan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from kbtool import fields
from kbtool.diagnostics import Diagnostic, Severity, sanitize
from kbtool.reporters import Report, Rule, code_rule
from kbtool.scan.scanner import EntryInfo, Finding, ScanResult
from kbtool.wording import plural

FINGERPRINT_KEY = "kbtoolFindingHash/v1"
BASELINED = "accepted in the baseline file (--baseline)"


def entry_level(severity: str | None) -> Severity:
    """A learning entry's severity as a finding level: medium and low (the vocabulary's
    last two) warn."""
    return Severity.WARNING if severity in fields.SEVERITIES[2:] else Severity.ERROR


def finding_diagnostic(f: Finding, *, with_hint: bool = False) -> Diagnostic:
    """A finding as a ``Diagnostic`` (code: the entry id) at its entry's level."""
    message = f.message
    if with_hint and f.entry.hint:
        message += " Hint: " + f.entry.hint
    return Diagnostic(f.path, f.line, f.col, f.entry.id, message, entry_level(f.entry.severity))


def entry_rule(entry: EntryInfo) -> Rule:
    """The rule of a learning entry (SARIF ``rules``)."""
    lines = [f"**{entry.title}**", "", entry.description]
    if entry.hint:
        lines += ["", f"**Fix:** {entry.hint}"]
    lines += ["", f"Learning `{entry.id}` ({entry.path.name}, line {entry.line})."]
    tags = ("kbtool", "learning") + ((f"severity:{entry.severity}",) if entry.severity else ())
    return Rule(
        id=entry.id,
        name=entry.id,
        summary=entry.title,
        help_markdown="\n".join(lines).strip(),
        help_uri=entry.help_uri or entry.path.resolve().as_uri(),
        level=entry_level(entry.severity),
        tags=tags,
    )


@dataclass
class ScanReport(Report):
    """A scan's findings (then its KB5xx problems) with what the formats add to them."""

    result: ScanResult = field(default_factory=ScanResult)
    base: Path | None = None  # fingerprints are relative to it (default: the working folder)

    @classmethod
    def of(cls, result: ScanResult, *, include_accepted: bool = False) -> ScanReport:
        """The report of ``result``; ``include_accepted``: suppressed and baselined findings
        too (SARIF marks them dismissed)."""
        findings = _findings(result) if include_accepted else [(f, None) for f in result.findings]
        rules = {entry_id: entry_rule(info) for entry_id, info in result.entries.items()}
        return cls(
            command="scan",
            diagnostics=[finding_diagnostic(f) for f, _ in findings] + list(result.problems),
            entries=len(result.entries),
            rule=lambda code: rules[code] if code in rules else code_rule(code),
            result=result,
        )

    def _finding(self, d: Diagnostic) -> Finding | None:
        if d.code not in self.result.entries:
            return None
        return next(
            (f for f in self.result.findings if (f.path, f.line, f.col) == (d.path, d.line, d.col)),
            None,
        )

    def details(self, diagnostic: Diagnostic) -> list[str]:
        f = self._finding(diagnostic)
        if f is None:
            return []
        lines = []
        if f.entry.title and f.entry.title != f.message:
            lines.append(f"learning: {sanitize(f.entry.title)}")
        if f.entry.hint:
            lines.append(f"hint: {sanitize(f.entry.hint)}")
        return lines

    def suffix(self, diagnostic: Diagnostic) -> str:
        is_problem = diagnostic.code not in self.result.entries
        return f" [{diagnostic.severity.value}]" if is_problem else ""

    def to_dict(self) -> dict[str, Any]:
        return self.result.to_dict()

    def sarif(self) -> dict[str, Any]:
        return sarif_document(self.result, self.base)

    def annotations(self) -> list[tuple[Diagnostic, str]]:
        found = [
            (finding_diagnostic(f, with_hint=True), sanitize(f"{f.entry.id}: {f.entry.title}"))
            for f in self.result.findings
        ]
        return found + [(p, p.code) for p in self.result.problems]

    def summary(self) -> str:
        return summary(self.result)


def _findings(result: ScanResult) -> list[tuple[Finding, dict[str, str] | None]]:
    """Findings to act on, then those suppressed inline or by the baseline (with how)."""
    found: list[tuple[Finding, dict[str, str] | None]] = [(f, None) for f in result.findings]
    found += [(f, {"kind": "inSource", "justification": why}) for f, why in result.suppressed]
    found += [(f, {"kind": "external", "justification": BASELINED}) for f in result.baselined]
    return found


def sarif_document(result: ScanResult, base: Path | None = None) -> dict[str, Any]:
    """The SARIF log of a scan as a JSON-ready dict (fingerprints relative to ``base``)."""
    from kbtool.reporters.sarif import sarif_log

    # Suppressed and baselined findings are results too, marked as such, so code scanning
    # shows them as dismissed with the reason instead of not knowing about them.
    findings = _findings(result)
    log = sarif_log(ScanReport.of(result, include_accepted=True))
    base = base or Path.cwd()
    for sarif_result, (finding, suppression) in zip(
        log["runs"][0]["results"], findings, strict=False
    ):
        sarif_result["partialFingerprints"] = {FINGERPRINT_KEY: finding.fingerprint(base)}
        if suppression is not None:
            sarif_result["suppressions"] = [{**suppression, "status": "accepted"}]
    return log


def summary(result: ScanResult) -> str:
    """One line: what was found, what was hidden, what was read."""
    parts = [plural(len(result.findings), "finding")]
    if result.suppressed:
        parts.append(f"{len(result.suppressed)} suppressed")
    if result.baselined:
        parts.append(f"{len(result.baselined)} in the baseline")
    if result.problems:
        parts.append(plural(len(result.problems), "problem"))
    files = f"{plural(result.files_scanned, 'file')} scanned"
    if result.skipped:
        files += (
            " (skipped: " + ", ".join(f"{n} {k}" for k, n in sorted(result.skipped.items())) + ")"
        )
    return (
        f"kbtool scan: {', '.join(parts)}; {files} with {plural(result.detectors, 'detector')} "
        f"of {plural(len(result.entries), 'entry')}"
    )


def statistics(result: ScanResult) -> list[dict[str, object]]:
    """Findings counted per detector (entry id), most first, as ``ruff --statistics`` does."""
    counts: dict[str, int] = {}
    for f in result.findings:
        counts[f.entry.id] = counts.get(f.entry.id, 0) + 1
    return [
        {"entry": entry_id, "count": n, "title": result.entries[entry_id].title}
        for entry_id, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def render_statistics(result: ScanResult, fmt: str, out: TextIO) -> None:
    """``kbtool scan --statistics``: one line per detector with findings (text), or
    ``{"statistics": [{"entry", "count", "title"}…], "summary": {…}}`` (json)."""
    from kbtool.cicommands import json_dumps

    rows = statistics(result)
    if fmt == "json":
        data = {"statistics": rows, "summary": result.to_dict()["summary"]}
        out.write(json_dumps(data, indent=2) + "\n")
        return
    width = max((len(str(r["count"])) for r in rows), default=1)
    id_width = max((len(str(r["entry"])) for r in rows), default=0)
    for r in rows:
        out.write(
            f"{str(r['count']).rjust(width)}  {str(r['entry']).ljust(id_width)}  "
            f"{sanitize(str(r['title']))}\n"
        )
