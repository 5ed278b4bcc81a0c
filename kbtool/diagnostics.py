"""Findings as values: ``Diagnostic(path, line, col, code, message)``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from kbtool.textsafe import display_path, sanitize

__all__ = ["Diagnostic", "Severity", "display_path", "sanitize"]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, order=True)
class Diagnostic:
    """One finding at a place in a file. ``line``/``col`` are 1-based; 0 means unknown."""

    path: str
    line: int
    col: int
    code: str
    message: str
    severity: Severity = field(default=Severity.ERROR, compare=False)

    def format(self) -> str:
        where = f"{sanitize(self.path)}:{self.line}:{self.col}"
        return f"{where}: {self.code} {sanitize(self.message)}"

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
        }


class SeverityCounts:
    """``errors`` and ``warnings``: how many of ``self.diagnostics`` have each severity."""

    diagnostics: Sequence[Diagnostic]

    @property
    def errors(self) -> int:
        return sum(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return sum(d.severity is Severity.WARNING for d in self.diagnostics)
