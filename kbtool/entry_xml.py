"""Convert between XML elements and the Pydantic models, and write canonical XML.

Reading strips XML white space (space, tab, CR, LF; not other Unicode spaces) around the
text of text elements and collapses token attributes; ``<code>`` text, other attribute values
and kept-as-is XML (detectors, extras) are kept verbatim. Writing produces the canonical
layout (element order of the XSD, two-space indentation, UTF-8, LF line endings).
"""

from __future__ import annotations

import datetime as dt
import re

from kbtool import fields
from kbtool.safexml import find_doctype, make_parser
from kbtool.xmlnodes import own_text

TYPE_CHECKING = False  # typing is imported for the type checker only (start-up)
if TYPE_CHECKING:
    from typing import Any

    # pydantic and lxml stay off the path of plain reading (kbtool show)
    from lxml import etree

    from kbtool.model import CategoryFile, Learning, Metadata, Provenance

INDENT = "  "
XML_SPACE = " \t\r\n"
_XML_SPACE_RUN = re.compile("[ \t\r\n]+")
# Elements whose children are kept-as-is XML: never re-indented, so they round-trip verbatim.
RAW_CONTAINERS = frozenset({"detectors", "extras"})


def _text(el: etree._Element | None) -> str:
    if el is None:
        return ""
    return "".join(str(t) for t in el.itertext()).strip(XML_SPACE)


def _token(value: str | None) -> str | None:
    """An xs:token attribute value as the XSD sees it: white space collapsed."""
    return None if value is None else _XML_SPACE_RUN.sub(" ", value).strip(" ")


def _child(el: etree._Element, name: str) -> etree._Element | None:
    return el.find(name)


def _list_items(el: etree._Element, key: str) -> list[str]:
    """The texts of a list field's items (``<tags><tag>…``), named by the vocabulary."""
    f = fields.BY_KEY[key]
    box = el.find(f.xml)
    if box is None:
        return []
    return [_text(c) for c in box.iterchildren(f.item)]


def _raw(el: etree._Element) -> str:
    """Kept-as-is XML of an element, without its tail."""
    to_xml = getattr(el, "to_xml", None)
    if to_xml is not None:  # read by kbtool.lightxml: no lxml needed
        text: str = to_xml()
        return text
    from lxml import etree

    clone = etree.fromstring(etree.tostring(el), make_parser())
    clone.tail = None
    return etree.tostring(clone, encoding="unicode")


def _from_raw(raw: str) -> etree._Element:
    """Parse kept-as-is XML from a model with the hardened parser; no DTD or entities."""
    from lxml import etree

    data = raw.encode("utf-8")
    if find_doctype(data) is not None:
        raise ValueError("DTD/entities not allowed in kept-as-is XML")
    return etree.fromstring(data, make_parser())


def _date(text: str) -> dt.date | str:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return text


def learning_data(el: etree._Element) -> dict[str, Any]:
    """Plain data of a ``<learning>`` element, ready for ``Learning.model_validate``."""
    data: dict[str, Any] = {"id": el.get("id", "")}
    if el.get("severity") is not None:
        data["severity"] = _token(el.get("severity"))
    if el.get("status") is not None:
        data["status"] = _token(el.get("status"))
    if el.get("versions"):
        data["versions"] = el.get("versions")
    for name in ("title", "category", "description"):
        data[name] = _text(_child(el, name))
    if el.find("date") is not None:  # no <date>: the date is unknown
        data["date"] = _date(_text(_child(el, "date")))
    data["tags"] = _list_items(el, "tags")
    symptoms = el.find("symptoms")
    data["symptoms"] = [
        {"text": _text(s), **({"versions": s.get("versions")} if s.get("versions") else {})}
        for s in (symptoms.iterchildren("symptom") if symptoms is not None else ())
    ]
    data["root_causes"] = _list_items(el, "root_causes")
    whys = el.find("five-whys")
    data["five_whys"] = [
        {"question": _text(w.find("question")), "answer": _text(w.find("answer"))}
        for w in (whys.iterchildren("why") if whys is not None else ())
    ]
    solution = el.find("solution")
    data["solution"] = [
        {
            "text": own_text(s),
            "code": [
                {
                    "text": c.text or "",
                    "lang": c.get("lang"),
                    **{k: c.get(k) for k in ("file", "kind") if c.get(k) is not None},
                }
                for c in s.iterchildren("code")
            ],
            **({"title": s.get("title")} if s.get("title") is not None else {}),
        }
        for s in (solution.iterchildren("step") if solution is not None else ())
    ]
    data["files_modified"] = _list_items(el, "files_modified")
    data["verification"] = _list_items(el, "verification")
    data["prevention"] = _list_items(el, "prevention")
    data["test_cases"] = [_text(t) for t in el.iterchildren("test-case")]
    refs = el.find("references")
    data["references"] = [
        {
            "kind": r.tag,
            "target": r.get("ref") if r.tag == "learning" else r.get("href"),
            "label": _text(r),
        }
        for r in (refs.iterchildren() if refs is not None else ())
        if isinstance(r.tag, str)
    ]
    data["supersedes"] = [s.get("ref", "") for s in el.iterchildren("supersedes")]
    review = _child(el, "review-by")
    if review is not None:
        data["review_by"] = _date(_text(review))
    detectors = el.find("detectors")
    data["detectors"] = [
        _raw(d) for d in (detectors.iterchildren("detector") if detectors is not None else ())
    ]
    extras = el.find("extras")
    data["extras"] = [
        _raw(x)
        for x in (extras.iterchildren() if extras is not None else ())
        if isinstance(x.tag, str)
    ]
    prov = el.find("provenance")
    if prov is not None:
        data["provenance"] = {
            "source": prov.get("source", ""),
            "xpath": prov.get("xpath"),
            "originals": [
                {"field": o.get("field", ""), "value": o.text or ""}
                for o in prov.iterchildren("original")
            ],
            "repairs": [
                {"line": int(r.get("line") or 0) or None, "text": r.text or ""}
                for r in prov.iterchildren("repair")
            ],
        }
    return data


def learning_from_element(el: etree._Element) -> Learning:
    from kbtool.model import Learning

    return Learning.model_validate(learning_data(el))


def metadata_from_element(el: etree._Element) -> Metadata:
    data: dict[str, Any] = {}
    for name in ("name", "type", "category", "version", "description"):
        child = el.find(name)
        if child is not None:
            data[name] = _text(child)
    updated = el.find("last_updated")
    if updated is not None:
        data["last_updated"] = _date(_text(updated))
    from kbtool.model import Metadata

    return Metadata.model_validate(data)


def file_from_element(root: etree._Element) -> CategoryFile:
    from lxml import etree

    from kbtool.model import CategoryFile

    meta = root.find("metadata")
    box = root.find("learnings")
    return CategoryFile(
        schema_version=_token(root.get("schema-version")) or "1",
        metadata=metadata_from_element(meta if meta is not None else etree.Element("metadata")),
        learnings=[
            learning_from_element(e)
            for e in (box.iterchildren("learning") if box is not None else ())
        ],
    )


# ------------------------------------------------------------------ writing


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    from lxml import etree

    el = etree.SubElement(parent, tag, {k.replace("_", "-"): v for k, v in attrs.items()})
    if text:  # "" is written <tag/>, as a parser reads it back: kbtool fmt leaves it alone
        el.text = text
    return el


def _list(parent: etree._Element, key: str, values: list[str]) -> None:
    if values:
        f = fields.BY_KEY[key]
        box = _sub(parent, f.xml)
        for v in values:
            _sub(box, f.item or "", v)


def learning_to_element(learning: Learning) -> etree._Element:
    """Build the canonical ``<learning>`` element for a model."""
    from lxml import etree

    attrs = {"id": learning.id}
    if learning.severity is not None:
        attrs["severity"] = learning.severity.value
    if learning.status.value != "active":
        attrs["status"] = learning.status.value
    if learning.versions:
        attrs["versions"] = learning.versions
    el = etree.Element("learning", attrs)
    _sub(el, "title", learning.title)
    if learning.date is not None:
        _sub(el, "date", learning.date.isoformat())
    _sub(el, "category", learning.category)
    _sub(el, "description", learning.description)
    _list(el, "tags", learning.tags)
    if learning.symptoms:
        box = _sub(el, "symptoms")
        for s in learning.symptoms:
            sym = _sub(box, "symptom", s.text)
            if s.versions:
                sym.set("versions", s.versions)
    _list(el, "root_causes", learning.root_causes)
    if learning.five_whys:
        box = _sub(el, "five-whys")
        for w in learning.five_whys:
            why = _sub(box, "why")
            _sub(why, "question", w.question)
            _sub(why, "answer", w.answer)
    if learning.solution:
        box = _sub(el, "solution")
        for step in learning.solution:
            s_el = _sub(box, "step", step.text)
            if step.title is not None:
                s_el.set("title", step.title)
            for code in step.code:
                c_el = _sub(s_el, "code", code.text)
                if code.lang is not None:
                    c_el.set("lang", code.lang)
                if code.file is not None:
                    c_el.set("file", code.file)
                if code.kind is not None:
                    c_el.set("kind", code.kind)
    _list(el, "files_modified", learning.files_modified)
    _list(el, "verification", learning.verification)
    _list(el, "prevention", learning.prevention)
    for case in learning.test_cases:
        _sub(el, "test-case", case)
    if learning.references:
        box = _sub(el, "references")
        for ref in learning.references:
            key = "ref" if ref.kind == "learning" else "href"
            _sub(box, ref.kind, ref.label or None, **{key: ref.target})
    for ref_id in learning.supersedes:
        _sub(el, "supersedes", ref=ref_id)
    if learning.review_by is not None:
        _sub(el, "review-by", learning.review_by.isoformat())
    if learning.detectors:
        box = _sub(el, "detectors")
        for raw in learning.detectors:
            box.append(_from_raw(raw))
    if learning.extras:
        box = _sub(el, "extras")
        for raw in learning.extras:
            box.append(_from_raw(raw))
    if learning.provenance is not None:
        el.append(provenance_to_element(learning.provenance))
    return el


def provenance_to_element(prov: Provenance) -> etree._Element:
    from lxml import etree

    el = etree.Element("provenance", {"source": prov.source})
    if prov.xpath is not None:
        el.set("xpath", prov.xpath)
    for o in prov.originals:
        _sub(el, "original", o.value, field=o.field)
    for r in prov.repairs:
        rep = _sub(el, "repair", r.text)
        if r.line is not None:
            rep.set("line", str(r.line))
    return el


def metadata_to_element(meta: Metadata) -> etree._Element:
    from lxml import etree

    el = etree.Element("metadata")
    _sub(el, "name", meta.name)
    _sub(el, "type", meta.type)
    _sub(el, "category", meta.category)
    if meta.version is not None:
        _sub(el, "version", meta.version)
    if meta.last_updated is not None:
        _sub(el, "last_updated", meta.last_updated.isoformat())
    if meta.description is not None:
        _sub(el, "description", meta.description)
    return el


def file_to_element(doc: CategoryFile) -> etree._Element:
    from lxml import etree

    root = etree.Element("specification", {"schema-version": doc.schema_version})
    root.append(metadata_to_element(doc.metadata))
    box = _sub(root, "learnings")
    for learning in doc.learnings:
        box.append(learning_to_element(learning))
    return root


def _element_only(el: etree._Element) -> bool:
    if len(el) == 0 or (el.text is not None and el.text.strip(XML_SPACE)):
        return False
    return all(c.tail is None or not c.tail.strip(XML_SPACE) for c in el)


def indent(el: etree._Element, level: int = 0, *, unit: str = INDENT, base: str = "") -> None:
    """Indent element-only content in place; text and mixed content are left untouched.

    Each line starts with ``base`` and then ``unit`` once per level (kbwrite passes the
    indentation of the file it writes into)."""
    if not _element_only(el):
        return
    inner = "\n" + base + unit * (level + 1)
    el.text = inner
    children = list(el)
    for child in children:
        child.tail = inner
        if el.tag not in RAW_CONTAINERS:
            indent(child, level + 1, unit=unit, base=base)
    children[-1].tail = "\n" + base + unit * level


# lxml writes every '>' of text as '&gt;'; canonical XML keeps '>' as written (code reads
# "->", not "-&gt;"), except after ']]' where XML requires the escape. Comments, CDATA and
# processing instructions are never touched.
_GT_OUTSIDE_MARKUP = re.compile(
    r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|(?<!\]\])&gt;", re.DOTALL
)


def serialize(node: etree._Element) -> str:
    """One node as canonical XML text (without its tail): ``>`` stays ``>`` in text."""
    from lxml import etree

    text = etree.tostring(node, encoding="unicode", with_tail=False)
    if "&gt;" not in text:
        return text
    return _GT_OUTSIDE_MARKUP.sub(lambda m: ">" if m.group() == "&gt;" else m.group(), text)


def to_bytes(root: etree._Element) -> bytes:
    """Canonical bytes of a document: declaration, indented elements, trailing newline."""
    indent(root)
    body = serialize(root)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")


def dump_file(doc: CategoryFile) -> bytes:
    return to_bytes(file_to_element(doc))
