"""Small typed helpers over lxml nodes, the one place a source line becomes an int.

lxml-stubs types comments as elements and ``sourceline`` loosely; these helpers say what
every reader means. No lxml import: they take the nodes the caller already has.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing is imported for the type checker only (start-up)
if TYPE_CHECKING:
    from lxml import etree


def is_element(node: etree._Element) -> bool:
    """True for an element; False for a comment or a processing instruction."""
    tag: object = node.tag
    return isinstance(tag, str)


def elements(el: etree._Element) -> list[etree._Element]:
    """The element children (no comments or PIs)."""
    return [c for c in el if is_element(c)]


def line_of(node: object) -> int:
    """1-based source line of an lxml node, 0 when unknown."""
    line: object = getattr(node, "sourceline", None)
    return line if isinstance(line, int) else 0


def text_of(el: etree._Element) -> str:
    """All text inside an element (comments and PIs excluded), as written."""
    return "".join(t for t in el.itertext() if isinstance(t, str))


_XML_SPACE = " \t\r\n"


def own_text(el: etree._Element, block: str = "code") -> str:
    """The text of a mixed-content element outside its children: its text and every
    child's tail, comments and PIs left out (``<step><!-- why -->Do X<code>…</code> then
    Y</step>``). Text after a ``block`` child starts a new paragraph, so prose written
    after a code block stays after it; XML white space around the whole is stripped."""
    text = el.text or ""
    for child in el:
        tail = child.tail or ""
        if child.tag == block and tail.strip(_XML_SPACE):
            text = text.rstrip(_XML_SPACE) + "\n\n" + tail.strip(_XML_SPACE)
        else:
            text += tail
    return text.strip(_XML_SPACE)
