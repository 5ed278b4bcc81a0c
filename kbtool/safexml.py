"""Hardened XML loading: capped reads inside the KB root, no DTDs, entities, network or XInclude.

Every problem with one file is returned as ``Diagnostic`` values (codes KB100-KB106) so that
one broken file never stops the others.
"""

from __future__ import annotations

import errno
import re
from pathlib import Path

from kbtool.confine import NotRegular, TooLarge, read_regular
from kbtool.diagnostics import Diagnostic, display_path
from kbtool.records import Record

TYPE_CHECKING = False  # typing is imported for the type checker only (start-up)
if TYPE_CHECKING:
    from typing import Any

    # lxml is imported on first parse: reading files and hashing stay fast
    from lxml import etree


def make_parser() -> etree.XMLParser:
    """The one XML parser kbtool uses: strict, no DTD loading, no entities, no network."""
    from lxml import etree

    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
        remove_comments=False,
        remove_pis=False,
        strip_cdata=False,
        recover=False,
        collect_ids=False,
    )


# The prolog may hold an XML declaration, comments, PIs and white space; a DOCTYPE ends it.
_PROLOG_ITEM = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)


class XmlSource(Record):
    """One XML file: its bytes and parsed root, or the findings that stopped it."""

    __slots__ = _fields = ("path", "display", "data", "root", "diagnostics")
    path: Path
    display: str
    data: bytes
    root: etree._Element | None
    diagnostics: list[Diagnostic]

    def __init__(
        self,
        path: Path,
        display: str,
        data: bytes = b"",
        root: etree._Element | None = None,
        diagnostics: list[Diagnostic] | None = None,
    ) -> None:
        self.path = path
        self.display = display
        self.data = data
        self.root = root
        self.diagnostics = [] if diagnostics is None else diagnostics


def _diag(display: str, code: str, message: str, line: int = 1, col: int = 1) -> Diagnostic:
    return Diagnostic(display, line, col, code, message)


def read_capped(
    path: Path, root: Path, limit: int, *, real: Path | None = None
) -> bytes | Diagnostic:
    """Read a regular file inside ``root``, at most ``limit`` bytes; a Diagnostic otherwise.

    ``real`` is ``path`` resolved, when the caller knows it already (its folder resolved, and
    the file itself seen to be no link): many files of one folder then cost no ``realpath``
    each. It is judged and read like a path resolved here (opened without following a link).
    """
    if real is None:
        try:
            real = path.resolve(strict=True)
        except FileNotFoundError:
            return _refused(path, "KB100", "cannot read: no such file (or a dangling link)")
        except (OSError, RuntimeError) as exc:
            return _refused(path, "KB100", f"cannot read: {_os_reason(exc)}")
    try:
        real.relative_to(root)
    except ValueError:
        return _refused(
            path, "KB104", "refused: the path (or a link in it) leaves the knowledge base root"
        )
    try:
        return read_regular(real, limit)
    except NotRegular:
        return _refused(path, "KB106", "not a regular file (folder, FIFO, device or socket)")
    except TooLarge as exc:
        if exc.grew:
            return _refused(path, "KB105", f"file grew past the {limit}-byte cap while being read")
        return _refused(path, "KB105", f"file is {exc.size} bytes, over the {limit}-byte cap")
    except OSError as exc:
        return _refused(path, "KB100", f"cannot read: {_os_reason(exc)}")


def _refused(path: Path, code: str, message: str) -> Diagnostic:
    """A file that could not be read: the finding names no line (the display path is worked
    out here, not for every file read)."""
    return _diag(display_path(path), code, message, 0, 0)


def _os_reason(exc: BaseException) -> str:
    # pathlib's resolve() raises RuntimeError("Symlink loop from …") before Python 3.13,
    # OSError ELOOP from 3.13 on: the same words for both
    if isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == errno.ELOOP:
        return "symbolic link loop"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return type(exc).__name__


# Encodings the parser recognises without a byte-order mark, by the bytes of "<?" (XML 1.0, F.1).
_BOMLESS = {
    b"\x3c\x00\x3f\x00": "utf-16-le",
    b"\x00\x3c\x00\x3f": "utf-16-be",
    b"\x3c\x00\x00\x00": "utf-32-le",
    b"\x00\x00\x00\x3c": "utf-32-be",
}


def _prolog_bytes(data: bytes) -> bytes:
    """The document as UTF-8-compatible bytes, for looking at its prolog."""
    if data[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"):
        encoding: str | None = "utf-32"
    elif data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        encoding = "utf-16"
    elif data[:3] == b"\xef\xbb\xbf":
        return data[3:]
    else:
        encoding = _BOMLESS.get(data[:4])
    if encoding is None:
        return data
    return data.decode(encoding, errors="replace").encode("utf-8", errors="replace")


def find_doctype(data: bytes) -> int | None:
    """Line of a DOCTYPE declaration in the prolog, or None. UTF-8, UTF-16 and UTF-32, with or
    without a byte-order mark."""
    data = _prolog_bytes(data)
    pos = 0
    while True:
        match = _PROLOG_ITEM.match(data, pos)
        if match is None or match.end() == pos:
            break
        pos = match.end()
    if data.startswith(b"<!DOCTYPE", pos) or data.startswith(b"<!ENTITY", pos):
        return data.count(b"\n", 0, pos) + 1
    return None


_BLANK = b" \t\r\n\xef\xbb\xbf\x00"


def _blank(data: bytes) -> bool:
    """Nothing but white space, byte-order-mark and NUL bytes (the head decides for almost
    every file, without copying the whole of it)."""
    return not data[:256].strip(_BLANK) and not data.strip(_BLANK)


def parse_bytes(data: bytes, display: str) -> tuple[etree._Element | None, list[Diagnostic]]:
    """Parse from memory with the hardened parser. Returns the root, or findings."""
    if _blank(data):
        return None, [_diag(display, "KB102", "empty document")]
    line = find_doctype(data)
    if line is not None:
        return None, [
            _diag(display, "KB103", "DTD/entities not allowed (remove the DOCTYPE)", line, 1)
        ]
    from lxml import etree

    parser = make_parser()
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        return None, _syntax_findings(exc, parser, display)
    docinfo: Any = root.getroottree().docinfo  # lxml-stubs lack DocInfo.doctype
    if docinfo.doctype or docinfo.internalDTD is not None:  # one the prolog scan missed
        return None, [_diag(display, "KB103", "DTD/entities not allowed (remove the DOCTYPE)")]
    return root, []


_CDATA_HINT = "(or put the text in <![CDATA[...]]>)"
#: libxml2's words for the mistakes of XML written by hand, said plainly with what to
#: write instead (a first-day user cannot act on "xmlParseEntityRef: no name").
_PLAIN_SYNTAX: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"xmlParseEntityRef: no name"), "a bare '&' in text: write &amp; " + _CDATA_HINT),
    (
        re.compile(r"EntityRef: expecting ';'"),
        "'&' starts an entity reference that no ';' ends: write a literal '&' as &amp;",
    ),
    (
        re.compile(r"Entity '([^']*)' not defined"),
        r"'&\1;' is not an XML entity: XML has only &amp; &lt; &gt; &quot; &apos; "
        "and numeric references such as &#160;",
    ),
    (
        re.compile(r"StartTag: invalid element name"),
        "a bare '<' in text: write &lt; " + _CDATA_HINT,
    ),
    (
        re.compile(r"Opening and ending tag mismatch: (\S+) line (\d+) and (\S+)"),
        r"<\1> (line \2) is closed by </\3>: make the names agree, or write a '<' in text as &lt;",
    ),
    (
        re.compile(r"Premature end of data in tag (\S+) line (\d+)"),
        r"the file ends before <\1> (line \2) is closed",
    ),
    (
        re.compile(r"Unescaped '<' not allowed in attributes values"),
        "a '<' in an attribute value: write &lt;",
    ),
    (
        re.compile(r"Start tag expected, '<' not found"),
        "not XML: the file does not begin with a tag (kbtool reads learnings as XML files)",
    ),
    (re.compile(r"CData section not finished.*", re.S), "a <![CDATA[ section that no ]]> closes"),
    (
        re.compile(r"Double hyphen within comment.*", re.S),
        "'--' inside a comment: XML does not allow it between <!-- and -->",
    ),
)


def plain_syntax_message(message: str) -> str:
    """libxml2's message for a well-formedness error, in plain words when it is one of the
    usual mistakes; as it is otherwise."""
    for pattern, plain in _PLAIN_SYNTAX:
        found = pattern.fullmatch(message)
        if found:
            return found.expand(plain)
    return message


def _syntax_findings(
    exc: etree.XMLSyntaxError, parser: etree.XMLParser, display: str
) -> list[Diagnostic]:
    # The parser's own log: the exception's log also holds errors of earlier parses.
    findings = []
    for entry in parser.error_log:
        if entry.level_name in ("ERROR", "FATAL"):
            message = plain_syntax_message(entry.message.strip())
            findings.append(_diag(display, "KB101", message, entry.line or 1, max(entry.column, 1)))
    if not findings:
        line, col = exc.position if exc.position else (1, 1)
        findings.append(_diag(display, "KB101", str(exc.msg), line or 1, max(col, 1)))
    return findings[:20]


def load_xml(path: Path, root: Path, limit: int, *, light: bool = False) -> XmlSource:
    """Read (capped, inside ``root``) and parse one XML file. With ``light``, the tree is
    read-only and, when the file allows, built by :mod:`kbtool.lightxml` without lxml."""
    source = XmlSource(path=path, display=display_path(path))
    data = read_capped(path, root, limit)
    if isinstance(data, Diagnostic):
        source.diagnostics.append(data)
        return source
    source.data = data
    if light:
        quick = read_light(data)
        if quick is not None:
            source.root = quick
            return source
    source.root, source.diagnostics = parse_bytes(data, source.display)
    return source


def read_light(data: bytes) -> etree._Element | None:
    """A read-only tree of ``data`` from :mod:`kbtool.lightxml`, which answers as lxml's
    elements do for reading; None when only the hardened lxml parser can read it exactly (or
    must refuse it: a DOCTYPE, a malformed document)."""
    from kbtool import lightxml

    if find_doctype(data) is not None:
        return None
    root = lightxml.parse(data)
    return root  # type: ignore[return-value]  # answers as an lxml element does


def read_fragment(text: str) -> etree._Element | None:
    """Kept-as-is XML (a detector, an extra) parsed for reading; None when it is not
    well-formed or holds a DTD."""
    from kbtool import lightxml

    data = text.encode("utf-8")
    if find_doctype(data) is not None:
        return None
    quick = lightxml.parse(data)
    if quick is not None:
        return quick  # type: ignore[return-value]  # answers as an lxml element does
    from lxml import etree

    try:
        return etree.fromstring(data, make_parser())
    except etree.XMLSyntaxError:
        return None
