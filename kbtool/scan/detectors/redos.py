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


#: The most characters a pattern may stand for once its counted repeats are unrolled. The
#: ``regex`` module the detectors run on unrolls them when it compiles: about 280 bytes a
#: character (``(?:a{1000}){1000}``, 10**6: 280 MB), so a pattern of 28 characters,
#: ``(?:(?:a{1000}){1000}){1000}``, took more memory than a CI runner has. 10**5: ~30 MB.
MAX_UNROLLED = 100_000


def _unrolled(sub: Any) -> int:
    total = 0
    for op, av in sub.data if hasattr(sub, "data") else sub:
        if op in _REPEATS or op == getattr(C, "POSSESSIVE_REPEAT", object()):
            low, high, body = av
            total += max(low if high == C.MAXREPEAT else high, 1) * _unrolled(body)
        elif op == C.SUBPATTERN:
            total += _unrolled(av[3])
        elif op == C.BRANCH:
            total += sum(_unrolled(alt) for alt in av[1])
        elif op in (C.ASSERT, C.ASSERT_NOT):
            total += _unrolled(av[1])
        elif op == getattr(C, "ATOMIC_GROUP", object()):
            total += _unrolled(av)
        elif op == C.GROUPREF_EXISTS:
            total += sum(_unrolled(x) for x in av[1:] if x is not None)
        else:
            total += 1
    return total


def unrolled_size(source: str, flags: int = 0) -> int:
    """How many characters ``source`` stands for with its counted repeats written out (an
    unbounded one counts its minimum): what compiling it costs the ``regex`` module."""
    return _unrolled(P.parse(source, flags))


def too_large_regex(source: str, flags: int = 0) -> str | None:
    """Why compiling the pattern would cost too much memory, or None."""
    size = unrolled_size(source, flags)
    if size <= MAX_UNROLLED:
        return None
    return (
        f"repeats too much: {size:,} characters once its counts are unrolled "
        f"(at most {MAX_UNROLLED:,})"
    )


def risky_regex(source: str, flags: int = 0) -> str | None:
    """Why the pattern may backtrack catastrophically, or None when it looks safe."""
    try:
        parsed = P.parse(source, flags)
    except Exception:  # the caller has already compiled it; be defensive all the same
        return None
    why = _walk(parsed, False)
    return f"may backtrack catastrophically: it {why}" if why else None
