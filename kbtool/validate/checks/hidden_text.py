"""KB319-KB320: text that displays differently from what it holds.

KB319 (error): a bidirectional control character (U+202E RIGHT-TO-LEFT OVERRIDE and its
kind) anywhere in an entry file's text or attribute values: it reorders what a reader sees
("Trojan Source"). KB320 (warning): an invisible character (zero-width space and joiners,
soft hyphen, tag characters, …) or a fullwidth letter or digit, which hides in or
impersonates ordinary text (search and ``match`` then miss it). The character lists live in
:mod:`kbtool.textsafe`, which also escapes them in all output.
"""

from __future__ import annotations

import unicodedata

from kbtool.textsafe import BIDI_RE, INVISIBLE_RE
from kbtool.validate import FileContext, file_check

MAX_FINDINGS = 20  # per file and code: one hostile file cannot flood the report
# UTF-8 lead bytes of every character flagged here: most files contain none (no tree walk).
_LEADS = (b"\xc2\xad", b"\xcd\x8f", b"\xd8\x9c", b"\xe1", b"\xe2\x80", b"\xe2\x81", b"\xe3\x85")
_LEADS_MORE = (b"\xef\xbb\xbf", b"\xef\xbc", b"\xef\xbd", b"\xef\xbe", b"\xef\xbf", b"\xf3\xa0")


def _named(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, 'unnamed character')}"


@file_check
def hidden_text(ctx: FileContext) -> None:
    data = ctx.data
    utf8 = not data[:4].startswith((b"\xff\xfe", b"\xfe\xff")) and b"\x00" not in data[:4]
    if utf8 and not any(lead in data for lead in (*_LEADS, *_LEADS_MORE)):
        return
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
