"""English wording every layer shares: counts with their noun."""

from __future__ import annotations


def plural(n: int, word: str) -> str:
    """``"1 error"``, ``"2 errors"``, ``"1 entry"``, ``"2 entries"``."""
    if n == 1:
        return f"{n} {word}"
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "i", "o", "u"):
        return f"{n} {word[:-1]}ies"
    return f"{n} {word}s"


#: How to add a first entry: what ``kbtool init`` and an empty ``kbtool stats`` suggest.
FIRST_ENTRY = (
    'kbtool new "Title" -c Category, or: pytest 2>&1 | kbtool new --from-error - -c Category'
)
