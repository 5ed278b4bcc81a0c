"""Keep each answer within a size limit, and say what was cut.

The limit counts the characters of the answer's JSON (its structured content; the text
content the server sends beside it is that JSON, or the Markdown inside it). Lists lose
their last items first (the best come first), then long texts are cut at the end; for an
answer still too big, lists inside it (an entry's steps) lose their last items until its
strings capped at :data:`FLOOR` characters would fit, then every string is capped, except
ids, paths and vocabulary words (:data:`KEEP`). The answer says ``truncated: true`` and
what was left out.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # pydantic stays out of kbtool --help (kbtool.cli.commands.mcp reads the limits)
    from kbtool.mcp.shapes import Budgeted

DEFAULT_MAX_CHARS = 20_000
MIN_MAX_CHARS = 1_000
T = TypeVar("T", bound="Budgeted")


def size(data: Any) -> int:
    return len(json.dumps(data, ensure_ascii=False, separators=(",", ":")))


# Strings never capped: ids, names from a vocabulary and paths, which the answer is useless
# (or off its schema) without, and which are short.
KEEP = frozenset(
    {"id", "entries", "format", "status", "kind", "severity", "how", "uri", "path", "in_diff"}
)
FLOOR = 60  # nested lists lose items before strings would be capped below this


def _cap_strings(data: Any, most: int, key: str | None = None) -> Any:
    if key in KEEP:
        return data
    if isinstance(data, str):
        return data if len(data) <= most else data[:most] + "…"
    if isinstance(data, list):
        return [_cap_strings(x, most) for x in data]
    if isinstance(data, dict):
        return {k: _cap_strings(v, most, k) for k, v in data.items()}
    return data


def _nested_lists(data: Any, depth: int = 0) -> list[list[Any]]:
    """The non-empty lists below the answer's own fields (an entry's steps, a hit's tags)."""
    found: list[list[Any]] = []
    children = (
        data.items()
        if isinstance(data, dict)
        else enumerate(data)
        if isinstance(data, list)
        else ()
    )
    for key, value in children:
        if key in KEEP:
            continue
        if isinstance(value, list) and value and depth > 0:
            found.append(value)
        if isinstance(value, (list, dict)):
            found += _nested_lists(value, depth + 1)
    return found


def fit(answer: T, limit: int, *, lists: tuple[str, ...] = (), texts: tuple[str, ...] = ()) -> T:
    """``answer`` cut to at most ``limit`` characters of JSON (see the module docstring),
    hidden characters made visible first (:func:`kbtool.textsafe.visible`): an entry's
    invisible text (Unicode tag characters that spell an instruction) reaches the assistant
    as the escapes a person sees, not as text only a model reads."""
    from kbtool.textsafe import visible

    dumped = answer.model_dump(mode="json")
    data = visible(dumped)
    if size(data) <= limit:
        return answer if data == dumped else type(answer).model_validate(data)
    notes: list[str] = []
    reserve = 200  # for the truncation note itself
    for name in lists:
        items = data.get(name)
        if not isinstance(items, list) or len(items) < 2:
            continue
        total = len(items)
        while len(items) > 1 and size(data) > limit - reserve:
            items.pop()
        if len(items) < total:
            notes.append(f"{name}: {len(items)} of {total} shown")
    for name in texts:
        text = data.get(name)
        over = size(data) - (limit - reserve)
        if not isinstance(text, str) or over <= 0:
            continue
        keep = max(0, len(text) - over - 120)
        cut = text[:keep]
        if "\n" in cut[keep // 2 :]:
            cut = cut[: cut.rindex("\n")]
        data[name] = (
            f"{cut}\n\n… [truncated: {len(cut)} of {len(text)} characters shown; "
            "raise kbtool mcp --max-chars or ask for less]\n"
        )
        notes.append(f"{name}: {len(cut)} of {len(text)} characters shown")
    dropped = 0
    while size(_cap_strings(data, FLOOR)) > limit - reserve:
        nested = _nested_lists(data)
        if not nested:
            break
        max(nested, key=size).pop()  # the biggest loses its last item
        dropped += 1
    if dropped:
        notes.append(f"{dropped} items of nested lists left out")
    if size(data) > limit - reserve:
        low, high = 0, max(1, limit)
        while low < high:  # the largest cap that fits
            mid = (low + high + 1) // 2
            if size(_cap_strings(data, mid)) <= limit - reserve:
                low = mid
            else:
                high = mid - 1
        data = _cap_strings(data, low)
        notes.append(f"strings cut to {low} characters")
    data["truncated"] = True
    data["truncation"] = "; ".join(notes) + f" (limit {limit} characters)"
    return type(answer).model_validate(data)
