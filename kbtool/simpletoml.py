"""kbtool's one TOML reader: :func:`load`. The simple TOML most ``kbtool.toml`` files are is
read without importing :mod:`tomllib`; the rest goes to ``tomllib`` once :func:`too_costly`
has let it through.

``tomllib`` (with ``typing``, ``string`` and ``datetime``) costs about half of a
``python -c pass`` on every command's start-up, for a file that is usually two lines.
:func:`loads` reads a strict subset of TOML and answers ``None`` for anything outside it,
so the caller hands that text to ``tomllib`` (which then parses it, or says what is wrong).
For every text, ``loads`` gives ``None`` or exactly what ``tomllib.loads`` gives
(``tests/test_simpletoml.py`` holds it to that with generated documents).

The subset, line by line: blank lines and ``#`` comments; table headers of bare keys
(``[tool.kbtool]``), each table once; ``key = value`` with a bare key and a value that is
a basic string without escapes, a literal string, a decimal integer of at most 18 digits,
``true`` or ``false``, optionally followed by a comment. No control character but tab.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing is imported for the type checker only (start-up)
if TYPE_CHECKING:
    from typing import Any

_BARE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_DIGITS = frozenset("0123456789")


def loads(text: str) -> dict[str, object] | None:
    """The document as ``tomllib.loads`` reads it, or None when it is not in the subset."""
    if not text.replace("\t", " ").replace("\n", " ").isprintable():
        return None  # control characters (and a few invisible ones): leave it to tomllib
    document: dict[str, object] = {}
    table = document
    headers: list[tuple[str, ...]] = []
    for raw in text.split("\n"):
        line = raw.strip(" \t")
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            path = _header(line)
            if path is None or any(path == h[: len(path)] for h in headers):
                return None  # malformed, repeated, or a super-table defined after
            headers.append(path)
            found = _table(document, path)
            if found is None:
                return None
            table = found
            continue
        key, eq, rest = line.partition("=")
        key = key.rstrip(" \t")
        if not eq or not _is_bare(key) or key in table:
            return None
        value = _value(rest.lstrip(" \t"))
        if value is None:
            return None
        table[key] = value
    return document


def _is_bare(key: str) -> bool:
    return bool(key) and all(c in _BARE for c in key)


def _header(line: str) -> tuple[str, ...] | None:
    end = line.find("]")
    if end < 0 or not _comment_or_nothing(line[end + 1 :]):
        return None
    parts = tuple(line[1:end].split("."))
    return parts if all(_is_bare(p) for p in parts) else None


def _table(document: dict[str, object], path: tuple[str, ...]) -> dict[str, object] | None:
    """The table at ``path``, created as needed; None where a value is in the way."""
    here = document
    for part in path:
        if part not in here:
            here[part] = {}
        found = here[part]
        if not isinstance(found, dict):
            return None
        here = found
    return here


def _comment_or_nothing(rest: str) -> bool:
    rest = rest.lstrip(" \t")
    return not rest or rest.startswith("#")


def _value(text: str) -> object:
    """A value and nothing but a comment after it; None when not in the subset."""
    if text[:1] in ('"', "'"):
        quote = text[0]
        end = text.find(quote, 1)
        inner = text[1:end]
        if end < 0 or (quote == '"' and "\\" in inner) or not _comment_or_nothing(text[end + 1 :]):
            return None  # unclosed, escapes, or more after it (a multi-line string too)
        return inner
    bare = text.partition("#")[0].rstrip(" \t")
    if not bare or " " in bare or "\t" in bare:
        return None
    if bare == "true":
        return True
    if bare == "false":
        return False
    digits = bare[1:] if bare[0] in "+-" else bare
    if not digits or len(digits) > 18 or not all(c in _DIGITS for c in digits):
        return None
    if digits[0] == "0" and len(digits) > 1:
        return None  # leading zeros are not TOML
    return int(bare)


#: The most dots a line of a TOML file handed to ``tomllib`` may hold: it takes time that
#: grows as the square of a dotted key's length (8,000 parts: 0.7 s; the 500,000 of a
#: hostile 1 MiB file: most of an hour). A real key has a few; a line of URLs, dozens.
MAX_DOTS_A_LINE = 400


def too_costly(text: str) -> str:
    """Why ``text`` must not be handed to ``tomllib`` ("" when it may be): a line with
    more than :data:`MAX_DOTS_A_LINE` dots."""
    if text.count(".") <= MAX_DOTS_A_LINE:
        return ""
    for number, line in enumerate(text.split("\n"), 1):
        if line.count(".") > MAX_DOTS_A_LINE:
            return f"line {number} has more than {MAX_DOTS_A_LINE} dots: a key so long is not read"
    return ""


def load(text: str) -> dict[str, Any]:
    """Any TOML document as ``tomllib`` reads it; ValueError says what is wrong with one
    that is not TOML, too costly to read, or nested too deeply."""
    simple = loads(text)
    if simple is not None:
        return simple
    problem = too_costly(text)
    if problem:
        raise ValueError(problem)
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"invalid TOML: {exc}") from None
    except RecursionError:
        raise ValueError("nested too deeply to read") from None
