"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

:func:`sarif_log` builds the document from a :class:`~kbtool.reporters.Report`: one
``reportingDescriptor`` (rule) for each code that has findings, taken from
``report.rule(code)`` (for ``validate`` the code's doc page; ``kbtool scan`` passes one rule
per learning entry). Locations are the findings' paths as URIs relative to the working
directory (the repository root in CI); columns count Unicode code points.
"""

from __future__ import annotations

import os
from pathlib import PurePath
from typing import Any, TextIO
from urllib.parse import quote

from kbtool import __version__
from kbtool.diagnostics import Diagnostic, Severity
from kbtool.reporters import Report, Rule

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://kbtool.dev"


def artifact_uri(path: str) -> str:
    """A finding's path as a SARIF ``uri``: relative paths stay relative, '/'-separated."""
    posix = path.replace(os.sep, "/")
    if PurePath(path).is_absolute():
        posix = posix if posix.startswith("/") else "/" + posix
        return "file://" + quote(posix, errors="surrogateescape")
    return quote(posix, errors="surrogateescape")


def _level(severity: Severity) -> str:
    return "error" if severity is Severity.ERROR else "warning"


def _descriptor(code: str, rule: Rule | None) -> dict[str, Any]:
    if rule is None:
        return {"id": code, "shortDescription": {"text": code}}
    descriptor: dict[str, Any] = {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary or rule.name},
        "fullDescription": {"text": rule.description or rule.summary or rule.name},
        "defaultConfiguration": {"level": _level(rule.level)},
    }
    if rule.help_markdown:
        descriptor["help"] = {"text": rule.help_markdown, "markdown": rule.help_markdown}
    if rule.help_uri:
        descriptor["helpUri"] = rule.help_uri
    if rule.tags:
        descriptor["properties"] = {"tags": list(rule.tags)}
    return descriptor


def _result(d: Diagnostic, index: int) -> dict[str, Any]:
    location: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(d.path)}}
    if d.line > 0:
        region: dict[str, int] = {"startLine": d.line}
        if d.col > 0:
            region["startColumn"] = d.col
        location["region"] = region
    return {
        "ruleId": d.code,
        "ruleIndex": index,
        "level": _level(d.severity),
        "message": {"text": d.message},
        "locations": [{"physicalLocation": location}],
    }


def sarif_log(report: Report, *, tool_name: str = "kbtool") -> dict[str, Any]:
    """The SARIF 2.1.0 log of ``report`` as a JSON-ready dict."""
    codes = sorted({d.code for d in report.diagnostics})
    index = {code: i for i, code in enumerate(codes)}
    rules = [_descriptor(code, report.rule(code)) for code in codes]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": tool_name,
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": [_result(d, index[d.code]) for d in report.diagnostics],
        "invocations": [
            {
                "executionSuccessful": not report.internal_errors,
                "toolExecutionNotifications": [
                    {"level": "error", "message": {"text": text}} for text in report.internal_errors
                ],
            }
        ],
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report: Report, out: TextIO, color: bool = False) -> None:
    from kbtool.cicommands import json_dumps

    out.write(json_dumps(report.sarif(), indent=2) + "\n")
