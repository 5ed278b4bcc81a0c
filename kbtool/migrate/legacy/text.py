"""Text helpers for legacy content: clean white space, split lists, read dates."""

from __future__ import annotations

import datetime as dt
import re
import textwrap

from kbtool.dates import parse_any_date

_BULLET = re.compile(r"^\s*(?:[-*•+▪‣]\s+|(\d{1,3}[.)]\s+))")
_ISO_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:$|[T ]\d{2}:\d{2})")
_PATHLIKE = re.compile(r"^[\w.\-/\\~@]+$")


def _trimmed_lines(text: str) -> list[str]:
    """The lines of ``text``, right-stripped, without blank lines at either end."""
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def clean(text: str | None) -> str:
    """Strip a text and remove the indentation of the XML around it; keep its lines."""
    if not text:
        return ""
    lines = _trimmed_lines(text)
    if not lines:
        return ""
    first, rest = lines[0].strip(), textwrap.dedent("\n".join(lines[1:]))
    return f"{first}\n{rest}" if rest else first


def clean_code(text: str | None) -> str:
    """Code keeps its own indentation; only the common indent and blank edges go."""
    if not text:
        return ""
    return textwrap.dedent("\n".join(_trimmed_lines(text)))


def split_bullets(text: str) -> list[str] | None:
    """Items of a bullet or numbered list written as text, or None if it is not one.

    A list needs at least two bullet lines. Text before the first bullet is an item of
    its own; a line without a bullet continues the item above. Bullet marks (``-``, ``*``,
    ``•``) are dropped; numbers (``1.``) are kept, they are words the author wrote.
    """
    lines = clean(text).split("\n")
    if sum(1 for line in lines if _BULLET.match(line)) < 2:
        return None
    items: list[str] = []
    current: list[str] | None = None
    for line in lines:
        match = _BULLET.match(line)
        if match:
            if current:
                items.append("\n".join(current))
            body = line.strip() if match.group(1) else line[match.end() :].strip()
            current = [body]
        elif line.strip():
            if current is None:
                current = [line.strip()]
            else:
                current.append(line.strip())
        elif current:
            items.append("\n".join(current))
            current = None
    if current:
        items.append("\n".join(current))
    return [item for item in items if item]


def split_commas(text: str) -> list[str]:
    """``"a, b; c"`` or bullet text → ``["a", "b", "c"]``."""
    bullets = split_bullets(text)
    parts = bullets if bullets is not None else re.split(r"[,;\n]", text)
    return [p.strip() for p in parts if p.strip()]


def split_paths(text: str) -> list[str] | None:
    """``"app/a.py, app/b.py"`` → two paths; None when the parts are not all paths."""
    if "\n" in text.strip() or "," not in text:
        return None
    parts = [p.strip() for p in text.split(",")]
    if all(p and _PATHLIKE.match(p) and ("/" in p or "." in p) for p in parts):
        return parts
    return None


_EPOCH = re.compile(r"^(\d{9,10}|\d{12,13})(?:\.\d+)?$")
_EPOCH_RANGE = (dt.date(2000, 1, 1), dt.date(2100, 1, 1))


def parse_date(text: str) -> tuple[dt.date, bool] | None:
    """A date as a legacy field holds it → (date, exact); exact is False when the text was
    anything but a plain ISO date (a time cut off, ``2024/03/03``, ``03.03.2024``,
    ``March 3, 2024``, epoch seconds or milliseconds), so the original is kept. What
    :func:`parse_any_date` refuses (``12/03/2024``: day or month first?) is no date, and nor is
    an epoch number outside 2000–2100 (``42`` is a count, not a day)."""
    value = text.strip()
    match = _ISO_DATE.match(value)
    if match:
        try:
            day = dt.date.fromisoformat(match.group(1))
        except ValueError:
            return None
        return day, value == match.group(1)
    epoch = _EPOCH.match(value)
    if epoch:
        seconds = int(epoch.group(1)) / (1000 if len(epoch.group(1)) > 10 else 1)
        day = dt.datetime.fromtimestamp(seconds, dt.UTC).date()
        return (day, False) if _EPOCH_RANGE[0] <= day < _EPOCH_RANGE[1] else None
    found = parse_any_date(value)
    return (found, False) if found is not None else None


_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str, limit: int = 60) -> str:
    """``"Pool exhaustion & retries!"`` → ``pool-exhaustion-retries`` (ASCII, ≤ limit)."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = [w for w in _SLUG.split(ascii_text.lower()) if w]
    out = ""
    for word in words:
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > limit:
            break
        out = candidate
    if not out and words:
        out = words[0][:limit]
    return out
