"""Hypothesis round trip: model → canonical XML (kbtool.entry_xml) → model, and the XML is valid.

Text policy (documented in spec/README.md, "White space"): the reader strips XML white space
(space, tab, CR, LF) around the text of text elements, so generated text fields carry none;
``<code>`` text, attribute values and kept-as-is XML (detectors, extras) are kept verbatim.
Only characters XML 1.0 can hold are generated.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from kbtool import entry_xml
from kbtool.model import (
    CategoryFile,
    CodeBlock,
    Learning,
    Metadata,
    Original,
    Provenance,
    Reference,
    Repair,
    Severity,
    Status,
    Step,
    Symptom,
    Why,
)
from kbtool.resources import xsd_path
from kbtool.safexml import make_parser

XML_SPACE = " \t\r\n"


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(xsd_path()), make_parser()))


def _xml_char(c: str) -> bool:
    o = ord(c)
    return o in (0x9, 0xA, 0xD) or 0x20 <= o <= 0xD7FF or 0xE000 <= o <= 0xFFFD or o >= 0x10000


# Characters that break naive XML writers, plus unicode beyond the BMP and odd white space.
_SPECIAL = st.sampled_from(
    [
        "&",
        "<",
        ">",
        "]]>",
        '"',
        "'",
        "&amp;",
        "<!--",
        "-->",
        "<![CDATA[",
        "\u00a0",
        "\u2028",
        "é",
        "漢字",
        "😀",
        "\u200b",
        "\r\n",
        "\t",
        "  ",
    ]
)
_CHARS = st.characters(codec="utf-8").filter(_xml_char)
_RAW_TEXT = st.lists(st.one_of(st.text(_CHARS, max_size=8), _SPECIAL), max_size=6).map("".join)

# Text elements: at least one non-white-space character, no surrounding XML white space.
TEXT = _RAW_TEXT.map(lambda s: s.strip(XML_SPACE)).filter(bool)
# Free text that may be empty (labels, step prose), same surrounding-white-space policy.
OPT_TEXT = _RAW_TEXT.map(lambda s: s.strip(XML_SPACE))
# Verbatim text (code, attribute values): anything XML can carry.
VERBATIM = _RAW_TEXT
ATTR = _RAW_TEXT.filter(lambda s: s.strip(XML_SPACE) != "")

IDS = st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,20}\Z")
TAGS = st.from_regex(r"\A[^\s]{1,12}\Z").filter(lambda t: all(_xml_char(c) for c in t))
DATES = st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9999, 12, 31))
HREF = st.text(_CHARS, min_size=1, max_size=60)
TOKEN = st.from_regex(r"\A[A-Za-z0-9_.+-]{1,10}\Z")

symptoms = st.builds(Symptom, text=TEXT, versions=st.none() | ATTR)
whys = st.builds(Why, question=TEXT, answer=TEXT)
steps = st.builds(
    Step,
    text=OPT_TEXT,
    code=st.lists(st.builds(CodeBlock, text=VERBATIM, lang=st.none() | TOKEN), max_size=2),
)
references = st.one_of(
    st.builds(
        Reference,
        kind=st.sampled_from(["fix-report", "issue", "link"]),
        target=HREF,
        label=OPT_TEXT,
    ),
    st.builds(Reference, kind=st.just("learning"), target=IDS, label=OPT_TEXT),
)
provenance = st.builds(
    Provenance,
    source=VERBATIM,
    xpath=st.none() | VERBATIM,
    originals=st.lists(st.builds(Original, field=TOKEN, value=VERBATIM), max_size=2),
    repairs=st.lists(
        st.builds(Repair, line=st.none() | st.integers(1, 10**6), text=VERBATIM), max_size=2
    ),
)


def _el(tag: str, text: str = "", *children: etree._Element, **attrs: str) -> etree._Element:
    el = etree.Element(tag, attrs)
    el.text = text or None
    el.extend(children)
    return el


# Kept-as-is XML is stored as lxml serializes an element (what the reader hands back).
detectors = st.builds(
    lambda message, pattern, bad, good: etree.tostring(
        _el(
            "detector",
            "",
            *([_el("message", message)] if message else []),
            _el("pattern", pattern),
            _el("example", bad, kind="bad"),
            _el("example", good, kind="good"),
            kind="regex",
        ),
        encoding="unicode",
    ),
    st.none() | TEXT,
    TEXT,
    VERBATIM,
    VERBATIM,
)
extras = st.builds(
    lambda heading, text: etree.tostring(_el("section", text, heading=heading), encoding="unicode"),
    VERBATIM,
    VERBATIM,
)


learnings = st.builds(
    Learning,
    id=IDS,
    severity=st.none() | st.sampled_from(Severity),
    status=st.sampled_from(Status),
    title=TEXT,
    date=DATES,
    category=TEXT,
    description=TEXT,
    tags=st.lists(TAGS, max_size=3, unique_by=lambda t: t),
    symptoms=st.lists(symptoms, max_size=3),
    root_causes=st.lists(TEXT, max_size=2),
    five_whys=st.lists(whys, max_size=2),
    solution=st.lists(steps, max_size=2),
    files_modified=st.lists(TEXT, max_size=2),
    verification=st.lists(TEXT, max_size=2),
    prevention=st.lists(TEXT, max_size=2),
    test_cases=st.lists(TEXT, max_size=2),
    references=st.lists(references, max_size=3),
    supersedes=st.lists(IDS, max_size=2),
    review_by=st.none() | DATES,
    detectors=st.lists(detectors, max_size=2),
    extras=st.lists(extras, max_size=2),
    provenance=st.none() | provenance,
)
metadata = st.builds(
    Metadata,
    name=TEXT,
    category=TEXT,
    version=st.none() | TOKEN,
    last_updated=st.none() | DATES,
    description=st.none() | OPT_TEXT,
)
files = st.builds(
    CategoryFile,
    schema_version=st.sampled_from(["1", "1.0", "1.2"]),
    metadata=metadata,
    learnings=st.lists(learnings, max_size=3, unique_by=lambda e: e.id),
)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _reparse(data: bytes) -> etree._Element:
    return etree.fromstring(data, make_parser())


@SETTINGS
@given(files)
def test_file_round_trip(schema: etree.XMLSchema, doc: CategoryFile) -> None:
    data = entry_xml.dump_file(doc)
    root = _reparse(data)
    assert schema.validate(root), schema.error_log.filter_from_errors()
    assert entry_xml.file_from_element(root) == doc
    # canonical output is a fixed point: writing what was read gives the same bytes
    assert entry_xml.dump_file(entry_xml.file_from_element(root)) == data


@settings(SETTINGS, max_examples=30)
@given(learnings)
def test_learning_round_trip(learning: Learning) -> None:
    el = entry_xml.learning_to_element(learning)
    data = etree.tostring(el)
    assert entry_xml.learning_from_element(_reparse(data)) == learning


@settings(max_examples=100, deadline=None)
@given(
    text=TEXT, pad_before=st.text(XML_SPACE, max_size=3), pad_after=st.text(XML_SPACE, max_size=3)
)
def test_reader_strips_only_xml_white_space(text: str, pad_before: str, pad_after: str) -> None:
    learning = Learning(id="a", title=text, date=dt.date(2025, 1, 1), category="C", description="d")
    el = entry_xml.learning_to_element(learning)
    el.find("title").text = pad_before + text + pad_after
    assert entry_xml.learning_from_element(_reparse(etree.tostring(el))).title == text


def test_unicode_white_space_is_content() -> None:
    """No-break space and friends are not XML white space: the reader keeps them."""
    title = "\u00a0x\u3000"
    learning = Learning(
        id="a", title=title, date=dt.date(2025, 1, 1), category="C", description="d"
    )
    data = etree.tostring(entry_xml.learning_to_element(learning))
    assert entry_xml.learning_from_element(_reparse(data)).title == title


def test_verbatim_fields_keep_white_space() -> None:
    code = CodeBlock(text="\n    async with x:\n        pass\n", lang="python")
    learning = Learning(
        id="a",
        title="t",
        date=dt.date(2025, 1, 1),
        category="C",
        description="d",
        solution=[Step(text="Do it", code=[code])],
    )
    data = entry_xml.dump_file(
        CategoryFile(metadata=Metadata(name="n", category="C"), learnings=[learning])
    )
    again = entry_xml.file_from_element(_reparse(data))
    assert again.learnings[0].solution[0].code[0] == code


def test_optional_empty_attributes_survive() -> None:
    """``lang=""`` and ``xpath=""`` are values, not absence: they come back as written."""
    learning = Learning(
        id="a",
        title="t",
        date=dt.date(2025, 1, 1),
        category="C",
        description="d",
        solution=[Step(text="s", code=[CodeBlock(text="x", lang="")])],
        provenance=Provenance(source="legacy.md", xpath=""),
    )
    again = entry_xml.learning_from_element(
        _reparse(etree.tostring(entry_xml.learning_to_element(learning)))
    )
    assert again == learning


def test_token_attributes_are_collapsed_on_read(schema: etree.XMLSchema) -> None:
    """``severity``/``status`` are xs:token, so ``" high "`` is valid XSD and reads as ``high``."""
    learning = Learning(id="a", title="t", date=dt.date(2025, 1, 1), category="C", description="d")
    el = entry_xml.learning_to_element(learning)
    el.set("severity", " high ")
    el.set("status", "\tarchived\n")
    again = entry_xml.learning_from_element(_reparse(etree.tostring(el)))
    assert (again.severity, again.status) == (Severity.HIGH, Status.ARCHIVED)


def test_hostile_raw_xml_is_parsed_safely() -> None:
    """Kept-as-is XML in a model is re-parsed with the hardened parser: no entity expansion."""
    raw = '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/hostname">]><detector>&x;</detector>'
    learning = Learning(
        id="a", title="t", date=dt.date(2025, 1, 1), category="C", description="d", detectors=[raw]
    )
    with pytest.raises(ValueError, match="DTD/entities not allowed"):
        entry_xml.learning_to_element(learning)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        IDS,
        IDS.map(lambda s: s + "\n"),
        st.text(st.sampled_from("az09-_A. \n/é"), min_size=0, max_size=82),
        st.integers(78, 82).map(lambda n: "a" * n),
    )
)
def test_id_rule_agrees_everywhere(schema: etree.XMLSchema, candidate: str) -> None:
    """The id rule of the XSD, the model (Pydantic's regex engine) and ID_RE (Python's) agree."""
    from pydantic import ValidationError

    from kbtool.model import ID_RE

    try:
        Learning(id=candidate, title="t", date=dt.date(2025, 1, 1), category="C", description="d")
        by_model = True
    except ValidationError:
        by_model = False
    root = entry_xml.file_to_element(CategoryFile(metadata=Metadata(name="n", category="C")))
    learning = entry_xml.learning_to_element(
        Learning(id="x", title="t", date=dt.date(2025, 1, 1), category="C", description="d")
    )
    learning.set("id", candidate)
    root.find("learnings").append(learning)
    by_xsd = schema.validate(_reparse(etree.tostring(root)))
    assert by_model == by_xsd == bool(ID_RE.match(candidate)), candidate


def test_link_graph_uses_the_one_id_rule() -> None:
    """reports/links.py once kept its own copy with "$" (which accepts "abc\\n")."""
    from kbtool import ids
    from kbtool.reports import links

    assert links.ID_RE is ids.ID_RE
    assert not links.ID_RE.match("abc\n")
