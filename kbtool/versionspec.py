"""What a ``versions`` attribute says, whether it is well written, and whether it holds.

A ``versions`` value (on ``<symptom>`` or on a whole ``<learning>``) is a list of PEP 508
requirements without extras, markers or URLs, separated by commas:
``fastapi<0.123.5``, ``sqlalchemy>=2.0,<2.1, asyncpg>=0.29``, ``python>=3.11`` (``python`` is
the interpreter). The first one may omit its project (``<2``), which then names nothing.

- :func:`versions_finding` says what is wrong with a value as ``(code, message)`` (KB313
  shape, KB326 project name, KB327 specifier, KB328 a range that can never match), or None.
  The common case (plain release numbers) is decided without importing ``packaging``.
- :func:`overlap_finding` says when a symptom's versions can never hold where its learning's
  versions hold (KB329).
- :func:`holds` evaluates a value against a lookup of installed versions: True, False, or
  None when a version it needs is unknown.

A core module: it imports nothing of kbtool's features (validate, search and applies use it).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet

#: The pseudo-project that stands for the Python interpreter.
PYTHON = "python"
#: What a lookup returns for a project whose version is not known (an unpinned line).
UNKNOWN = "?"

NAME_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
_SPLIT = re.compile(r",\s*(?=[A-Za-z0-9])")
_OPERATOR = re.compile(r"[<>=!~]")
_PLAIN_ONE = r"\s*(?:(?:==|!=|<=|>=|<|>)\s*[0-9]+(?:\.[0-9]+)*|~=\s*[0-9]+(?:\.[0-9]+)+)\s*"
_PLAIN = re.compile(rf"{_PLAIN_ONE}(?:,{_PLAIN_ONE})*")
_PLAIN_PART = re.compile(r"\s*(==|!=|<=|>=|<|>|~=)\s*([0-9]+(?:\.[0-9]+)*)\s*")


def canonical(name: str) -> str:
    """PEP 503 normalised project name: ``Foo_Bar`` and ``foo-bar`` are one project."""
    return re.sub(r"[-_.]+", "-", name).lower()


class Requirement(NamedTuple):
    """One ``name specifiers`` part of a ``versions`` value."""

    name: str  # as written ("" when the value starts with bare specifiers)
    key: str  # canonical name
    specifiers: str  # e.g. ">=2.0,<2.1"


def split(value: str) -> list[tuple[str, str]]:
    """(name as written, specifier text) of each part; no checking."""
    out = []
    for chunk in _SPLIT.split(value.strip()):
        chunk = chunk.strip()
        at = _OPERATOR.search(chunk)
        name, spec = (chunk[: at.start()], chunk[at.start() :]) if at else (chunk, "")
        out.append((name.strip(), spec.strip()))
    return out


@functools.lru_cache(maxsize=4096)
def versions_finding(value: str) -> tuple[str, str] | None:
    """``(code, message)`` of what is wrong with a ``versions`` value, or None."""
    text = value.strip()
    if not text:
        return "KB313", "empty"
    names: set[str] = set()
    for number, chunk in enumerate(_SPLIT.split(text)):
        chunk = chunk.strip()
        if not chunk or chunk.endswith(","):
            return "KB313", "empty specifier (stray comma)"
        if chunk[0] in "<>=!~" and number:
            return "KB313", f"{chunk!r} must follow a project name"
        ((name, spec),) = split(chunk)
        lead = NAME_RE.match(name)
        if not spec and lead and name[lead.end() :].startswith((" ", "\t")):
            return "KB327", f"{name[lead.end() :].strip()!r} is not a PEP 440 specifier set"
        if name:
            if not NAME_RE.fullmatch(name):
                if any(c in name for c in "[;@"):
                    return "KB313", "extras, markers and URLs are not allowed"
                return "KB326", f"{name!r} is not a project name (letters, digits, - _ .)"
            if canonical(name) in names:
                return "KB313", f"{name!r} is named twice"
            names.add(canonical(name))
            if not spec:
                return "KB313", f"{name!r} has no version specifier (e.g. '{name}<2')"
        if ";" in spec or "@" in spec or "[" in spec:
            return "KB313", "extras, markers and URLs are not allowed"
        problem = _specifier_finding(spec)
        if problem:
            return problem
    return None


def _specifier_finding(spec: str) -> tuple[str, str] | None:
    if _PLAIN.fullmatch(spec):
        if "," in spec and not _plain_satisfiable(spec):
            return "KB328", f"{spec!r} can never match: no version is in every range"
        return None
    specset = _specifier_set(spec)
    if specset is None:
        return "KB327", f"{spec!r} is not a PEP 440 specifier set"
    if not satisfiable(specset):
        return "KB328", f"{spec!r} can never match: no version is in every range"
    return None


@functools.lru_cache(maxsize=4096)
def _specifier_set(spec: str) -> SpecifierSet | None:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        return SpecifierSet(spec)
    except InvalidSpecifier:
        return None


def _release(text: str, width: int) -> tuple[int, ...]:
    parts = tuple(int(p) for p in text.split("."))
    return parts + (0,) * (width - len(parts))


def _plain_satisfiable(spec: str) -> bool:
    """Whether plain release specifiers (``>=2.0,<2.1``) leave any release: bounds compared
    as release tuples padded with zeros; between two distinct releases there are always
    more, so ``!=`` only matters where the bounds meet."""
    parts = [(m.group(1), m.group(2)) for m in _PLAIN_PART.finditer(spec)]
    width = max(len(v.split(".")) for _, v in parts) + 1
    low: tuple[tuple[int, ...], bool] = ((0,) * width, True)  # (bound, inclusive)
    high: tuple[tuple[int, ...], bool] | None = None
    pins: set[tuple[int, ...]] = set()
    excluded: set[tuple[int, ...]] = set()
    floor = True  # no lower bound given: the pre-releases of 0 (0.dev0) are members too
    for op, text in parts:
        v = _release(text, width)
        if op == "~=":  # >= v, == v's prefix.*
            prefix = list(_release(text, 0)[:-1])
            prefix[-1] += 1
            bound = tuple(prefix) + (0,) * (width - len(prefix))
            low = max(low, (v, True), key=lambda b: (b[0], not b[1]))
            high = bound_min(high, (bound, False))
            floor = False
        elif op == "==":
            pins.add(v)
        elif op == "!=":
            excluded.add(v)
        elif op in (">=", ">"):
            low = max(low, (v, op == ">="), key=lambda b: (b[0], not b[1]))
            floor = False
        else:
            high = bound_min(high, (v, op == "<="))

    def inside(v: tuple[int, ...]) -> bool:
        above = v > low[0] or (v == low[0] and low[1])
        below = high is None or v < high[0] or (v == high[0] and high[1])
        return above and below and v not in excluded

    if pins:
        return len(pins) == 1 and inside(next(iter(pins)))
    if floor and high == (low[0], True):
        return True  # "<=0,!=0": 0.dev0 is below 0 and is not 0
    if high is None or low[0] < high[0]:
        return True
    return low[0] == high[0] and low[1] and high[1] and low[0] not in excluded


def bound_min(
    a: tuple[tuple[int, ...], bool] | None, b: tuple[tuple[int, ...], bool]
) -> tuple[tuple[int, ...], bool]:
    """The tighter of two upper bounds (an exclusive bound is tighter at the same value)."""
    if a is None:
        return b
    return min(a, b, key=lambda x: (x[0], x[1]))


def satisfiable(specset: SpecifierSet) -> bool:
    """Whether any version (pre-releases included) is in ``specset``: each interval of a
    specifier set ends at a version one of its specifiers names, so trying each named
    version and a version just above and just below it finds a member when there is one."""
    from packaging.version import InvalidVersion, Version

    candidates: list[str] = ["0", "0.dev0"]
    for spec in specset:
        text = spec.version.removesuffix(".*")
        try:
            v = Version(text)
        except InvalidVersion:
            return True  # arbitrary equality (===): not judged
        candidates += [text, f"{v.base_version}.0.0.0.1", *_just_below(v)]
    return any(specset.contains(c, prereleases=True) for c in candidates)


def _just_below(v: object) -> list[str]:
    release = list(getattr(v, "release", ()))
    while release and release[-1] == 0:
        release.pop()
    if not release:
        return []
    release[-1] -= 1
    return [".".join(map(str, release)) + ".99999999"]


def overlap_finding(symptom: str, entry: str) -> tuple[str, str] | None:
    """KB329 when a symptom's versions can never hold where its learning's hold: a project
    both name whose two ranges share no version. Both values must be valid."""
    ranges = {r.key: r for r in requirements(entry) if r.key}
    for req in requirements(symptom):
        other = ranges.get(req.key)
        if other is None or not req.key:
            continue
        combined = f"{other.specifiers},{req.specifiers}"
        if _PLAIN.fullmatch(combined):
            meets = _plain_satisfiable(combined)
        else:
            both = _specifier_set(combined)
            meets = both is None or satisfiable(both)
        if not meets:
            return (
                "KB329",
                f"{req.name}{req.specifiers} never holds within the learning's "
                f"{other.name}{other.specifiers}",
            )
    return None


@functools.lru_cache(maxsize=4096)
def requirements(value: str) -> tuple[Requirement, ...]:
    """The parts of a valid ``versions`` value."""
    return tuple(Requirement(name, canonical(name), spec) for name, spec in split(value))


Lookup = Callable[[str], "str | None"]


def holds(value: str, lookup: Lookup) -> bool | None:
    """Whether ``value`` holds for the versions ``lookup`` gives (a canonical project name →
    its version, None when it is not installed, :data:`UNKNOWN` when its version is not
    known). False as soon as one project is missing or outside its range; None when some
    version is unknown (or the value is not valid) and none rules it out."""
    if versions_finding(value) is not None:
        return None
    unknown = False
    for req in requirements(value):
        if not req.key:
            unknown = True  # bare specifiers name no project
            continue
        found = lookup(req.key)
        if found is None:
            return False
        if found == UNKNOWN:
            unknown = True
            continue
        from packaging.version import InvalidVersion, Version  # only once a version is known

        specset = _specifier_set(req.specifiers)
        try:
            version = Version(found)
        except InvalidVersion:
            unknown = True
            continue
        if specset is None or not specset.contains(version, prereleases=True):
            return False
    return None if unknown else True


def projects(value: str) -> list[str]:
    """The canonical project names a valid value names."""
    return [r.key for r in requirements(value) if r.key]


def versions_problem(value: str) -> str | None:
    """Why a ``versions`` value is not valid (the message of :func:`versions_finding`), or
    None: what migration asks before it keeps a value."""
    finding = versions_finding(value)
    return None if finding is None else finding[1]
