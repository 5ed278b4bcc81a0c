"""Small typed helpers over lxml nodes (lxml-stubs types comments as elements)."""

from __future__ import annotations

from lxml import etree


def is_element(node: etree._Element) -> bool:
    """True for an element; False for a comment or a processing instruction."""
    tag: object = node.tag
    return isinstance(tag, str)


def elements(el: etree._Element) -> list[etree._Element]:
    """The element children (no comments or PIs)."""
    return [c for c in el if is_element(c)]


def line_of(node: etree._Element) -> int:
    """1-based source line, 0 when unknown."""
    line: object = node.sourceline
    return line if isinstance(line, int) else 0


def text_of(el: etree._Element) -> str:
    """All text inside an element (comments and PIs excluded), as written."""
    return "".join(t for t in el.itertext() if isinstance(t, str))
