"""Terminal facts: colour and progress only for a real terminal that wants them."""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing is imported for the type checker only (start-up)
if TYPE_CHECKING:
    from typing import TextIO


def use_color(stream: TextIO | None = None) -> bool:
    """Colour when the stream is a TTY, NO_COLOR is unset and TERM is not 'dumb'."""
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def show_progress(stream: TextIO | None = None) -> bool:
    """Progress bars only on an interactive terminal (never in CI logs or pipes)."""
    stream = stream or sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)()) and not os.environ.get("CI")


COLOR_CHOICES = ("auto", "always", "never")


def set_color(when: str) -> None:
    """Apply ``--color WHEN`` for this process: ``always`` sets FORCE_COLOR, ``never`` sets
    NO_COLOR, ``auto`` leaves the environment to decide. ValueError for anything else."""
    if when not in COLOR_CHOICES:
        raise ValueError(f"colour {when!r}: expected auto, always or never")
    if when == "always":
        os.environ.pop("NO_COLOR", None)
        os.environ["FORCE_COLOR"] = "1"
    elif when == "never":
        os.environ.pop("FORCE_COLOR", None)
        os.environ["NO_COLOR"] = "1"
