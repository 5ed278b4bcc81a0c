"""SARIF 2.1.0 for ``kbtool scan``, written by ``kbtool.reporters.sarif``.

Each learning entry with findings is a rule: its id is the entry id, its short description
the entry's title, its help the description and the first solution step, and its
``helpUri`` the entry's link (``[tool.kbtool] help-uri`` with ``{id}``, ``{path}``,
``{line}``, else the entry's first http(s) reference, else the KB file as a ``file:`` URI),
so an alert in code scanning links back to the knowledge. Each result carries a
``partialFingerprints`` value (the baseline fingerprint, stable under line shifts) so code
scanning tracks an alert across commits. Findings suppressed inline or accepted by the
baseline are results with a ``suppressions`` entry (``inSource`` with the comment's reason,
or ``external``), so code scanning shows them as dismissed. Scan problems (KB5xx) are rules
from their code pages.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from kbtool import fields
from kbtool.scan.scanner import EntryInfo, ScanResult

FINGERPRINT_KEY = "kbtoolFindingHash/v1"
BASELINED = "accepted in the baseline file (--baseline)"


def entry_rule(entry: EntryInfo) -> Any:
    """The SARIF rule (``kbtool.reporters.Rule``) of a learning entry."""
    from kbtool.diagnostics import Severity
    from kbtool.reporters import Rule

    lines = [f"**{entry.title}**", "", entry.description]
    if entry.hint:
        lines += ["", f"**Fix:** {entry.hint}"]
    lines += ["", f"Learning `{entry.id}` ({entry.path.name}, line {entry.line})."]
    level = Severity.WARNING if entry.severity in fields.SEVERITIES[2:] else Severity.ERROR
    tags = ("kbtool", "learning") + ((f"severity:{entry.severity}",) if entry.severity else ())
    return Rule(
        id=entry.id,
        name=entry.id,
        summary=entry.title,
        help_markdown="\n".join(lines).strip(),
        help_uri=entry.help_uri or entry.path.resolve().as_uri(),
        level=level,
        tags=tags,
    )


def sarif_document(result: ScanResult, base: Path | None = None) -> dict[str, Any]:
    """The SARIF log of a scan as a JSON-ready dict (fingerprints relative to ``base``)."""
    from kbtool.reporters import Report, code_rule
    from kbtool.reporters.sarif import sarif_log
    from kbtool.scan.report import finding_diagnostic

    rules = {entry_id: entry_rule(info) for entry_id, info in result.entries.items()}
    # Suppressed and baselined findings are results too, marked as such, so code scanning
    # shows them as dismissed with the reason instead of not knowing about them.
    accepted = [(f, {"kind": "inSource", "justification": why}) for f, why in result.suppressed]
    accepted += [(f, {"kind": "external", "justification": BASELINED}) for f in result.baselined]
    findings = [(f, None) for f in result.findings] + accepted
    report = Report(
        command="scan",
        diagnostics=[finding_diagnostic(f) for f, _ in findings] + list(result.problems),
        entries=len(result.entries),
        rule=lambda code: rules[code] if code in rules else code_rule(code),
    )
    log = sarif_log(report)
    base = base or Path.cwd()
    for sarif_result, (finding, suppression) in zip(
        log["runs"][0]["results"], findings, strict=False
    ):
        sarif_result["partialFingerprints"] = {FINGERPRINT_KEY: finding.fingerprint(base)}
        if suppression is not None:
            sarif_result["suppressions"] = [{**suppression, "status": "accepted"}]
    return log


def render_sarif(result: ScanResult, out: TextIO) -> None:
    json.dump(sarif_document(result), out, indent=2, ensure_ascii=False)
    out.write("\n")
