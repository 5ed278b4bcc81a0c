"""Counted words for messages: ``plural(1, "entry")`` is ``"1 entry"``, ``plural(2, "entry")``
``"2 entries"``. Standard library only, so any layer may use it (the one home of plurals)."""

from __future__ import annotations


def plural(n: int, word: str) -> str:
    """``"1 error"``, ``"2 errors"``, ``"1 entry"``, ``"2 entries"``."""
    if n == 1:
        return f"{n} {word}"
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "i", "o", "u"):
        return f"{n} {word[:-1]}ies"
    return f"{n} {word}s"
