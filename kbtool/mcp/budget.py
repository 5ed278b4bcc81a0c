"""Keep each answer within a size limit, and say what was cut.

The limit counts the characters of the answer's JSON (its structured content; the text
content the server sends beside it is that JSON, or the Markdown inside it). Lists lose
their last items first (the best come first), then long texts are cut at the end, then, for
an answer still too big, every string is capped. The answer says ``truncated: true`` and
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


def _cap_strings(data: Any, most: int) -> Any:
    if isinstance(data, str):
        return data if len(data) <= most else data[:most] + "…"
    if isinstance(data, list):
        return [_cap_strings(x, most) for x in data]
    if isinstance(data, dict):
        return {k: _cap_strings(v, most) for k, v in data.items()}
    return data


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
