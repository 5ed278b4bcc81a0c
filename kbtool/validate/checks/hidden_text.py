"""KB319-KB321: text that displays differently from what it holds.

KB319 (error): a bidirectional control character (U+202E RIGHT-TO-LEFT OVERRIDE and its
kind) anywhere in an entry file's text or attribute values: it reorders what a reader sees
("Trojan Source"). KB320 (warning): an invisible character (zero-width space and joiners,
soft hyphen, …) or a fullwidth letter or digit, which hides in or impersonates ordinary
text (search and ``match`` then miss it); a zero-width joiner also has honest uses (emoji
sequences), hence a warning. KB321 (error): Unicode tag characters outside an emoji flag:
hidden ASCII text, which a coding assistant reading the entry (``kbtool mcp``) takes as
text ("ASCII smuggling"); the finding spells it out. The character lists live in
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


def _first_finding(code: str, pattern: re.Pattern[str], text: str) -> str | None:
    """What the finding names: the first flagged character, or (KB321) what the first run of
    tag characters that is not an emoji flag spells."""
    if code != "KB321":
        found = pattern.search(text)
        return None if found is None else _named(found.group())
    for run in pattern.finditer(text):
        spelled = _smuggled(text, run)
        if spelled is not None:
            return (
                f"holds {spelled!r} in Unicode tag characters: text no reader sees and a "
                "language model reads"
            )
    return None


@functools.cache
def _patterns() -> tuple[tuple[str, re.Pattern[str], str], ...]:
    from kbtool.textsafe import BIDI_CONTROLS, FULLWIDTH, INVISIBLE_MARKS, TAG_CHARS

    return (
        (
            "KB319",
            re.compile(f"[{BIDI_CONTROLS}]"),
            "a bidirectional control: text can display in another order",
        ),
        (
            "KB320",
            re.compile(f"[{INVISIBLE_MARKS}{FULLWIDTH}]"),
            "an invisible or look-alike character",
        ),
        ("KB321", re.compile(f"[{TAG_CHARS}]+"), ""),
    )


#: An emoji subdivision flag: a black flag, tag letters and digits, a cancel tag (🏴 + "gbsct").
_FLAG = re.compile("\U0001f3f4[\U000e0030-\U000e0039\U000e0061-\U000e007a]+\U000e007f")


def _smuggled(text: str, run: re.Match[str]) -> str | None:
    """What a run of tag characters spells, None when it is the tail of an emoji flag."""
    start = run.start() - 1
    flag = _FLAG.match(text, start) if start >= 0 else None
    if flag is not None and flag.end() == run.end():
        return None
    spelled = "".join(
        chr(ord(c) - 0xE0000) if 0x20 <= ord(c) - 0xE0000 < 0x7F else "?" for c in run.group()
    )
    return spelled if len(spelled) <= 60 else spelled[:59] + "…"


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
    counts = {"KB319": 0, "KB320": 0, "KB321": 0}
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
            for code, pattern, what in _patterns():
                if counts[code] >= MAX_FINDINGS:
                    continue
                found = _first_finding(code, pattern, text)
                if found is not None:
                    counts[code] += 1
                    message = f"{where} holds {found}, {what}" if what else f"{where} {found}"
                    ctx.report(el, code, message, attr=attr)
