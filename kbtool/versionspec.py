"""Version specifiers of a symptom (``<symptom versions="fastapi<0.123.10">``): the rule.

Core (validation, migration and ``kbtool applies`` read it); ``packaging`` is imported only
for the uncommon shapes the plain-number fast path cannot decide.
"""

from __future__ import annotations

import functools
import re

_REQ_SPLIT = re.compile(r",\s*(?=[A-Za-z0-9])")
_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
_PLAIN = r"\s*(?:(?:==|!=|<=|>=|<|>)\s*[0-9]+(?:\.[0-9]+)*|~=\s*[0-9]+(?:\.[0-9]+)+)\s*"
# "name op version, op version" with plain release numbers: valid PEP 440 / PEP 508 for sure,
# so the common case is decided without importing packaging (~40 ms); the rest goes to it.
_PLAIN_CHUNK = re.compile(rf"\s*(?:({_NAME})\s*)?{_PLAIN}(?:,{_PLAIN})*")


@functools.lru_cache(maxsize=4096)
def versions_problem(value: str) -> str | None:
    """Why a symptom's ``versions`` is not valid, or None.

    Accepted: PEP 440 specifiers, optionally after a project name (PEP 508 without extras,
    markers or URLs), several projects separated by commas:
    ``<2``, ``fastapi<0.123.10``, ``fastapi>=0.100,<0.123.10, pydantic>=2``.
    """
    text = value.strip()
    if not text:
        return "empty"
    names: set[str] = set()
    for number, chunk in enumerate(_REQ_SPLIT.split(text)):
        chunk = chunk.strip()
        if not chunk or chunk.endswith(","):
            return "empty specifier (stray comma)"
        if chunk[0] in "<>=!~" and number:
            return f"{chunk!r} must follow a project name"
        plain = _PLAIN_CHUNK.fullmatch(chunk)
        if plain is not None:
            name = plain.group(1)
        else:
            problem, name = _packaging_problem(chunk)
            if problem:
                return problem
        if name:
            canonical = re.sub(r"[-_.]+", "-", name).lower()
            if canonical in names:
                return f"{name!r} is named twice"
            names.add(canonical)
    return None


def _packaging_problem(chunk: str) -> tuple[str | None, str | None]:
    """(problem, project name) of one ``[name] specifiers`` chunk, judged by packaging."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    if chunk[0] in "<>=!~":
        try:
            SpecifierSet(chunk)
        except InvalidSpecifier as exc:
            return f"not a PEP 440 specifier set ({exc})", None
        return None, None
    try:
        req = Requirement(chunk)
    except InvalidRequirement as exc:
        return f"not a PEP 440 specifier set: {str(exc).splitlines()[0]}", None
    if req.extras or req.marker or req.url:
        return "extras, markers and URLs are not allowed", req.name
    if not req.specifier:
        return f"{req.name!r} has no version specifier (e.g. '{req.name}<2')", req.name
    return None, req.name
