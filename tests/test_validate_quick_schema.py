"""The XSD layer's shortcut (kbtool/validate/xsd.py): a schema without the ``xs:unique``
constraints whose findings are dropped decides first, the whole XSD only for a document it
rejects. The findings must be those of the whole XSD alone, for every document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbtool.safexml import parse_bytes
from kbtool.validate import xsd

TESTS = Path(__file__).resolve().parent
CORPUS = sorted(
    p
    for folder in (TESTS / "examples", TESTS / "fixtures", TESTS.parent / "learnings")
    for p in folder.rglob("*.xml")
)


def _locate(node: Any, attr: str | None) -> tuple[int, int]:
    return node.sourceline or 0, 1 if attr is None else 2


def _whole_xsd_only(root: Any) -> list[xsd.Finding]:
    with pytest.MonkeyPatch.context() as m:
        m.setattr(xsd, "quick_schema", xsd.schema)
        return xsd.check(root, _locate)


def _root(data: bytes) -> Any:
    root, problems = parse_bytes(data, "x.xml")
    assert root is not None, problems
    return root


def test_the_shortcut_leaves_out_only_the_owned_constraints() -> None:
    names = {u.get("name") for u in xsd.schema_tree().iter(f"{{{xsd.XS}}}unique")}
    assert names >= xsd.OWNED_UNIQUE  # a renamed constraint would silently stay in
    quick = xsd.quick_schema_tree()
    assert not [u for u in quick.iter(f"{{{xsd.XS}}}unique") if u.get("name") in names]


def _uses(tree: Any, type_name: str) -> set[tuple[str, str | None]]:
    """(element, attribute) of every value of the named simple type (attribute None: the
    element's text); ("?", name) for a type derived from it."""
    found: set[tuple[str, str | None]] = set()
    for node in tree.iter(f"{{{xsd.XS}}}element", f"{{{xsd.XS}}}attribute"):
        if node.get("type") != type_name:
            continue
        if node.tag == f"{{{xsd.XS}}}element":
            found.add((node.get("name"), None))
            continue
        holder = next(a for a in node.iterancestors() if a.tag == f"{{{xsd.XS}}}complexType")
        if holder.get("name") is None:  # anonymous: the element around it
            found.add((holder.getparent().get("name"), node.get("name")))
        for element in tree.iter(f"{{{xsd.XS}}}element"):
            if holder.get("name") and element.get("type") == holder.get("name"):
                found.add((element.get("name"), node.get("name")))
    for derived in tree.iter(f"{{{xsd.XS}}}restriction", f"{{{xsd.XS}}}extension"):
        if derived.get("base") == type_name:
            found.add(("?", type_name))
    return found


def test_the_types_taking_any_text_are_used_by_owned_values_only() -> None:
    """Their findings are all dropped by check(): an id, ref, date or schema-version of any
    other element must stay checked by the quick schema."""
    tree = xsd.schema_tree()
    for name in xsd.OWNED_TYPES:
        uses = _uses(tree, name)
        assert uses and uses <= xsd.OWNED_VALUES, (name, uses - xsd.OWNED_VALUES)
    quick = xsd.quick_schema_tree()
    relaxed = [t for t in quick.iter(f"{{{xsd.XS}}}simpleType") if t.get("name") in xsd.OWNED_TYPES]
    assert len(relaxed) == len(xsd.OWNED_TYPES)


def test_every_corpus_file_gets_the_whole_xsds_findings() -> None:
    checked = differ = 0
    for path in CORPUS:
        root, _ = parse_bytes(path.read_bytes(), path.name)
        if root is None:
            continue
        checked += 1
        document = root.getroottree()
        differ += bool(xsd.quick_schema().validate(document)) != bool(
            xsd.schema().validate(document)
        )
        assert xsd.check(root, _locate) == _whole_xsd_only(root), path
    assert checked > 50
    assert differ >= 1  # the duplicate-id example: only the whole XSD rejects it


ENTRY = """<learning id="{id}" severity="high"><title>T {n}</title>{date}
<category>C</category><description>D</description>{tags}
<symptoms><symptom>S</symptom></symptoms><root-causes><cause>R</cause></root-causes>
<solution><step>Do</step></solution>{refs}{review}</learning>"""

# Pieces that touch the two dropped constraints (ids, tags) and their neighbours.
IDS = st.sampled_from(["a", "a", "b", "A", "", " a", "a b", "-x"])
TAG = st.sampled_from(
    ["x", "x", "X", " x ", "", "<!-- c -->x", "x<b>y</b>", "&#x202e;x", "y", "a\u00a0b"]
)
TAGS = st.one_of(
    st.just(""),
    st.just("<tags/>"),
    st.lists(TAG, max_size=4).map(
        lambda ts: "<tags>" + "".join(f"<tag>{t}</tag>" for t in ts) + "</tags>"
    ),
    st.just("<tags><tag/><bogus/></tags>"),
)
# Values of the types the quick schema takes any text for (ids, refs, dates, schema-version).
DATE = st.sampled_from(
    ["2025-01-09", "2025-13-01", "2025-1-9", " 2025-01-09 ", "", "x", "2025-01-09Z", "<b/>"]
)
DATES = st.one_of(st.just(""), DATE.map(lambda d: f"<date>{d}</date>"))
REFS = st.one_of(
    st.just(""),
    IDS.map(lambda i: f'<references><learning ref="{i}"/></references>'),
    IDS.map(lambda i: f'<supersedes ref="{i}"/>'),
    st.just("<supersedes/>"),
    st.just('<supersedes ref="a"><x/></supersedes>'),
)
REVIEW = st.one_of(st.just(""), DATE.map(lambda d: f"<review-by>{d}</review-by>"))
ENTRIES = st.lists(st.tuples(IDS, TAGS, DATES, REFS, REVIEW), min_size=0, max_size=4)
VERSION = st.sampled_from(['schema-version="1"', 'schema-version="x"', "", 'schema-version=""'])


@settings(max_examples=300, deadline=None)
@given(entries=ENTRIES, spoil=st.booleans(), version=VERSION, updated=DATE)
def test_generated_documents_get_the_whole_xsds_findings(
    entries: list[tuple[str, str, str, str, str]], spoil: bool, version: str, updated: str
) -> None:
    body = "".join(
        ENTRY.format(id=ident, n=n, date=date, tags=tags, refs=refs, review=review)
        for n, (ident, tags, date, refs, review) in enumerate(entries)
    )
    extra = "<unknown/>" if spoil else ""
    data = (
        f"<specification {version}><metadata><name>N</name><type>learnings</type>"
        f"<category>C</category><version>1</version><last_updated>{updated}</last_updated>"
        f"<description>D</description></metadata><learnings>{body}</learnings>{extra}"
        "</specification>"
    ).encode()
    root = _root(data)
    assert xsd.check(root, _locate) == _whole_xsd_only(root)
