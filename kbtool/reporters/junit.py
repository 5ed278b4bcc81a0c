"""JUnit XML: one ``<testsuite>``, a ``<testcase>`` per file checked, a ``<failure>`` per
finding that fails the run. Warnings that do not fail it are listed in ``<system-out>``.

The document validates against the Jenkins xUnit plug-in's ``junit-10.xsd``.
"""

from __future__ import annotations

from typing import TextIO
from xml.sax.saxutils import escape, quoteattr

from kbtool.diagnostics import Diagnostic, sanitize
from kbtool.reporters import Report


def _text(*lines: str) -> str:
    return escape("\n".join(sanitize(line, limit=10_000) for line in lines))


def _attr(s: str) -> str:
    return quoteattr(sanitize(s, limit=10_000))


def render(report: Report, out: TextIO, color: bool = False) -> None:
    by_file: dict[str, list[Diagnostic]] = {}
    for d in report.diagnostics:
        by_file.setdefault(d.path, []).append(d)
    names = sorted(set(report.files) | set(by_file))
    failing = sum(1 for name in names if any(report.fails(d) for d in by_file.get(name, ())))
    suite = f"kbtool {report.command}"
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(
        f'<testsuites name={_attr(suite)} tests="{len(names)}" '
        f'failures="{failing}" errors="{len(report.internal_errors)}">\n'
    )
    out.write(
        f'  <testsuite name={_attr(suite)} tests="{len(names)}" '
        f'failures="{failing}" errors="{len(report.internal_errors)}" skipped="0">\n'
    )
    for name in names:
        found = by_file.get(name, [])
        out.write(f"    <testcase classname={_attr(suite)} name={_attr(name)}")
        if not found:
            out.write("/>\n")
            continue
        out.write(">\n")
        notes = []
        for d in found:
            if report.fails(d):
                rule = report.rule(d.code)
                kind = f"{d.code} {rule.name}" if rule else d.code
                out.write(
                    f"      <failure type={_attr(kind)} message={_attr(d.message)}>"
                    f"{_text(d.format())}</failure>\n"
                )
            else:
                notes.append(d.format())
        if notes:
            out.write(f"      <system-out>{_text(*notes)}</system-out>\n")
        out.write("    </testcase>\n")
    if report.internal_errors:
        out.write(f"    <system-err>{_text(*report.internal_errors)}</system-err>\n")
    out.write("  </testsuite>\n</testsuites>\n")
