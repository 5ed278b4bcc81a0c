"""Text and paths made safe and short for a terminal: :func:`sanitize`, :func:`display_path`.

Kept apart from :mod:`kbtool.diagnostics` (which re-exports both) so that ``kbtool search``
does not import its dataclass and enum at start-up.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable
from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TextIO

    BIDI_RE: re.Pattern[str]
    INVISIBLE_RE: re.Pattern[str]

# Characters that make text display differently from what it holds (Trojan Source,
# CVE-2021-42574): bidirectional controls reorder it; invisible characters hide in it.
# One home for both lists: validate flags them (KB319, KB320), output escapes them.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
#: Unicode tag characters: each an invisible copy of an ASCII character, so a run of them is
#: text no reader sees and a language model reads ("ASCII smuggling"). Their one proper use
#: is an emoji subdivision flag (U+1F3F4, tag letters, U+E007F CANCEL TAG).
TAG_CHARS = "\U000e0000-\U000e007f"
#: Zero-width and blank characters, joiners, fillers: invisible alone.
INVISIBLE_MARKS = (
    "\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200d\u2028\u2029"
    "\u2060-\u2064\u206a-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb"
)
INVISIBLE = INVISIBLE_MARKS + TAG_CHARS
#: Fullwidth forms of ASCII letters and digits: look like ASCII, are not (flagged, printed).
FULLWIDTH = "\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"
#: The patterns, compiled when first used (their large character classes cost ~1 ms each
#: to compile, and most output is plain ASCII that needs none of them).
_PATTERNS = {
    "BIDI_RE": f"[{BIDI_CONTROLS}]",
    "INVISIBLE_RE": f"[{INVISIBLE}{FULLWIDTH}]",
    "_HIDDEN": f"[{BIDI_CONTROLS}{INVISIBLE}]",
    # What no output stream carries as itself: the hidden characters, and the C1 controls,
    # which XML 1.0 allows in an entry and a terminal obeys (U+009B is CSI, U+009D OSC: a
    # colour, a cleared screen, an OSC 8 link, an OSC 52 write to the clipboard).
    "_UNSAFE_OUT": f"[\\x80-\\x9f{BIDI_CONTROLS}{INVISIBLE}]",
    # C0/C1 controls, and lone surrogates (undecodable bytes in file names) that cannot be
    # printed.
    "_CONTROL": f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\ud800-\\udfff{BIDI_CONTROLS}{INVISIBLE}]",
    # The same, with newline and tab (a path is one line), without the surrogates of
    # undecodable bytes (each caller shows those its own way: ``\xff``, U+FFFD).
    "_PATH_CONTROL": f"[\\x00-\\x1f\\x7f-\\x9f{BIDI_CONTROLS}{INVISIBLE}]",
}
_MAX_MESSAGE = 500


@functools.cache
def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(_PATTERNS[name])


def __getattr__(name: str) -> re.Pattern[str]:
    """``BIDI_RE`` and ``INVISIBLE_RE``, compiled on first use (PEP 562)."""
    if name in ("BIDI_RE", "INVISIBLE_RE"):
        return _pattern(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte, kept by surrogateescape: show the byte
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _escape_json(match: re.Match[str]) -> str:
    """``\\uXXXX``, a surrogate pair beyond the BMP: the same text inside a JSON string."""
    code = ord(match.group())
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def escape_hidden(text: str) -> str:
    """Bidirectional controls, invisible characters and C1 controls written as ``\\uXXXX``
    escapes, the form JSON reads back as the same string (so ``--format json`` stays valid
    JSON)."""
    return text if text.isascii() else _pattern("_UNSAFE_OUT").sub(_escape_json, text)


def escape_visibly(text: str) -> str:
    """What :func:`escape_hidden` escapes, written as visible text (``\\u202e``, six
    characters) that survives a JSON round trip: for answers a program decodes before a
    person or a language model reads them (``kbtool mcp``)."""
    return text if text.isascii() else _pattern("_UNSAFE_OUT").sub(_escape, text)


def visible(data: Any) -> Any:
    """``data`` (JSON-like: dicts, lists, strings) with :func:`escape_visibly` applied to
    every string."""
    if isinstance(data, str):
        return escape_visibly(data)
    if isinstance(data, list):
        return [visible(x) for x in data]
    if isinstance(data, dict):
        return {k: visible(v) for k, v in data.items()}
    return data


class EscapingStream:
    """A text stream that writes :func:`escape_hidden` of everything: wrapped around
    stdout and stderr by the command line, so no output of kbtool shows text reordered or
    hidden. (In JSON a ``\\u202e`` escape inside a string is the same string.)"""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(escape_hidden(text))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def write_command(self, line: str) -> None:
        """A CI runner command kbtool means to give (``--format github``), passed on to the
        stream's own ``write_command`` (:class:`kbtool.cicommands.CommandGuard`) if it has
        one: :func:`kbtool.cicommands.write_command`."""
        line = escape_hidden(line)
        give = getattr(self._stream, "write_command", None)
        if give is not None:
            give(line)
        else:
            self._stream.write(line + "\n")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def sanitize(text: str, limit: int = _MAX_MESSAGE) -> str:
    """Make text safe to echo to a terminal or CI log: escape control characters, cap length."""
    text = text.replace("\n", " ")
    if not (text.isascii() and text.replace("\t", " ").isprintable()):  # else: nothing to escape
        text = _pattern("_CONTROL").sub(_escape, text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def display_path(path: Path | str) -> str:
    """A path as users should see it: relative to the working directory when inside it,
    with control, bidi and invisible characters escaped (:func:`_shown`)."""
    return _shown(_display_path(path))


def _shown(text: str) -> str:
    """A file name is a pull request's text too: ``x\\n::error::y.xml`` put a GitHub
    workflow command at the start of a line of ``kbtool search``, and an ESC or BEL in it
    reached the terminal (an OSC 52 write to the clipboard). Every such character, newline
    and tab included, is written as an escape (``\\x0a``, ``\\x1b``)."""
    if text.isascii() and text.isprintable():
        return text
    return _pattern("_PATH_CONTROL").sub(_escape, text)


def _display_path(path: Path | str) -> str:
    text = os.fspath(path)
    if isinstance(text, str) and text.startswith("/") and os.path.normpath(text) == text:
        # A normalised absolute path (every hit's, every entry's): string prefixes answer it
        # with one getcwd, where Path and relpath take ~50 us (a search prints ten).
        cwd = os.getcwd()  # noqa: PTH109 - a string, no Path
        if text == cwd:
            return "."
        if cwd != "/" and text.startswith(cwd + "/"):
            return text[len(cwd) + 1 :]
        if cwd != "/":
            return text
    p = Path(path)
    try:
        return os.path.relpath(p) if p.is_absolute() and _inside_cwd(p) else os.fsdecode(p)
    except ValueError:
        return os.fsdecode(p)


def _inside_cwd(p: Path) -> bool:
    try:
        p.relative_to(Path.cwd())
    except ValueError:
        return False
    return True
