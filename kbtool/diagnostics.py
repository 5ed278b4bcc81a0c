"""Findings as values: ``Diagnostic(path, line, col, code, message)``."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


# C0/C1 controls, and lone surrogates (undecodable bytes in file names) that cannot be printed.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_MAX_MESSAGE = 500


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte, kept by surrogateescape: show the byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def sanitize(text: str, limit: int = _MAX_MESSAGE) -> str:
    """Make text safe to echo to a terminal or CI log: escape control characters, cap length."""
    text = _CONTROL.sub(_escape, text.replace("\n", " "))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def display_path(path: Path | str) -> str:
    """A path as users should see it: relative to the working directory when inside it."""
    p = Path(path)
    try:
        return os.path.relpath(p) if p.is_absolute() and _inside_cwd(p) else os.fsdecode(p)
    except ValueError:
        return os.fsdecode(p)


def _inside_cwd(p: Path) -> bool:
    try:
        p.relative_to(Path.cwd())
    except ValueError:
        return False
    return True


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
