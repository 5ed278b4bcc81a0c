"""A small read-only element tree over expat, for reading entries without lxml.

Importing lxml costs more than the rest of ``kbtool show`` together (lxml.etree loads
``inspect``, ``gzip`` and a large extension module). Reading one entry needs none of that:
:mod:`xml.parsers.expat` is part of Python and loads in a fraction of a millisecond.

:func:`parse` builds :class:`Element` objects that answer the part of lxml's element API the
readers use (``tag``, ``text``, ``tail``, ``get``, ``find``, ``findtext``, ``iterchildren``,
``itertext``, ``iter``, ``sourceline``, iteration and ``len``), with lxml's answers: the same
text (CDATA included, an empty CDATA section is ``""``), the same attribute values, and the
line lxml reports (the line where the start tag ends).

It reads only what it can read exactly as the hardened lxml parser
(:func:`kbtool.safexml.make_parser`) would, and answers None for anything else, so the caller
falls back to that parser, which also words the findings: a DOCTYPE or entity declaration,
a comment or processing instruction inside the document element, a namespace, an encoding
other than UTF-8, a document that is not well-formed. ``tests/test_lightxml.py`` compares
the two over the bundled knowledge base and generated entries.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from xml.parsers import expat

__all__ = ["Element", "parse"]


class Element:
    """One element: ``tag``, ``attrib``, ``text``, ``tail``, children, ``sourceline``."""

    __slots__ = ("_at", "_doc", "_line", "attrib", "children", "tag", "tail", "text")

    def __init__(self, tag: str, attrib: dict[str, str], line: int, at: int, doc: bytes) -> None:
        self.tag = tag
        self.attrib = attrib
        self.text: str | None = None
        self.tail: str | None = None
        self.children: list[Element] = []
        self._line = line  # where the start tag begins (expat's count)
        self._at = at  # its byte offset in ``doc``; -1 once ``_line`` is lxml's line
        self._doc = doc

    @property
    def sourceline(self) -> int:
        """The line lxml gives: libxml2 counts the line where the start tag ends (its
        ``>``). Worked out when asked: most elements are never asked."""
        if self._at >= 0:
            tag = _START_TAG.match(self._doc, self._at)
            if tag is not None:
                self._line += self._doc.count(b"\n", self._at, tag.end())
            self._at = -1
        return self._line

    def __repr__(self) -> str:
        return (
            f"<Element {self.tag} at byte {self._at}>" if self._at >= 0 else f"<Element {self.tag}>"
        )

    def __iter__(self) -> Iterator[Element]:
        return iter(self.children)

    def __len__(self) -> int:
        return len(self.children)

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.attrib.get(key, default)

    def iterchildren(self, tag: str | None = None) -> Iterator[Element]:
        """The children, or those named ``tag`` (``"*"``: every element, as in lxml)."""
        if tag is None or tag == "*":
            return iter(self.children)
        return (c for c in self.children if c.tag == tag)

    def find(self, path: str) -> Element | None:
        """The first element at a child path (``"a"``, ``"a/b"``), as lxml's ``find``."""
        found = [self]
        for step in path.split("/"):
            found = [c for el in found for c in el.children if step in (c.tag, "*")]
            if not found:
                return None
        return found[0]

    def findtext(self, path: str, default: str | None = None) -> str | None:
        el = self.find(path)
        if el is None:
            return default
        return el.text or ""

    def iter(self, tag: str | None = None) -> Iterator[Element]:
        """This element and its descendants, in document order."""
        stack = [self]
        while stack:
            el = stack.pop()
            if tag is None or tag in (el.tag, "*"):
                yield el
            stack.extend(reversed(el.children))

    def to_xml(self) -> str:
        """The element as XML text without its tail, which parses back to the same tree."""
        out: list[str] = []
        self._write(out)
        return "".join(out)

    def _write(self, out: list[str]) -> None:
        out.append("<" + self.tag)
        for name, value in self.attrib.items():
            out.append(f' {name}="{_escape(value, _ATTR)}"')
        if self.text is None and not self.children:
            out.append("/>")
            return
        out.append(">")
        if self.text is not None:  # "" (an empty CDATA section) must stay "", not None
            out.append(_escape(self.text, _TEXT) if self.text else "<![CDATA[]]>")
        for child in self.children:
            child._write(out)
            if child.tail is not None:
                out.append(_escape(child.tail, _TEXT) if child.tail else "<![CDATA[]]>")
        out.append(f"</{self.tag}>")

    def itertext(self) -> Iterator[str]:
        """The text inside, in document order (texts and the tails of descendants)."""
        stack: list[Element | str] = [self]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                yield item
                continue
            if item.text is not None:
                yield item.text
            for child in reversed(item.children):
                if child.tail is not None:
                    stack.append(child.tail)
                stack.append(child)


_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTR = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\r": "&#13;",
        "\n": "&#10;",
        "\t": "&#9;",
    }
)


def _escape(text: str, table: dict[int, str]) -> str:
    return text.translate(table)


class _Unsure(Exception):
    """The document holds something only the full parser reads exactly."""


_ENCODING = re.compile(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)")
# A start tag, as expat has already checked it: name, attributes, an optional "/".
_START_TAG = re.compile(rb"""<[^\s/>]+(?:\s+[^\s=]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*/?>""")
MAX_BYTES = 4 * 1024 * 1024  # larger documents go to lxml (its size limits apply)
MAX_DEPTH = 200  # below libxml2's 256 without XML_PARSE_HUGE: deeper goes to lxml


def parse(data: bytes) -> Element | None:
    """The document element of ``data``, or None when the full parser must read it."""
    if len(data) > MAX_BYTES or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return None
    if data.count(b"\r") != data.count(b"\r\n"):
        return None  # a lone CR is a new line to expat, not to libxml2's line numbers
    if data.startswith(b"<?xml"):  # UTF-8 only: other encodings are lxml's (libxml2's iconv)
        declared = _ENCODING.match(data)
        if declared and declared.group(1).lower() not in (b"utf-8", b"utf8", b"us-ascii"):
            return None
    builder = _Builder(data)
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    builder.parser = parser
    parser.buffer_text = True
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    parser.StartCdataSectionHandler = builder.cdata
    parser.CommentHandler = builder.comment
    parser.ProcessingInstructionHandler = builder.instruction
    parser.StartDoctypeDeclHandler = builder.refuse
    parser.EntityDeclHandler = builder.refuse
    parser.ExternalEntityRefHandler = builder.refuse
    parser.SkippedEntityHandler = builder.refuse
    try:
        parser.Parse(data, True)
    except (expat.ExpatError, _Unsure, LookupError, ValueError):
        return None
    return builder.root


class _Builder:
    def __init__(self, data: bytes) -> None:
        self.doc = data
        self.parser: expat.XMLParserType | None = None
        self.root: Element | None = None
        self.stack: list[Element] = []
        self.last: Element | None = None  # the element whose tail the next text is

    def refuse(self, *args: object) -> int:
        raise _Unsure

    def comment(self, text: str) -> None:
        if self.stack or self.root is not None:
            raise _Unsure  # lxml keeps comments as nodes inside the tree

    def instruction(self, target: str, data: str) -> None:
        if self.stack or self.root is not None:
            raise _Unsure

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if ":" in tag or (attrib and any(":" in name or name == "xmlns" for name in attrib)):
            raise _Unsure  # namespaces: lxml names them {uri}tag
        stack = self.stack
        if len(stack) >= MAX_DEPTH:
            raise _Unsure
        parser = self.parser
        assert parser is not None
        el = Element(tag, attrib, parser.CurrentLineNumber, parser.CurrentByteIndex, self.doc)
        if stack:
            stack[-1].children.append(el)
        elif self.root is None:
            self.root = el
        stack.append(el)
        self.last = None

    def end(self, tag: str) -> None:
        self.last = self.stack.pop()

    def data(self, text: str) -> None:
        if not self.stack:
            return  # white space around the document element
        if self.last is None:
            el = self.stack[-1]
            el.text = (el.text or "") + text
        else:
            self.last.tail = (self.last.tail or "") + text

    def cdata(self) -> None:
        if not self.stack:
            return
        if self.last is None:  # an empty CDATA section still makes the text ""
            el = self.stack[-1]
            el.text = el.text or ""
        else:
            self.last.tail = self.last.tail or ""
