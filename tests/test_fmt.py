"""kbtool fmt: canonical order and indentation, idempotent, encodings and line endings kept."""

from __future__ import annotations

import codecs
import os
from pathlib import Path

import pytest
from helpers_cli import cli
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from lxml import etree
from test_roundtrip import files

from kbtool import entry_xml
from kbtool.atomic import Stamp
from kbtool.errors import ConcurrentChangeError
from kbtool.fmt import format_bytes, format_file, write
from kbtool.model import CategoryFile
from kbtool.safexml import make_parser

MESSY = """<?xml version='1.0' encoding='utf-8'?>
<!-- kept: a comment before the root -->
<specification>
<learnings>
 <learning status="archived" id="x-1" severity="high"><date>2024-01-01</date>
<!-- kept: travels with the title -->
<title>T &amp; more</title>
<category>C</category><description>D
   second line stays as written</description>
        <extras><foo>
   <bar>kept verbatim</bar></foo></extras></learning></learnings>
<metadata><category>C</category><name>N</name><type>learnings</type></metadata></specification>
"""

CANONICAL = """<?xml version="1.0" encoding="UTF-8"?>
<!-- kept: a comment before the root -->
<specification>
  <metadata>
    <name>N</name>
    <type>learnings</type>
    <category>C</category>
  </metadata>
  <learnings>
    <learning id="x-1" severity="high" status="archived">
      <!-- kept: travels with the title -->
      <title>T &amp; more</title>
      <date>2024-01-01</date>
      <category>C</category>
      <description>D
   second line stays as written</description>
      <extras>
        <foo>
   <bar>kept verbatim</bar></foo>
      </extras>
    </learning>
  </learnings>
</specification>
"""


def fmt(data: bytes) -> bytes:
    out, findings = format_bytes(data, "t.xml")
    assert findings == [] and out is not None
    return out


def test_canonical_order_attributes_and_indentation() -> None:
    assert fmt(MESSY.encode()).decode() == CANONICAL
    assert fmt(CANONICAL.encode()) == CANONICAL.encode()


@pytest.mark.parametrize(
    ("encode", "marker"),
    [
        (lambda t: t.replace("\n", "\r\n").encode(), b"\r\n"),
        (lambda t: codecs.BOM_UTF8 + t.encode(), codecs.BOM_UTF8),
        (
            lambda t: codecs.BOM_UTF16_LE + t.replace("utf-8", "UTF-16").encode("utf-16-le"),
            codecs.BOM_UTF16_LE,
        ),
        (
            lambda t: codecs.BOM_UTF16_BE + t.replace("utf-8", "UTF-16").encode("utf-16-be"),
            codecs.BOM_UTF16_BE,
        ),
    ],
    ids=["crlf", "utf8-bom", "utf16-le", "utf16-be"],
)
def test_each_file_keeps_its_encoding_and_line_endings(encode, marker: bytes) -> None:
    data = encode(MESSY)
    out = fmt(data)
    assert marker in out[:4] or marker == b"\r\n"
    assert fmt(out) == out  # idempotent
    text = out.decode("utf-16" if marker.startswith((b"\xff", b"\xfe")) else "utf-8-sig")
    lf_text = text.replace("\r\n", "\n")
    assert lf_text.replace('encoding="UTF-16"', 'encoding="UTF-8"') == CANONICAL
    if marker == b"\r\n":
        assert text.count("\r\n") == text.count("\n")  # every line, not a mix


def test_declared_single_byte_encoding_is_kept_with_character_references() -> None:
    data = (
        MESSY.replace("utf-8", "ISO-8859-1")
        .replace("T &amp; more", "Café ✓")
        .encode("latin-1", errors="xmlcharrefreplace")
    )
    out = fmt(data)
    assert out.startswith(b'<?xml version="1.0" encoding="ISO-8859-1"?>')
    assert "Café".encode("latin-1") in out and b"&#10003;" in out
    assert fmt(out) == out


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)  # shrinking these is very slow
@given(
    doc=files,
    shuffle=st.randoms(use_true_random=False),
    noise=st.sampled_from(["", "\n", "\n\n      ", "\t"]),
)
def test_fresh_files_are_fixed_points_and_shuffled_ones_come_back(
    doc: CategoryFile, shuffle, noise: str
) -> None:
    canonical = entry_xml.dump_file(doc)
    assert fmt(canonical) == canonical  # a freshly written file: fmt changes nothing
    root = etree.fromstring(canonical, make_parser())
    for learning in root.iterfind("learnings/learning"):
        # shuffle the kinds of children; repeated ones (test-case, supersedes) keep their order
        tags = list(dict.fromkeys(c.tag for c in learning))
        shuffle.shuffle(tags)
        children = [c for tag in tags for c in learning if c.tag == tag]
        for child in children:
            learning.remove(child)
            child.tail = noise or None
        learning.extend(children)
        attrs = list(learning.attrib.items())
        shuffle.shuffle(attrs)
        learning.attrib.clear()
        for key, value in attrs:
            learning.set(key, value)
    meta = root.find("metadata")
    assert meta is not None
    children = list(meta)
    shuffle.shuffle(children)
    for child in children:
        meta.remove(child)
    meta.extend(children)
    messy = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    assert fmt(messy) == canonical


def test_migrated_corpus_output_is_a_fixed_point(tmp_path: Path) -> None:
    from kbtool.migrate.learnings import MigrateOptions, apply, plan

    corpus = Path(__file__).parent / "fixtures" / "legacy"
    apply(plan(MigrateOptions(sources=[corpus], out=tmp_path, encoding="latin-1")))
    for path in tmp_path.glob("*.xml"):
        assert fmt(path.read_bytes()) == path.read_bytes(), path.name


def _kb(tmp_path: Path) -> Path:
    (tmp_path / "kbtool.toml").write_text('learnings = "learnings"\n')
    folder = tmp_path / "learnings"
    folder.mkdir()
    (folder / "messy.xml").write_text(MESSY)
    (folder / "clean.xml").write_text(CANONICAL)
    (folder / "legacy.xml").write_text("<learning><title>not a category file</title></learning>")
    return folder


def test_cli_check_diff_and_write(tmp_path: Path) -> None:
    folder = _kb(tmp_path)
    clean_stamp = Stamp.of(folder / "clean.xml")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    check = cli("--root", str(tmp_path), "fmt", "--check")
    assert check.code == 1 and "would reformat" in check.out and "messy.xml" in check.out
    assert "skipped" in check.err and "legacy.xml" in check.err
    diff = cli("--root", str(tmp_path), "fmt", "--diff")
    assert diff.code == 1 and "+  <metadata>" in diff.out
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # wrote nothing
    done = cli("--root", str(tmp_path), "fmt")
    assert done.code == 0 and "reformatted" in done.out
    assert (folder / "messy.xml").read_text() == CANONICAL
    assert Stamp.of(folder / "clean.xml") == clean_stamp  # unchanged bytes: not rewritten
    assert (folder / "legacy.xml").read_bytes() == before["legacy.xml"]
    again = cli("--root", str(tmp_path), "fmt", "--check", "--format", "json")
    assert again.code == 0 and '"changed": 0' in again.out


def test_not_well_formed_is_a_finding(tmp_path: Path) -> None:
    folder = _kb(tmp_path)
    (folder / "broken.xml").write_text("<specification>\n  <metadata>\n</specification>\n")
    result = cli("--root", str(tmp_path), "fmt", "--check")
    assert result.code == 1 and "broken.xml:3:" in result.out and "KB101" in result.out


def test_symlinks_are_not_replaced(tmp_path: Path) -> None:
    folder = _kb(tmp_path)
    (folder / "link.xml").symlink_to(folder / "messy.xml")
    result = format_file(folder / "link.xml", tmp_path, 1 << 20, "link.xml")
    assert result.status == "skipped" and not write(result)
    assert (folder / "link.xml").is_symlink()


def test_a_concurrent_change_aborts_the_write(tmp_path: Path) -> None:
    folder = _kb(tmp_path)
    path = folder / "messy.xml"
    result = format_file(path, tmp_path, 1 << 20, "messy.xml")
    assert result.changed
    path.write_text(MESSY + "<!-- edited meanwhile -->\n")
    os.utime(path, ns=(1, 1))
    with pytest.raises(ConcurrentChangeError):
        write(result)
    assert path.read_text().endswith("<!-- edited meanwhile -->\n")
    assert [p.name for p in folder.iterdir() if p.name.endswith(".tmp")] == []


def _schema_order(kind: str) -> dict[str, tuple[str, ...]]:
    """Child element (kind="element") or attribute order of each element, read from the XSD."""
    from lxml import etree

    from kbtool.resources import xsd_path
    from kbtool.safexml import make_parser

    xs = "{http://www.w3.org/2001/XMLSchema}"
    root = etree.parse(str(xsd_path()), make_parser()).getroot()
    types = {t.get("name"): t for t in root.iter(f"{xs}complexType") if t.get("name")}
    order: dict[str, tuple[str, ...]] = {}
    for el in root.iter(f"{xs}element"):
        name = el.get("name")
        body = types.get(el.get("type") or "")
        if body is None:
            body = el.find(f"{xs}complexType")
        if name is None or body is None:
            continue
        own = [
            c.get("name")
            for c in body.iter(f"{xs}{kind}")
            # only this type's own children, not those of inline types nested deeper
            if c.get("name") and next(c.iterancestors(f"{xs}complexType")) is body
        ]
        if own:
            # The first declaration wins: the entry <learning> comes before <references>'
            # <learning ref>, which shares its name.
            order.setdefault(name, tuple(own))
    return order


def test_canonical_orders_follow_the_schema() -> None:
    from kbtool.fmt import ATTRIBUTE_ORDER, ELEMENT_ORDER

    elements = _schema_order("element")
    attributes = _schema_order("attribute")
    for name, children in ELEMENT_ORDER.items():
        assert children == elements[name], name
    for name, attrs in ATTRIBUTE_ORDER.items():
        assert attrs == attributes[name], name
