"""Terminal escapes in a log: colours, hyperlinks, CI timestamps. Taken off before a log's
frames (:mod:`kbtool.search.logframe`) and its errors (:mod:`kbtool.search.errortext`) are
read; printing text safely is :mod:`kbtool.textsafe`'s, not this."""

from __future__ import annotations

import re

#: Terminal escapes: control sequences (colours), then the string commands that carry text
#: of their own (OSC hyperlinks and titles, APC such as Buildkite's ``_bk;t=…`` timestamps),
#: then any other two-character escape.
ESCAPES = re.compile(
    r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[\]_P^X][^\x07\x1b]{0,512}(?:\x07|\x1b\\)|\x1b[@-Z\\-_]"
)


def strip_escapes(text: str) -> str:
    """``text`` without terminal escapes (colours, hyperlinks, Buildkite's timestamps)."""
    return ESCAPES.sub("", text)
