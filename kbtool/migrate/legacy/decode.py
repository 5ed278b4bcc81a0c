"""Bytes of a legacy file → text, by explicit rules only; never a silent guess.

Order: a byte-order mark (UTF-8, UTF-16 LE/BE); else UTF-16 without one, told by the
first characters ``<?`` (XML 1.0, appendix F); else the encoding the XML declaration names;
else UTF-8. A declaration the bytes contradict is not followed: ``UTF-16`` read in single
bytes is UTF-8, and a single-byte ``ISO-8859-1``/``windows-1252`` whose bytes are valid UTF-8
with multi-byte characters is UTF-8 (read as declared, ``Müller`` would be ``MÃ¼ller``);
both are noted. A file that is not valid in that encoding is an error, unless the user
named a fallback (``--encoding latin-1``): then it is decoded with that and the fact is
recorded. The declaration in the returned text is rewritten to say UTF-8, so the text can
be parsed as UTF-8 bytes; line numbers never change.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

_DECLARATION = re.compile(r"""^(\s*<\?xml\b[^>]*?\bencoding\s*=\s*)(["'])([A-Za-z0-9._\-]+)\2""")
_DECLARED = re.compile(rb"""^\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._\-]+)["']""")
_NO_BOM_UTF16 = ((b"\x00<\x00?", "utf-16-be"), (b"<\x00?\x00", "utf-16-le"))
_SINGLE_BYTE = ("iso8859", "latin", "cp125", "cp437", "cp850", "mac-", "windows-125")


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # the codec used, e.g. "utf-8", "utf-16-le", "latin-1"
    bom: bool
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DecodeError:
    line: int
    col: int
    message: str


def _position(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    col = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return line, col


def _codec(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _contradicted(name: str, codec: str, body: bytes, notes: list[str]) -> str:
    """The codec to read ``body`` with, when its declaration names ``codec``."""
    if codec.startswith(("utf-16", "utf-32")):  # the declaration itself was single bytes
        notes.append(f"declares {name} but is written in single bytes: read as UTF-8")
        return "utf-8"
    if codec.startswith(_SINGLE_BYTE) and max(body, default=0) >= 0x80:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return codec
        notes.append(f"declares {name} but its bytes are UTF-8: read as UTF-8")
        return "utf-8"
    return codec


def decode(data: bytes, fallback: str | None = None) -> Decoded | DecodeError:
    """Decode one legacy file; see the module docstring for the rules."""
    notes: list[str] = []
    bom = False
    if data.startswith(codecs.BOM_UTF8):
        encoding, body, bom = "utf-8", data[3:], True
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16-le" if data.startswith(codecs.BOM_UTF16_LE) else "utf-16-be"
        body, bom = data[2:], True
    elif sniffed := next((c for start, c in _NO_BOM_UTF16 if data.startswith(start)), None):
        encoding, body = sniffed, data
        notes.append(f"no byte-order mark: {sniffed} told by the first characters '<?'")
    else:
        body = data
        declared = _DECLARED.match(data)
        encoding = "utf-8"
        if declared:
            name = declared.group(1).decode("ascii")
            codec = _codec(name)
            if codec is None:
                return DecodeError(1, 1, f"unknown encoding {name!r} in the XML declaration")
            encoding = _contradicted(name, codec, body, notes)
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        offset = exc.start + (len(data) - len(body))
        line, col = _position(data, offset)
        if fallback is None:
            return DecodeError(
                line,
                col,
                f"not valid {encoding} (byte 0x{body[exc.start]:02x}); if the file uses another "
                "encoding, name it with --encoding (e.g. --encoding latin-1)",
            )
        codec = _codec(fallback)
        if codec is None:
            return DecodeError(1, 1, f"unknown encoding {fallback!r} (--encoding)")
        try:
            text = body.decode(codec)
        except UnicodeDecodeError as again:
            line, col = _position(data, again.start)
            return DecodeError(line, col, f"not valid {encoding}, nor {codec} (--encoding)")
        notes.append(
            f"not valid {encoding} at line {line}, column {col}: decoded as {codec} (--encoding)"
        )
        encoding = codec
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # as any XML parser reads them
    match = _DECLARATION.match(text)
    if match and _codec(match.group(3)) != "utf-8":
        text = f"{match.group(1)}{match.group(2)}UTF-8{match.group(2)}" + text[match.end() :]
    return Decoded(text=text, encoding=encoding, bom=bom, notes=notes)
