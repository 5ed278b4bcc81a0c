"""Reporters: escaping and shapes that the golden transcripts do not reach."""

from __future__ import annotations

import io
import json
from xml.etree import ElementTree

from kbtool.diagnostics import Diagnostic, Severity
from kbtool.reporters import FORMATS, Report, Rule, render, summary
from kbtool.reporters.github import annotation
from kbtool.reporters.sarif import artifact_uri, sarif_log

NASTY = Diagnostic(
    "learnings/a,b:c%.xml", 3, 4, "KB203", "bad\x1b[31m value\nnext %0A", Severity.ERROR
)


def output(report: Report, fmt: str) -> str:
    buffer = io.StringIO()
    render(report, fmt, buffer)
    return buffer.getvalue()


def test_github_annotation_escapes_properties_and_data() -> None:
    line = annotation(NASTY, "KB203 invalid-value")
    assert line == (
        "::error file=learnings/a%2Cb%3Ac%25.xml,line=3,col=4,title=KB203 invalid-value"
        "::bad\\x1b[31m value next %250A"
    )
    no_place = Diagnostic("x.xml", 0, 0, "KB104", "refused", Severity.WARNING)
    assert annotation(no_place, "KB104") == "::warning file=x.xml,title=KB104::refused"


def test_text_colour_only_when_asked() -> None:
    report = Report("validate", [NASTY], ["learnings/a,b:c%.xml"], 1)
    plain = output(report, "text")
    assert "\x1b" not in plain and plain.startswith("learnings/a,b:c%.xml:3:4: KB203 bad\\x1b[31m")
    coloured = io.StringIO()
    render(report, "text", coloured, color=True)
    assert coloured.getvalue().startswith("\x1b[1mlearnings/")


def test_every_format_renders_an_empty_report() -> None:
    report = Report("validate", [], ["learnings/a.xml"], 3)
    for fmt in FORMATS:
        text = output(report, fmt)
        if fmt == "json":
            assert json.loads(text)["ok"] is True
        elif fmt == "junit":
            assert (
                ElementTree.fromstring(text).find("testsuite/testcase").get("name")
                == "learnings/a.xml"
            )
        elif fmt == "sarif":
            assert json.loads(text)["runs"][0]["results"] == []
        else:
            assert text == ""
    assert summary(report) == "kbtool validate: 1 file, 3 entries: no problems found"


def test_sarif_takes_rules_from_the_caller() -> None:
    """kbtool scan passes one rule per learning entry."""
    hit = Diagnostic(
        "app/db.py",
        12,
        5,
        "asynccontextmanager-in-depends",
        "Depends() gets a CM",
        Severity.WARNING,
    )
    rule = Rule(
        id="asynccontextmanager-in-depends",
        name="asynccontextmanager-in-depends",
        summary="Depends() injects the context manager",
        help_markdown="# Fix\nUse a generator.",
        help_uri=None,
        level=Severity.WARNING,
    )
    log = sarif_log(
        Report("scan", [hit], ["app/db.py"], rule=lambda code: rule), tool_name="kbtool"
    )
    run = log["runs"][0]
    assert run["tool"]["driver"]["rules"][0]["help"]["markdown"] == "# Fix\nUse a generator."
    assert "helpUri" not in run["tool"]["driver"]["rules"][0]
    assert run["results"][0]["level"] == "warning" and run["results"][0]["ruleIndex"] == 0


def test_artifact_uris() -> None:
    assert artifact_uri("learnings/a b#1.xml") == "learnings/a%20b%231.xml"
    assert artifact_uri("/abs/x.xml") == "file:///abs/x.xml"
