"""Every finding code has a doc page, and every doc page belongs to a code that is emitted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import kbtool
from kbtool import codes

PACKAGE = Path(kbtool.__file__).resolve().parent
CODE = re.compile(r"\bKB\d{3}\b")


def emitted_codes() -> set[str]:
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        found |= set(CODE.findall(path.read_text(encoding="utf-8")))
    return found


@pytest.mark.parametrize("code", sorted(emitted_codes()))
def test_every_emitted_code_has_a_complete_page(code: str) -> None:
    doc = codes.get(code)
    assert doc is not None, f"kbtool/docs/codes/{code}.md is missing"
    assert doc.name and re.fullmatch(r"[a-z0-9-]+", doc.name), doc.name
    for section in codes.SECTIONS:
        assert doc.sections.get(section, "").strip(), f"{code}: section {section!r} is empty"
    assert doc.summary


def test_every_page_documents_an_emitted_code() -> None:
    assert set(codes.all_codes()) - emitted_codes() == set()


def test_pages_are_well_formed() -> None:
    for code in codes.all_codes():
        text = (codes.DOCS_DIR / f"{code}.md").read_text(encoding="utf-8")
        assert text.splitlines()[1].startswith("severity: "), code
        assert codes.parse_doc(text, code).code == code


def test_parse_doc_rejects_a_page_without_severity() -> None:
    with pytest.raises(ValueError, match="severity"):
        codes.parse_doc("# KB999: x\n\n## What it does\nx\n", "KB999")


def test_selectors_expand_prefixes_and_reject_unknown_codes() -> None:
    assert codes.expand(["KB30"]) == {c for c in codes.all_codes() if c.startswith("KB30")}
    assert codes.expand(["kb301, KB302"]) == {"KB301", "KB302"}
    assert codes.expand([]) is None
    with pytest.raises(ValueError, match="did you mean"):
        codes.expand(["KB3O1"])
    with pytest.raises(ValueError):
        codes.expand(["E501"])
