"""Text and paths made safe and short for a terminal: :func:`sanitize`, :func:`display_path`.

Kept apart from :mod:`kbtool.diagnostics` (which re-exports both) so that ``kbtool search``
does not import its dataclass and enum at start-up.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

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
