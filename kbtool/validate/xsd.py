"""The XSD layer (KB2xx): validate against the bundled schema, map libxml2 errors to codes.

libxml2's messages are turned into a few stable codes with short messages:

- KB200 the root element is not ``<specification>`` (or is in a namespace)
- KB201 an element that is not allowed here (unknown, misplaced or out of order)
- KB202 a required child element is missing
- KB203 an invalid value (pattern, enumeration, length, data type, fixed value)
- KB204 an attribute that is not allowed
- KB205 a required attribute is missing
- KB206 text where only elements are allowed
- KB209 any other schema violation (libxml2's message, sanitised)

Values that a KB3xx check examines more precisely (ids and refs, dates, ``schema-version``,
symptom ``versions``, entry ids and tags that must be unique) are left to that check.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

from lxml import etree

from kbtool.resources import xsd_path
from kbtool.safexml import make_parser

Finding = tuple[int, int, str, str]
Locate = Callable[[Any, "str | None"], tuple[int, int]]

# (element, attribute) whose values KB3xx checks own; attribute None means the element text.
OWNED_VALUES = {
    ("learning", "id"),
    ("learning", "ref"),
    ("supersedes", "ref"),
    ("specification", "schema-version"),
    ("symptom", "versions"),
    ("learning", "versions"),
    ("date", None),
    ("last_updated", None),
    ("review-by", None),
}
# xs:unique constraints whose duplicates a KB3xx check reports (naming both places).
OWNED_UNIQUE = {"uniqueLearningId", "uniqueTag"}
# Simple types that only OWNED_VALUES use: the quick schema takes any text for them.
OWNED_TYPES = {"IdType", "Date", "SchemaVersion"}
XS = "http://www.w3.org/2001/XMLSchema"

_PREFIX = re.compile(
    r"^Element '(?P<el>[^']*)'(?:, attribute '(?P<attr>[^']*)')?: (?P<rest>.*)$", re.S
)
_EXPECTED = re.compile(r"Expected is (?:one of )?\( (?P<names>[^)]*) \)")
_VALUE_TYPES = (
    "SCHEMAV_CVC_PATTERN_VALID",
    "SCHEMAV_CVC_ENUMERATION_VALID",
    "SCHEMAV_CVC_MINLENGTH_VALID",
    "SCHEMAV_CVC_MAXLENGTH_VALID",
    "SCHEMAV_CVC_LENGTH_VALID",
    "SCHEMAV_CVC_DATATYPE_VALID_1_2_1",
    "SCHEMAV_CVC_DATATYPE_VALID_1_2_2",
    "SCHEMAV_CVC_DATATYPE_VALID_1_2_3",
    "SCHEMAV_CVC_ELT_5_2_2_2_1",
    "SCHEMAV_CVC_ELT_5_2_2_2_2",
    "SCHEMAV_CVC_MININCLUSIVE_VALID",
    "SCHEMAV_CVC_MAXINCLUSIVE_VALID",
    "SCHEMAV_CVC_TOTALDIGITS_VALID",
    "SCHEMAV_CVC_FRACTIONDIGITS_VALID",
    "SCHEMAV_CVC_ATTRIBUTE_3",
    "SCHEMAV_CVC_ELT_4_2",
    "SCHEMAV_CVC_TYPE_2",
    "SCHEMAV_CVC_TYPE_3_1_1",
    "SCHEMAV_CVC_VC_VALID",
)
_NON_EMPTY = r"[\s\S]*\S[\s\S]*"


def schema_tree() -> etree._ElementTree:
    """The bundled XSD as a document."""
    return etree.parse(str(xsd_path()), make_parser())


def quick_schema_tree() -> etree._ElementTree:
    """The bundled XSD without the ``xs:unique`` constraints of :data:`OWNED_UNIQUE`, and
    with the simple types of :data:`OWNED_TYPES` taking any text."""
    tree = schema_tree()
    for unique in list(tree.iter(f"{{{XS}}}unique")):
        parent = unique.getparent()
        if unique.get("name") in OWNED_UNIQUE and parent is not None:
            parent.remove(unique)
    for simple in tree.iter(f"{{{XS}}}simpleType"):
        if simple.get("name") in OWNED_TYPES:
            for child in list(simple):
                simple.remove(child)
            etree.SubElement(simple, f"{{{XS}}}restriction", base="xs:string")
    return tree


@cache
def schema() -> etree.XMLSchema:
    """The bundled XSD, parsed once per process."""
    return etree.XMLSchema(schema_tree())


@cache
def quick_schema() -> etree.XMLSchema:
    """The bundled XSD without what only makes findings :func:`check` drops.

    The KB3xx checks report duplicate ids and tags (naming both places), yet libxml2's
    identity-constraint tables cost half the validation. A document this schema finds valid
    gets no kept finding from the whole XSD either: the dropped constraints' fields (``@id``,
    a ``<tag>``'s text) are single simple values, so their only errors are duplicates and
    "no precomputed value", both dropped by :func:`check`. Likewise the values of the types
    only owned values use (ids and refs, dates, ``schema-version``: another ~13% of the
    validation) are left to the KB3xx checks, so their patterns and date parsing are skipped;
    they stay simple types, so an element in one is still a finding. A document this schema
    finds invalid is validated again with :func:`schema`, whose errors are mapped as ever
    (tests/test_validate_quick_schema.py holds the two ways equal)."""
    return etree.XMLSchema(quick_schema_tree())


def check(root: Any, locate: Locate) -> list[Finding]:
    """Validate ``root``'s document; return findings (empty when valid)."""
    if root.tag != "specification":
        return [_wrong_root(root, locate)]
    document = root.getroottree()
    if quick_schema().validate(document):
        return []
    xsd = schema()
    if xsd.validate(document):
        return []
    findings: list[Finding] = []
    seen: set[tuple[str, int, str, str | None]] = set()
    log: Any = xsd.error_log  # lxml-stubs: _ErrorLog is not declared iterable
    for entry in log:
        finding = _map(entry, root, locate)
        if finding is None:
            continue
        code, line, col, message, el, attr = finding
        key = (entry.path or "", line, code, attr if attr else el)
        if key in seen:  # e.g. minLength and pattern on the same empty value
            continue
        seen.add(key)
        findings.append((line, col, code, message))
    return findings


def _wrong_root(root: Any, locate: Locate) -> Finding:
    qname = etree.QName(root)
    where = f" in namespace '{qname.namespace}'" if qname.namespace else ""
    line, col = locate(root, None)
    return (
        line,
        col or 1,
        "KB200",
        f"root element is <{qname.localname}>{where}; expected <specification> (no namespace)",
    )


def _node(root: Any, path: str | None) -> Any:
    if not path:
        return None
    try:
        found = root.getroottree().xpath(path)
    except (etree.XPathError, ValueError):
        return None
    return (
        found[0]
        if isinstance(found, list) and found and isinstance(found[0], etree._Element)
        else None
    )


def _map(
    entry: Any, root: Any, locate: Locate
) -> tuple[str, int, int, str, str, str | None] | None:
    message = " ".join(str(entry.message).split())
    m = _PREFIX.match(message)
    el, attr, rest = (m.group("el"), m.group("attr"), m.group("rest")) if m else ("", None, message)
    kind = entry.type_name
    node = _node(root, entry.path)
    line, col = locate(node, attr) if node is not None else (entry.line or 0, 0)
    if not line:
        line = entry.line or 0
    local = el.rpartition("}")[2]

    def out(code: str, text: str) -> tuple[str, int, int, str, str, str | None]:
        return code, line, col, text, local, attr

    if kind == "SCHEMAV_CVC_IDC":
        unique = re.search(r"identity-constraint '([^']*)'", rest)
        if "No precomputed value" in rest or (unique and unique.group(1) in OWNED_UNIQUE):
            return None
        return out("KB209", f"<{local}>: {_clean(rest)}")
    if kind == "SCHEMAV_CVC_ELT_1":
        return out("KB200", f"root element is <{local}>; expected <specification>")
    if kind in ("SCHEMAV_ELEMENT_CONTENT", "SCHEMAV_CVC_COMPLEX_TYPE_2_4"):
        expected = _expected(rest)
        if "Missing child" in rest:
            return out("KB202", f"<{local}> is missing a required child element{expected}")
        parent = node.getparent() if node is not None else None
        inside = f" in <{parent.tag}>" if parent is not None and isinstance(parent.tag, str) else ""
        return out("KB201", f"element <{local}> is not allowed here{inside}{expected}")
    if kind in ("SCHEMAV_CVC_COMPLEX_TYPE_3_2_1", "SCHEMAV_CVC_COMPLEX_TYPE_3_2_2"):
        return out("KB204", f"attribute '{attr}' is not allowed on <{local}>")
    if kind == "SCHEMAV_CVC_COMPLEX_TYPE_4":
        missing = re.search(r"attribute '([^']*)' is required", rest)
        name = missing.group(1) if missing else "?"
        return out("KB205", f"<{local}> is missing the required attribute '{name}'")
    if "Element content is not allowed" in rest:
        child = (
            next((c for c in node.iterchildren() if isinstance(c.tag, str)), None)
            if node is not None
            else None
        )
        name = f" such as <{etree.QName(child).localname}>" if child is not None else ""
        return out("KB201", f"<{local}> holds text only: child elements{name} are not allowed")
    if kind in ("SCHEMAV_CVC_COMPLEX_TYPE_2_1", "SCHEMAV_CVC_COMPLEX_TYPE_2_3"):
        return out("KB206", f"<{local}> may hold only elements, not text")
    if kind in _VALUE_TYPES:
        if (local, attr) in OWNED_VALUES:
            return None
        subject = f"attribute '{attr}' of <{local}>" if attr else f"<{local}>"
        return out("KB203", f"invalid value of {subject}: {_value_detail(rest)}")
    return out("KB209", _clean(message))


def _expected(rest: str) -> str:
    m = _EXPECTED.search(rest)
    if not m:
        return ""
    names = [n.strip() for n in m.group("names").split(",") if n.strip()]
    shown = ", ".join(f"<{n.rpartition('}')[2]}>" for n in names[:8])
    more = ", …" if len(names) > 8 else ""
    return f"; expected {'one of ' if len(names) > 1 else ''}{shown}{more}"


def _value_detail(rest: str) -> str:
    rest = rest.replace("[facet 'pattern'] ", "").replace("[facet 'enumeration'] ", "")
    rest = re.sub(r"\[facet '\w+'\] ", "", rest)
    if _NON_EMPTY in rest or "underruns the allowed minimum length of '1'" in rest:
        return "must not be empty or only white space"
    enum = re.search(r"The value '(.*)' is not an element of the set \{(.*)\}", rest)
    if enum:
        return f"'{enum.group(1)}' is not one of {enum.group(2).replace(chr(39), '')}"
    fixed = re.search(r"actual value '(.*)' does not match the fixed value constraint '(.*)'", rest)
    if fixed:
        return f"'{fixed.group(1)}' must be '{fixed.group(2)}'"
    pattern = re.search(r"The value '(.*)' is not accepted by the pattern '(.*)'", rest)
    if pattern:
        return f"'{pattern.group(1)}' does not match the pattern {pattern.group(2)}"
    return _clean(rest)


def _clean(text: str) -> str:
    return text.rstrip(".").strip()
