"""The id rule, in one place: what an entry id may be.

An id is 1-80 lower-case ASCII letters, digits and ``-``, starting with a letter or digit,
and never a name Windows reserves for a device (``con``, ``prn``, ``aux``, ``nul``,
``com1``-``com9``, ``lpt1``-``lpt9``): ids become file names (fix reports, rendered pages),
and such a file cannot be created or checked out on Windows.

Kept off pydantic so that the validator and the search path can import it cheaply;
:mod:`kbtool.model` re-exports :data:`ID_PATTERN` and :data:`ID_RE`.
"""

from __future__ import annotations

import re

#: The shape alone, for the XSD and JSON Schema (which have no look-ahead).
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,79}$"
RESERVED_NAMES = frozenset(
    {
        "con",
        "prn",
        "aux",
        "nul",
        *(f"com{n}" for n in range(1, 10)),
        *(f"lpt{n}" for n in range(1, 10)),
    }
)
_RESERVED = "|".join(sorted(RESERVED_NAMES))
#: Shape and reserved names; \Z, not $ ("abc\n" is not an id).
ID_RE = re.compile(rf"(?!(?:{_RESERVED})\Z){ID_PATTERN[1:-1]}\Z")


def id_problem(value: str) -> str | None:
    """Why ``value`` is not a valid id (None when it is)."""
    if ID_RE.match(value):
        return None
    if value.lower() in RESERVED_NAMES:
        return f"{value!r} is a device name Windows reserves (ids become file names)"
    return (
        f"{value!r} is not a valid id: use 1-80 lower-case letters, digits and '-', "
        "starting with a letter or digit"
    )
