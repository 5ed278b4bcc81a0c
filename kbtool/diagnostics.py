"""Findings as values: ``Diagnostic(path, line, col, code, message)``."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from functools import total_ordering

from kbtool.records import FrozenRecord
from kbtool.textsafe import display_path, sanitize

TYPE_CHECKING = False  # typing is imported for the type checker only (start-up)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["Diagnostic", "Severity", "display_path", "sanitize"]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@total_ordering
class Diagnostic(FrozenRecord):
    """One finding at a place in a file. ``line``/``col`` are 1-based; 0 means unknown.

    Ordered (and equal) by place, code and message; the severity is not compared. A plain
    class, not a dataclass: every command imports it, and dataclasses cost start-up time
    (:mod:`kbtool.records`)."""

    __slots__ = ("code", "col", "line", "message", "path", "severity")
    _fields = ("path", "line", "col", "code", "message")  # compared, hashed
    path: str
    line: int
    col: int
    code: str
    message: str
    severity: Severity

    def __init__(
        self,
        path: str,
        line: int,
        col: int,
        code: str,
        message: str,
        severity: Severity = Severity.ERROR,
    ) -> None:
        self._set(path=path, line=line, col=col, code=code, message=message, severity=severity)

    def __repr__(self) -> str:
        return f"{super().__repr__()[:-1]}, severity={self.severity!r})"

    def replace(self, **changes: Any) -> Diagnostic:
        values = {name: getattr(self, name) for name in self.__slots__}
        return Diagnostic(**{**values, **changes})

    def __lt__(self, other: Any) -> bool:  # the other comparisons: functools.total_ordering
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() < other._values()

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
