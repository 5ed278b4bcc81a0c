"""GitHub Actions workflow commands: ``::error file=…,line=…,col=…,title=…::message``."""

from __future__ import annotations

from typing import TextIO

from kbtool.diagnostics import Diagnostic, Severity, sanitize
from kbtool.reporters import Report


def escape_data(text: str) -> str:
    """Escape a workflow command's message (as @actions/core does)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(d: Diagnostic, title: str) -> str:
    """One annotation line (control characters in the path and message escaped)."""
    level = "error" if d.severity is Severity.ERROR else "warning"
    props = [f"file={escape_property(sanitize(d.path))}"]
    if d.line > 0:
        props.append(f"line={d.line}")
        if d.col > 0:
            props.append(f"col={d.col}")
    props.append(f"title={escape_property(title)}")
    return f"::{level} {','.join(props)}::{escape_data(sanitize(d.message))}"


def render(report: Report, out: TextIO, color: bool = False) -> None:
    from kbtool.cicommands import write_command

    for d, title in report.annotations():
        write_command(out, annotation(d, title))
