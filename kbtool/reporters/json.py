"""A stable JSON document (see docs/json-output.md, "kbtool validate")."""

from __future__ import annotations

from typing import TextIO

from kbtool import __version__
from kbtool.diagnostics import sanitize
from kbtool.reporters import Report

SHAPE_VERSION = 1


def document(report: Report) -> dict[str, object]:
    findings = []
    for d in report.diagnostics:
        item = d.to_dict()
        item["path"] = sanitize(d.path, limit=4096)  # a file name may hold any byte
        rule = report.rule(d.code)
        item["name"] = rule.name if rule else None
        findings.append(item)
    return {
        "version": SHAPE_VERSION,
        "tool": {"name": "kbtool", "version": __version__},
        "command": report.command,
        "ok": report.ok,
        "summary": {
            "files": len(report.files),
            "entries": report.entries,
            "errors": report.errors,
            "warnings": report.warnings,
        },
        "diagnostics": findings,
        "internal_errors": list(report.internal_errors),
    }


def render(report: Report, out: TextIO, color: bool = False) -> None:
    from kbtool.cicommands import json_dumps

    out.write(json_dumps(report.to_dict(), indent=2) + "\n")
