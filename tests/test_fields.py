"""The field vocabulary (kbtool/fields.py) agrees with the models and the XSD, and every table
of field names is derived from it."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from kbtool import fields, model
from kbtool.resources import xsd_path
from kbtool.safexml import make_parser

XS = "{http://www.w3.org/2001/XMLSchema}"


def _xsd() -> etree._Element:
    return etree.fromstring(xsd_path().read_bytes(), make_parser())


def _enumeration(name: str) -> tuple[str, ...]:
    simple = _xsd().find(f"{XS}simpleType[@name='{name}']")
    assert simple is not None, name
    return tuple(e.get("value", "") for e in simple.iter(f"{XS}enumeration"))


def test_the_vocabulary_and_the_models_agree() -> None:
    assert model.vocabulary_problems() == []


def test_a_field_missing_from_the_model_is_detected(monkeypatch: pytest.MonkeyPatch) -> None:
    extra = fields.Field("owner", "owner")
    monkeypatch.setitem(fields.ELEMENTS, "learning", (*fields.ELEMENTS["learning"], extra))
    problems = model.vocabulary_problems()
    assert len(problems) == 1 and "<learning>" in problems[0] and "owner" in problems[0]


def test_a_field_missing_from_the_vocabulary_fails_the_model() -> None:
    with pytest.raises(KeyError, match=r"learning\.owner: not in kbtool/fields.py"):
        model._xml("learning", "owner")


def test_severities_and_statuses_are_the_xsd_enumerations() -> None:
    assert _enumeration("Severity") == fields.SEVERITIES
    assert _enumeration("Status") == fields.STATUSES


def test_learning_child_order_is_the_xsd_sequence() -> None:
    learning = _xsd().find(f"{XS}complexType[@name='Learning']")
    assert learning is not None
    sequence = learning.find(f"{XS}sequence")
    assert sequence is not None
    direct = tuple(e.get("name") or e.get("ref") for e in sequence.findall(f"{XS}element"))
    assert direct == fields.child_order("learning")


def test_the_derived_tables() -> None:
    from kbtool.fields import BODY_TAGS
    from kbtool.fmt import ATTRIBUTE_ORDER, ELEMENT_ORDER
    from kbtool.migrate.legacy.vocabulary import CANONICAL, field_of_name
    from kbtool.render.context import _after
    from kbtool.reports.headings import FIELD_ORDER, XML_NAMES

    assert ELEMENT_ORDER["learning"][-3:] == ("detectors", "extras", "provenance")
    assert ATTRIBUTE_ORDER["learning"] == ("id", "severity", "status", "versions")
    assert "files-modified" in BODY_TAGS and "title" not in BODY_TAGS
    assert {k: fields.BY_SHORT[k].xml for k in FIELD_ORDER} == XML_NAMES
    assert XML_NAMES["files"] == "files-modified" and XML_NAMES["whys"] == "five-whys"
    assert CANONICAL["files_modified"] == {"files_modified"}
    assert field_of_name("files-modified") == ("files_modified", "exact")
    assert field_of_name("test-case") == ("test_cases", "exact")
    assert (_after("files-modified"), _after("five-whys"), _after("files")) == (
        "files",
        "whys",
        "files",
    )


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://github.com/o/r/issues/12", "issue"),
        ("https://gitlab.com/o/r/-/merge_requests/3", "issue"),
        ("https://jira.example.com/browse/OPS-142", "issue"),
        ("https://example.com/blog/post", "link"),
    ],
)
def test_one_issue_url_rule_for_import_and_migration(url: str, kind: str, tmp_path: Path) -> None:
    from kbtool.migrate.legacy.fields import RawRef
    from kbtool.migrate.legacy.resolve import LinkIndex, resolve

    assert fields.reference_kind(url) == kind
    index = LinkIndex(kb_root=tmp_path, out_dir=tmp_path, source_roots=[tmp_path], path_map={})
    box = etree.Element("references")
    raw = RawRef(url, url, 1, None, box, (box,))
    assert resolve(raw, tmp_path / "x.xml", "x", index).kind == kind  # Jira was a "link" here


def test_one_severity_vocabulary_for_import_and_migration() -> None:
    from kbtool.migrate.legacy.vocabulary import normalise_severity
    from kbtool.reports.importer import normalize_severity

    for level, words in fields.SEVERITY_WORDS.items():
        for word in words:
            assert normalize_severity(word.upper()) == level, word
            if "-" not in word:  # legacy names are split into words at "-"
                assert normalise_severity(f"P_{word}_x".upper()) == level, word
    assert normalize_severity("Sev-1 (mission critical)") == "critical"
    assert normalise_severity("resolved") is None and normalize_severity("resolved") is None


@pytest.mark.parametrize(
    ("written", "level"),
    [
        ("CRITICAL", "critical"),
        ("P0_CRITICAL", "critical"),
        ("SEV-1", "critical"),
        ("Sev 2", "high"),
        ("2", "high"),
        ("moderate", "medium"),
        ("niedrig", "low"),
        ("resolved", None),
    ],
)
def test_one_reading_of_written_severities(written: str, level: str | None) -> None:
    """Legacy files and fix reports read a severity the same way (they had two readers,
    which disagreed on "2" and "SEV-1")."""
    from kbtool.migrate.legacy.vocabulary import normalise_severity
    from kbtool.reports.importer import normalize_severity

    assert fields.severity_of(written) == level
    assert normalise_severity(written) == level
    assert normalize_severity(written) == level
