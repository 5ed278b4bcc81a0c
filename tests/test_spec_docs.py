"""spec/README.md documents every element and attribute of spec/learning.xsd, and its XML
examples are valid (fragments are checked inside the smallest document that can hold them)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from kbtool.resources import xsd_path
from kbtool.safexml import make_parser

README = Path(__file__).resolve().parent.parent / "spec" / "README.md"
XS = "{http://www.w3.org/2001/XMLSchema}"
# The content of <detectors> is documented in spec/detectors.md.
SEPARATE = {"Detectors"}

METADATA = "<metadata><name>n</name><type>learnings</type><category>C</category></metadata>"
LEARNING = (
    '<learning id="x"><title>t</title><date>2025-01-01</date><category>C</category>'
    "<description>d</description>{}</learning>"
)


def _declared_names() -> set[str]:
    """Element and attribute names reachable from <specification>, detectors' content apart."""
    root = etree.parse(str(xsd_path()), make_parser()).getroot()
    types = {t.get("name"): t for t in root if t.get("name")}
    names: set[str] = set()
    seen: set[str] = set()

    def visit(node: etree._Element) -> None:
        for el in node.iter(f"{XS}element", f"{XS}attribute", f"{XS}extension"):
            if el.get("name"):
                names.add(el.get("name"))
            ref = el.get("type") or el.get("base")
            if ref in types and ref not in seen and ref not in SEPARATE:
                seen.add(ref)
                visit(types[ref])

    visit(root.find(f"{XS}element[@name='specification']"))
    return names


def test_every_element_and_attribute_is_documented() -> None:
    text = README.read_text(encoding="utf-8")
    names = _declared_names()
    assert {"specification", "symptom", "versions", "fix-report", "repair", "line"} <= names
    missing = sorted(n for n in names if f"`{n}`" not in text)
    assert missing == [], f"spec/README.md does not document: {missing}"


def _examples() -> list[str]:
    return re.findall(r"```xml\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def _document(example: str) -> bytes:
    """The smallest valid document around an example."""
    body = re.sub(r"^<\?xml[^>]*\?>\s*", "", example.strip())
    first = etree.fromstring(f"<f>{body}</f>".encode(), make_parser())[0].tag
    if first == "specification":
        return body.encode()
    if first == "metadata":
        return f"<specification>{body}<learnings/></specification>".encode()
    if first == "learnings":
        return f"<specification>{METADATA}{body}</specification>".encode()
    if first == "learning":
        learning = body
    elif first in ("title", "date", "category", "description"):  # replaces the required one
        learning = re.sub(
            rf"<{first}>[^<]*</{first}>", lambda _m: body, LEARNING.format(""), count=1
        )
    elif first == "symptom":
        learning = LEARNING.format(f"<symptoms>{body}</symptoms>")
    else:  # optional children of <learning>
        learning = LEARNING.format(body)
    return f"<specification>{METADATA}<learnings>{learning}</learnings></specification>".encode()


@pytest.mark.parametrize("example", _examples(), ids=lambda e: e.strip().split("\n")[0][:40])
def test_examples_are_valid(example: str) -> None:
    schema = etree.XMLSchema(etree.parse(str(xsd_path()), make_parser()))
    doc = etree.fromstring(_document(example), make_parser())
    assert schema.validate(doc), schema.error_log.filter_from_errors()
