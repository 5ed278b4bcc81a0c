"""A conservative check for regular expressions that can backtrack catastrophically.

Python's ``re`` has no time limit, and detectors come from the knowledge base, which a pull
request can change. A pattern such as ``(a+)+$`` or ``(x+x+)+y`` takes exponential time on
a line that almost matches, so ``kbtool`` refuses it (KB506) rather than hang a CI job.

The rule: inside an unbounded repeat, a body that is nothing but another unbounded repeat
(besides optional or zero-width items), or a branch two of whose alternatives start with
the same literal character, is ambiguous. It misses some slow patterns and flags few fast ones.
"""

from __future__ import annotations

from re import _constants as C  # type: ignore[attr-defined]  # the parser behind re
from re import _parser as P  # type: ignore[attr-defined]
from typing import Any

_REPEATS = {C.MAX_REPEAT, C.MIN_REPEAT}
_ZERO_WIDTH = {C.AT, C.ASSERT, C.ASSERT_NOT}


def _is_unbounded(op: Any, av: Any) -> bool:
    return op in _REPEATS and av[1] == C.MAXREPEAT


def _optional(op: Any, av: Any) -> bool:
    return (op in _REPEATS and av[0] == 0) or op in _ZERO_WIDTH


def _items(sub: Any) -> list[tuple[Any, Any]]:
    """Top-level items of a subpattern, groups flattened."""
    out: list[tuple[Any, Any]] = []
    for op, av in sub.data if hasattr(sub, "data") else sub:
        if op == C.SUBPATTERN:
            out.extend(_items(av[3]))
        else:
            out.append((op, av))
    return out


def _first_sets(items: list[tuple[Any, Any]]) -> set[Any] | None:
    """Literal first characters of a sequence, or None when it can start with anything."""
    for op, av in items:
        if op == C.LITERAL:
            return {av}
        if op in _ZERO_WIDTH:
            continue
        return None
    return set()


def _ambiguous_body(body: Any) -> str | None:
    items = _items(body)
    inner = [(op, av) for op, av in items if _is_unbounded(op, av)]
    others = [(op, av) for op, av in items if not _is_unbounded(op, av)]
    if inner and all(_optional(op, av) for op, av in others):
        return "nests an unbounded repeat directly inside another"
    for op, av in items:
        if op == C.BRANCH:
            starts = [_first_sets(_items(alt)) for alt in av[1]]
            seen: set[Any] = set()
            for s in starts:
                if s and seen & s:
                    return "repeats an alternation whose branches can start alike"
                seen |= s or set()
    return None


def _walk(sub: Any, in_repeat: bool) -> str | None:
    for op, av in sub.data if hasattr(sub, "data") else sub:
        if op in _REPEATS or op == getattr(C, "POSSESSIVE_REPEAT", object()):
            body = av[2]
            if _is_unbounded(op, av):
                why = _ambiguous_body(body)
                if why:
                    return why
            found = _walk(body, in_repeat or _is_unbounded(op, av))
            if found:
                return found
        elif op == C.SUBPATTERN:
            found = _walk(av[3], in_repeat)
            if found:
                return found
        elif op == C.BRANCH:
            for alt in av[1]:
                found = _walk(alt, in_repeat)
                if found:
                    return found
        elif op in (C.ASSERT, C.ASSERT_NOT):
            found = _walk(av[1], in_repeat)
            if found:
                return found
    return None


def risky_regex(source: str, flags: int = 0) -> str | None:
    """Why the pattern may backtrack catastrophically, or None when it looks safe."""
    try:
        parsed = P.parse(source, flags)
    except Exception:  # the caller has already compiled it; be defensive all the same
        return None
    why = _walk(parsed, False)
    return f"may backtrack catastrophically: it {why}" if why else None
