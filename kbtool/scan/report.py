"""Print a ``ScanResult``: ``text``, ``json``, ``sarif`` or ``github`` (workflow commands).

- text: ``path:line:col: <entry-id> message``, then the entry's title and the first
  solution step as a hint, indented; problems (KB5xx) after the findings; a summary line
  on stderr.
- json: ``ScanResult.to_dict()`` (documented in spec/detectors.md, "JSON output").
- sarif: SARIF 2.1.0, one rule per learning entry (see ``kbtool.reporters``).
- github: ``::error file=…,line=…,col=…,title=…::message`` lines that GitHub Actions turns
  into annotations on the pull request (``kbtool.reporters.github``); entries of severity
  medium or low are warnings, the others errors (all of them fail the scan).
"""

from __future__ import annotations

import json
from typing import TextIO

from kbtool.diagnostics import Diagnostic, Severity, sanitize
from kbtool.scan.scanner import Finding, ScanResult

FORMATS = ("text", "json", "sarif", "github")


def summary(result: ScanResult) -> str:
    """One line: what was found, what was hidden, what was read."""
    parts = [f"{len(result.findings)} finding{'s' * (len(result.findings) != 1)}"]
    if result.suppressed:
        parts.append(f"{len(result.suppressed)} suppressed")
    if result.baselined:
        parts.append(f"{len(result.baselined)} in the baseline")
    if result.problems:
        parts.append(f"{len(result.problems)} problem{'s' * (len(result.problems) != 1)}")
    files = f"{result.files_scanned} file{'s' * (result.files_scanned != 1)} scanned"
    if result.skipped:
        files += (
            " (skipped: " + ", ".join(f"{n} {k}" for k, n in sorted(result.skipped.items())) + ")"
        )
    return (
        f"kbtool scan: {', '.join(parts)}; {files} with {result.detectors} "
        f"detector{'s' * (result.detectors != 1)} of {len(result.entries)} "
        f"entr{'ies' if len(result.entries) != 1 else 'y'}"
    )


def render_text(result: ScanResult, out: TextIO) -> None:
    for f in result.findings:
        out.write(f.diagnostic.format() + "\n")
        if f.entry.title and f.entry.title != f.message:
            out.write(f"  learning: {sanitize(f.entry.title)}\n")
        if f.entry.hint:
            out.write(f"  hint: {sanitize(f.entry.hint)}\n")
    for p in result.problems:
        out.write(f"{p.format()} [{p.severity.value}]\n")


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
    rows = statistics(result)
    if fmt == "json":
        data = {"statistics": rows, "summary": result.to_dict()["summary"]}
        json.dump(data, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return
    width = max((len(str(r["count"])) for r in rows), default=1)
    id_width = max((len(str(r["entry"])) for r in rows), default=0)
    for r in rows:
        out.write(
            f"{str(r['count']).rjust(width)}  {str(r['entry']).ljust(id_width)}  "
            f"{sanitize(str(r['title']))}\n"
        )


def render_json(result: ScanResult, out: TextIO) -> None:
    json.dump(result.to_dict(), out, indent=2, ensure_ascii=False)
    out.write("\n")


def finding_diagnostic(f: Finding, *, with_hint: bool = False) -> Diagnostic:
    """A finding as a ``Diagnostic`` (code: the entry id); entry severity → error or warning."""
    level = Severity.WARNING if f.entry.severity in ("medium", "low") else Severity.ERROR
    message = f.message
    if with_hint and f.entry.hint:
        message += " Hint: " + f.entry.hint
    return Diagnostic(f.path, f.line, f.col, f.entry.id, message, level)


def render_github(result: ScanResult, out: TextIO) -> None:
    from kbtool.reporters.github import annotation

    for f in result.findings:
        title = sanitize(f"{f.entry.id}: {f.entry.title}")
        out.write(annotation(finding_diagnostic(f, with_hint=True), title) + "\n")
    for p in result.problems:
        out.write(annotation(p, p.code) + "\n")


def render(result: ScanResult, fmt: str, out: TextIO) -> None:
    if fmt == "text":
        render_text(result, out)
    elif fmt == "json":
        render_json(result, out)
    elif fmt == "github":
        render_github(result, out)
    elif fmt == "sarif":
        from kbtool.scan.sarif import render_sarif

        render_sarif(result, out)
    else:  # pragma: no cover - the CLI checks the choice
        raise ValueError(fmt)
