"""KB319-KB320: text that displays differently from what it holds.

KB319 (error): a bidirectional control character (U+202E RIGHT-TO-LEFT OVERRIDE and its
kind) anywhere in an entry file's text or attribute values: it reorders what a reader sees
("Trojan Source"). KB320 (warning): an invisible character (zero-width space and joiners,
soft hyphen, tag characters, …) or a fullwidth letter or digit, which hides in or
impersonates ordinary text (search and ``match`` then miss it). The character lists live in
:mod:`kbtool.textsafe`, which also escapes them in all output.
"""

from __future__ import annotations

import functools
import re

from kbtool.validate import FileContext, file_check

MAX_FINDINGS = 20  # per file and code: one hostile file cannot flood the report
_CHAR_REF = re.compile(rb"&#")  # a regular expression finds it 3x faster than `in` here


@functools.cache
def _flagged() -> re.Pattern[str]:
    """Any flagged character; compiled on first use (its large class costs ~1 ms at every
    start, and an ASCII file without character references never needs it)."""
    from kbtool.textsafe import BIDI_CONTROLS, FULLWIDTH, INVISIBLE

    return re.compile(f"[{BIDI_CONTROLS}{INVISIBLE}{FULLWIDTH}]")


def _may_hold_flagged(data: bytes) -> bool:
    """False only when no flagged character can be in the parsed text: most files (no tree walk).

    A character reference (``&#8238;``) spells any character in ASCII bytes, and a file in
    another encoding is judged by its parsed text, so both take the walk.
    """
    if b"#" in data and _CHAR_REF.search(data):  # one byte first: memchr, ~20x faster
        return True
    if data.isascii():
        return False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return _flagged().search(text) is not None


def _named(char: str) -> str:
    import unicodedata

    return f"U+{ord(char):04X} {unicodedata.name(char, 'unnamed character')}"


@file_check
def hidden_text(ctx: FileContext) -> None:
    if not _may_hold_flagged(ctx.data):
        return
    from kbtool.textsafe import BIDI_RE, INVISIBLE_RE  # compiled on first use

    counts = {"KB319": 0, "KB320": 0}
    for el in ctx.root.iter():
        if not isinstance(el.tag, str):
            continue
        texts: list[tuple[str, str | None, str]] = [(el.text or "", None, f"<{el.tag}>")]
        texts += [
            (str(v), str(k), f"the {k!r} attribute of <{el.tag}>") for k, v in el.attrib.items()
        ]
        texts.append((el.tail or "", None, f"the text after <{el.tag}>"))
        for text, attr, where in texts:
            if text.isascii():
                continue
            for code, pattern, what in (
                ("KB319", BIDI_RE, "a bidirectional control: text can display in another order"),
                ("KB320", INVISIBLE_RE, "an invisible or look-alike character"),
            ):
                found = pattern.search(text)
                if found is None or counts[code] >= MAX_FINDINGS:
                    continue
                counts[code] += 1
                ctx.report(el, code, f"{where} holds {_named(found.group())}, {what}", attr=attr)
