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


ENTRY = """<learning id="{id}" severity="high"><title>T {n}</title><date>2025-01-0{d}</date>
<category>C</category><description>D</description>{tags}
<symptoms><symptom>S</symptom></symptoms><root-causes><cause>R</cause></root-causes>
<solution><step>Do</step></solution></learning>"""

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
ENTRIES = st.lists(st.tuples(IDS, TAGS, st.integers(1, 9)), min_size=0, max_size=4)


@settings(max_examples=150, deadline=None)
@given(entries=ENTRIES, spoil=st.booleans())
def test_generated_documents_get_the_whole_xsds_findings(
    entries: list[tuple[str, str, int]], spoil: bool
) -> None:
    body = "".join(
        ENTRY.format(id=ident, n=n, d=day, tags=tags)
        for n, (ident, tags, day) in enumerate(entries)
    )
    extra = "<unknown/>" if spoil else ""
    data = (
        '<specification schema-version="1"><metadata><name>N</name><type>learnings</type>'
        "<category>C</category><version>1</version><last_updated>2025-01-09</last_updated>"
        f"<description>D</description></metadata><learnings>{body}</learnings>{extra}"
        "</specification>"
    ).encode()
    root = _root(data)
    assert xsd.check(root, _locate) == _whole_xsd_only(root)
