"""The lexical repair pass of kbtool migrate: each kind of damage, and two properties.

Properties: prose full of stray '<', '&', '>' and tag-like code survives a repair and a strict
parse character for character; a well-formed document is never changed.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from kbtool.migrate.legacy.decode import Decoded, DecodeError, decode
from kbtool.migrate.legacy.repair import WRAPPER, repair
from kbtool.safexml import parse_bytes


def _fixed(text: str) -> tuple[etree._Element, list[tuple[int, str]]]:
    result = repair(text)
    root, findings = parse_bytes(result.text.encode(), "t.xml")
    assert root is not None, findings
    assert result.text.count("\n") == text.count("\n")  # line numbers never move
    return root, [(n.line, n.text) for n in result.notes]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("if a && b", "escaped bare '&'"),
        ("see ?a=1&b=2 now", "escaped bare '&'"),
        ("R&D &nbsp; here", "escaped bare '&'"),
        ("p99 <10ms", "escaped stray '<'"),
        ("if attempt < max_retries:", "escaped stray '<'"),
        ("Record<A, B[]>", "escaped stray '<'"),
        ("List<T> and get<T>()", "escaped '<' of <T>: code"),
        ("use <NAME> here", "escaped '<' of <NAME>: code"),
        ("Bearer <your_token>", "escaped '<' of <your_token>: code"),
        ("close it with </div>", "escaped '<' of </div>"),
        ("a[b[0]]>c", "escaped '>' of ']]>'"),
    ],
)
def test_text_damage_is_escaped_and_kept_verbatim(text: str, expected: str) -> None:
    root, notes = _fixed(f"<learning>\n<description>{text}</description>\n</learning>")
    assert root.findtext("description") == text
    assert notes and all(line == 2 for line, _ in notes)
    assert any(expected in note for _, note in notes)


def test_structure_damage() -> None:
    root, notes = _fixed(
        "<learning>\n"
        "  <symptoms>\n"
        "    <symptom>one</symptym>\n"  # misspelt
        "    <symptom>two\n"  # left open, next sibling follows
        "    <symptom>three</symptom>\n"
        "  </symptoms>\n"
        "  <root_cause>open at the same indent as the next field\n"
        "  <solution>fix</solution>\n"
        "</learning>\n"
        "</xml>\n"  # trailing
    )
    assert [s.text for s in root.iter("symptom")] == ["one", "two", "three"]
    assert root.findtext("root_cause") == "open at the same indent as the next field"
    assert root.findtext("solution") == "fix"
    assert [line for line, _ in notes] == [3, 4, 7, 10]


def test_orphan_end_tag_closing_the_root_early_is_dropped() -> None:
    root, notes = _fixed(
        "<learning>\n<title>t</title>\n</learning>\n<solution>s</solution>\n</learning>\n"
    )
    assert root.tag == "learning" and root.findtext("solution") == "s"
    assert notes == [
        (3, "dropped </learning>: it closed the root element while the document goes on")
    ]


def test_content_after_the_root_is_wrapped() -> None:
    root, notes = _fixed('<?xml version="1.0"?>\n<a>1</a>\n<a>2</a>\ntrailing words\n')
    assert root.tag == WRAPPER and [a.text for a in root] == ["1", "2"]
    assert root[-1].tail.strip() == "trailing words"
    assert notes == [(3, f"wrapped the content outside the root element in <{WRAPPER}>")]


def test_unclosed_at_the_end_of_the_file() -> None:
    root, notes = _fixed("<learning>\n  <title>cut off here")
    assert root.findtext("title") == "cut off here"
    assert [n for _, n in notes] == [
        "closed <title> (opened on line 2) at the end of the file",
        "closed <learning> (opened on line 1) at the end of the file",
    ]


def test_attribute_values_and_comments() -> None:
    root, notes = _fixed('<learning note="a < b & c">\n<!-- run with --force -->\n</learning>')
    assert root.get("note") == "a < b & c"
    assert len(notes) == 2


def test_what_cannot_be_repaired_still_fails_with_a_position() -> None:
    result = repair("<learning>\n<title>a\x00b</title>\n</learning>")
    root, findings = parse_bytes(result.text.encode(), "t.xml")
    assert root is None and findings[0].code == "KB101" and findings[0].line == 2


_PROSE = st.text(alphabet=st.sampled_from(list("xyT1 <>&=\"']\n")), max_size=60)


@settings(max_examples=300, deadline=None)
@given(prose=_PROSE)
def test_any_prose_survives_verbatim(prose: str) -> None:
    text = f"<learning>\n<description>{prose}</description>\n</learning>"
    result = repair(text)
    root, findings = parse_bytes(result.text.encode(), "t.xml")
    assert root is not None, (result.text, findings)
    assert root.findtext("description", default="") == prose.replace("\r", "")


_NAMES = st.sampled_from(["learning", "title", "problem", "solution", "step", "x-y", "a.b"])
_TEXTS = st.text(
    alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs"]), max_size=12
)
_TREES = st.recursive(
    st.builds(lambda n, t: (n, t, []), _NAMES, _TEXTS),
    lambda children: st.builds(
        lambda n, t, c: (n, t, c), _NAMES, _TEXTS, st.lists(children, max_size=3)
    ),
    max_leaves=8,
)


def _build(tree: tuple[str, str, list[tuple[str, str, list]]]) -> etree._Element:  # type: ignore[type-arg]
    name, text, children = tree
    el = etree.Element(name)
    el.text = text
    el.extend(_build(c) for c in children)
    return el


@settings(max_examples=150, deadline=None)
@given(tree=_TREES)
def test_well_formed_documents_are_never_changed(tree) -> None:
    text = etree.tostring(_build(tree), encoding="unicode")
    result = repair(text)
    assert result.text == text and result.notes == []


def test_decode_is_explicit() -> None:
    latin = "<a>Müller</a>".encode("latin-1")
    refused = decode(latin, None)
    assert isinstance(refused, DecodeError) and "--encoding" in refused.message
    assert (refused.line, refused.col) == (1, 5)
    accepted = decode(latin, "latin-1")
    assert isinstance(accepted, Decoded) and accepted.text == "<a>Müller</a>" and accepted.notes
    declared = decode('<?xml version="1.0" encoding="ISO-8859-1"?><a>é</a>'.encode("latin-1"), None)
    assert isinstance(declared, Decoded) and declared.text.startswith(
        '<?xml version="1.0" encoding="UTF-8"?>'
    )
    utf16 = decode(b"\xff\xfe" + "<a>x</a>\r\n".encode("utf-16-le"), None)
    assert isinstance(utf16, Decoded) and utf16.text == "<a>x</a>\n" and utf16.bom
