"""``kbtool new --from-error``: an error message, traceback or log becomes a new entry's
title and symptom.

The error line is the one :func:`kbtool.search.errortext.message_lines` ranks first (the
same picking ``kbtool match`` does: exception lines before ERROR log lines, the last one of
a traceback first), without the prefixes loggers and pytest put on it. The symptom is that
line as Python printed it; the title is the same line with the exception's module path
dropped (``sqlalchemy.exc.MissingGreenlet: …`` → ``MissingGreenlet: …``), cut at a word
boundary to :data:`MAX_TITLE` characters.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from kbtool.errors import UsageError

MAX_TITLE = 100
_MODULE_PATH = re.compile(r"^(?:[A-Za-z_]\w*\.)+(?=[A-Z]\w*(?::|$))")


class FromError(NamedTuple):
    title: str
    symptom: str
    line: int  # where the error line stood in the input (1-based)


def from_error(text: str) -> FromError:
    """The title and symptom of ``text``; UsageError when it holds no line at all."""
    from kbtool.search.errortext import clean_line, message_lines

    found = message_lines(text, limit=1)
    if not found:
        raise UsageError("{from_error}: no error line in the input", params=("from_error",))
    symptom = clean_line(found[0].text)
    title = _MODULE_PATH.sub("", symptom).strip()
    if len(title) > MAX_TITLE:
        cut = title[: MAX_TITLE - 1].rsplit(" ", 1)[0].rstrip(" ,;:")
        title = cut + "…"
    return FromError(title, symptom, found[0].number)
