"""Tool arguments as assistants send them: made to fit a tool's input schema where the intent
is plain, or refused with one line that says what the tool takes (no MCP SDK here).

Models often send one string where the schema asks for a list of strings (``"ids": "x"``,
``"severity": "high"``, ``"paths": "app"``); that string is the one-item list they mean. An
argument the tool does not have is refused, not ignored: a misspelt filter (``categories``)
would otherwise widen the answer silently. A value of the wrong type is refused with the
argument's name, what was expected and the tool's argument list, instead of pydantic's
multi-line report and its documentation link.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kbtool.errors import UsageError


def _types(prop: dict[str, Any]) -> list[dict[str, Any]]:
    """The alternatives of one property's schema (``anyOf`` or the schema itself)."""
    alternatives = prop.get("anyOf")
    return list(alternatives) if isinstance(alternatives, list) else [prop]


def _wants_string_list(prop: dict[str, Any]) -> bool:
    alternatives = _types(prop)
    takes_string = any(a.get("type") == "string" for a in alternatives)
    return not takes_string and any(
        a.get("type") == "array" and (a.get("items") or {}).get("type") == "string"
        for a in alternatives
    )


def describe_type(prop: dict[str, Any]) -> str:
    """How a property's type reads in a message: ``string``, ``list of strings``, ``integer
    1-50``, ``one of markdown, json``."""
    words = []
    for alt in _types(prop):
        kind = alt.get("type")
        if kind == "null":
            continue
        if "enum" in alt:
            words.append("one of " + ", ".join(str(v) for v in alt["enum"]))
        elif kind == "array":
            items = alt.get("items") or {}
            inner = describe_type(items) if "enum" in items else f"{items.get('type', 'value')}s"
            words.append(f"list of {inner}")
        elif kind == "integer" and "minimum" in alt and "maximum" in alt:
            words.append(f"integer {alt['minimum']}-{alt['maximum']}")
        else:
            words.append(str(kind or "value"))
    return " or ".join(words) or "value"


def signature(schema: dict[str, Any]) -> str:
    """The tool's arguments in one line: ``query (string, required), limit (integer 1-50)``."""
    required = set(schema.get("required") or ())
    return ", ".join(
        f"{name} ({describe_type(prop)}{', required' if name in required else ''})"
        for name, prop in (schema.get("properties") or {}).items()
    )


def normalise(tool: str, schema: dict[str, Any], arguments: dict[str, Any]) -> dict[str, Any]:
    """``arguments`` with a lone string made the one-item list the schema asks for; an
    argument the tool does not have is a :class:`UsageError` naming the ones it has."""
    props: dict[str, Any] = schema.get("properties") or {}
    unknown = [name for name in arguments if name not in props]
    if unknown:
        raise UsageError(
            f"{tool} has no argument {', '.join(repr(n) for n in unknown)}; "
            f"it takes: {signature(schema)}"
        )
    out = dict(arguments)
    for name, value in arguments.items():
        if isinstance(value, str) and _wants_string_list(props[name]):
            out[name] = [value]
    return out


def explain(tool: str, schema: dict[str, Any], errors: Sequence[Mapping[str, Any]]) -> str:
    """One line for pydantic's validation ``errors`` of a call: each bad argument, what it
    should be and what was given, then the tool's arguments."""
    props: dict[str, Any] = schema.get("properties") or {}
    parts = []
    for error in errors:
        loc = [str(p) for p in error.get("loc", ())]
        name = loc[0] if loc else "arguments"
        where = ".".join(loc) or "arguments"
        if error.get("type") == "missing":
            parts.append(f"{where} is missing")
            continue
        given = error.get("input")
        shown = repr(given)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        expected = describe_type(props[name]) if name in props and len(loc) == 1 else ""
        reason = str(error.get("msg", "is not valid")).rstrip(".")
        parts.append(
            f"{where}: {reason}"
            + (f" (expected {expected}" if expected else " (")
            + f"{'; ' if expected else ''}got {type(given).__name__} {shown})"
        )
    return f"bad arguments for {tool}: " + "; ".join(parts) + f". It takes: {signature(schema)}"
