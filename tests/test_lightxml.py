"""kbtool.lightxml answers as lxml does, or not at all (issue 12: show without lxml).

``show`` reads its entry's file through :mod:`kbtool.lightxml` when a file allows; every
answer must be the one the hardened lxml parser gives, and every document it cannot read
exactly must go back to lxml (None), which also words the findings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from kbtool import lightxml
from kbtool.config import load_config
from kbtool.entry_xml import learning_data
from kbtool.kb import KnowledgeBase
from kbtool.safexml import make_parser, read_fragment, read_light

REPO = Path(__file__).resolve().parent.parent
BATTERIES = [REPO / "learnings", REPO / "tests" / "fixtures", REPO.parent / "shared" / "badinputs"]


def tree(el: Any) -> list[tuple[Any, ...]]:
    """Everything a reader can ask of a tree, element by element."""
    return [
        (x.tag, x.sourceline, x.text, x.tail, dict(x.attrib), list(x.itertext())) for x in el.iter()
    ]


def lxml_or_none(data: bytes) -> etree._Element | None:
    try:
        return etree.fromstring(data, make_parser())
    except etree.XMLSyntaxError:
        return None


def xml_files() -> list[Path]:
    return sorted(p for folder in BATTERIES if folder.is_dir() for p in folder.rglob("*.xml"))


def test_every_file_it_reads_reads_as_lxml_reads_it() -> None:
    read = fallback = 0
    for path in xml_files():
        data = path.read_bytes()
        light = read_light(data)
        if light is None:
            fallback += 1
            continue
        full = lxml_or_none(data)
        assert full is not None, f"{path}: read a file lxml refuses"
        assert tree(light) == tree(full), path
        read += 1
    print(f"\nlightxml: {read} files read as lxml reads them, {fallback} left to lxml")
    assert read >= 18  # every bundled category file at least


def test_the_bundled_entries_give_the_same_data() -> None:
    config = load_config(root=REPO)
    quick, slow = KnowledgeBase.load(config, light=True), KnowledgeBase.load(config)
    light = {e.id: learning_data(e.element) for e in quick.entries()}
    full = {e.id: learning_data(e.element) for e in slow.entries()}
    assert light == full and len(full) > 80
    assert {e.id: e.line for e in quick.entries()} == {e.id: e.line for e in slow.entries()}


@pytest.mark.parametrize(
    "data",
    [
        b"<r><!-- a comment inside --></r>",
        b"<r><?pi inside?></r>",
        b'<!DOCTYPE r [<!ENTITY e "x">]><r>&e;</r>',
        b"<r>&undefined;</r>",
        b'<r xmlns="urn:x"/>',
        b'<r xmlns:a="urn:x"><a:b/></r>',
        b'<?xml version="1.0" encoding="KOI8-R"?><r/>',
        b"\xff\xfe<\x00r\x00/\x00>\x00",
        b"<r><unclosed></r>",
        b"",
        b"<a>" * 300 + b"</a>" * 300,  # deeper than lxml reads without huge_tree
    ],
    ids=[
        "comment",
        "pi",
        "doctype",
        "entity",
        "namespace",
        "prefix",
        "encoding",
        "utf-16",
        "broken",
        "empty",
        "deep",
    ],
)
def test_what_it_cannot_read_exactly_goes_to_lxml(data: bytes) -> None:
    assert read_light(data) is None


def test_comments_before_the_document_element_are_fine() -> None:
    data = b'<?xml version="1.0"?>\n<!-- generated -->\n<r a="1"><b>x</b></r>\n'
    light = read_light(data)
    full = lxml_or_none(data)
    assert light is not None and full is not None and tree(light) == tree(full)


texts = st.lists(st.sampled_from([*"ab <>&\"'\n\r\t]é€", "]]>", "\u2028"]), max_size=8).map("".join)


@st.composite
def documents(draw: Any) -> bytes:
    """Small documents with what trips parsers: entities, CDATA, attributes over lines."""

    def esc(s: str, attr: bool = False) -> str:
        s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
        return s.replace('"', "&quot;") if attr else s

    def element(depth: int) -> str:
        tag = draw(st.sampled_from(["a", "b", "code", "step"]))
        attrs = draw(st.lists(st.sampled_from(["x", "y", "lang"]), unique=True, max_size=2))
        sep = draw(st.sampled_from([" ", "\n  ", "\t"]))
        head = "".join(f'{sep}{n}="{esc(draw(texts), attr=True)}"' for n in attrs)
        head += draw(st.sampled_from(["", "\n"]))
        body = []
        for _ in range(draw(st.integers(0, 3 if depth < 3 else 0))):
            kind = draw(st.sampled_from(["text", "cdata", "child", "charref"]))
            if kind == "text":
                body.append(esc(draw(texts)))
            elif kind == "cdata":
                body.append("<![CDATA[" + draw(texts).replace("]]>", "]] >") + "]]>")
            elif kind == "charref":
                body.append(draw(st.sampled_from(["&#233;", "&#x20AC;", "&#10;", "&lt;"])))
            else:
                body.append(element(depth + 1))
        if not body and draw(st.booleans()):
            return f"<{tag}{head}/>"
        return f"<{tag}{head}>{''.join(body)}</{tag}>"

    return (draw(st.sampled_from(["", '<?xml version="1.0"?>\n'])) + element(0)).encode()


@settings(max_examples=300, deadline=None)
@given(documents())
def test_generated_documents_read_as_lxml_reads_them(data: bytes) -> None:
    full = lxml_or_none(data)
    light = lightxml.parse(data)
    assert full is not None or light is None, data  # never reads what lxml refuses
    if light is not None and full is not None:
        assert tree(light) == tree(full), data
        # kept-as-is XML (detectors, extras) goes through to_xml and back
        again = read_fragment(light.to_xml())
        assert again is not None
        assert [t[:1] + t[2:] for t in tree(again)] == [t[:1] + t[2:] for t in tree(full)]


def test_show_reads_without_lxml(tmp_path: Path) -> None:
    """Nor dataclasses, typing, tomllib or OpenSSL (a kbtool.toml as ``kbtool init`` writes it; the
    repository's own pyproject.toml is past simpletoml, so tomllib reads it)."""
    import shutil

    from helpers_cli import imported_modules

    shutil.copytree(REPO / "learnings", tmp_path / "learnings")
    from kbtool.kbinit import KBTOOL_TOML

    (tmp_path / "kbtool.toml").write_text(KBTOOL_TOML + 'learnings = "learnings"\n', "utf-8")
    import os
    import time

    past = time.time() - 3600  # files changed in the last 2 s are hashed again by a query
    for path in (tmp_path / "learnings").rglob("*"):
        os.utime(path, (past, past))
    imported_modules(["index"], tmp_path)  # building the index reads every file with lxml
    # the first show also reads the fix report (markdown-it) into the link cache
    imported_modules(["show", "async-context-manager-dependency-injection"], tmp_path)
    heavy = {"lxml", "lxml.etree", "dataclasses", "typing", "tomllib", "_hashlib", "hmac"}
    for argv in (
        ["show", "async-context-manager-dependency-injection"],  # detectors, report backlinks
        ["show", "async-context-manager-dependency-injection", "--format", "json"],
    ):
        out, modules = imported_modules(argv, tmp_path)
        assert "Depends()" in out and not heavy & modules, (argv, heavy & modules)
    out, _ = imported_modules(["show", "coroutine-never-awaited", "--format", "json"], tmp_path)
    assert json.loads(out)["id"] == "coroutine-never-awaited"
