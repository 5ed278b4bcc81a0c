"""``path:line:col: CODE message``, one finding a line (colour only on a terminal)."""

from __future__ import annotations

from typing import TextIO

from kbtool.diagnostics import Severity, sanitize
from kbtool.reporters import Report

_BOLD, _RED, _YELLOW, _RESET = "\x1b[1m", "\x1b[31m", "\x1b[33m", "\x1b[0m"


def render(report: Report, out: TextIO, color: bool = False) -> None:
    for d in report.diagnostics:
        if color:
            hue = _RED if d.severity is Severity.ERROR else _YELLOW
            where = sanitize(f"{d.path}:{d.line}:{d.col}:")
            line = f"{_BOLD}{where}{_RESET} {hue}{_BOLD}{d.code}{_RESET} {sanitize(d.message)}"
        else:
            line = d.format()
        out.write(line + report.suffix(d) + "\n")
        for detail in report.details(d):
            out.write(f"  {detail}\n")
