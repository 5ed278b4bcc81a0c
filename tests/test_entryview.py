"""The light entry reader (kbtool/entryview.py) and the one line rule (kbtool/xmlnodes.py)."""

from __future__ import annotations

from lxml import etree

from kbtool.entryview import EntryLink, read_entry
from kbtool.safexml import make_parser
from kbtool.xmlnodes import line_of

ENTRY = b"""<learnings>
<learning id="pool-x" severity=" high " >
  <title>  Pool <!-- c --> exhausted
    under load </title>
  <title>second title (invalid, ignored)</title>
  <category>Database</category>
  <description>
    Long   text
  </description>
  <tags><tag> a b </tag><tag>  </tag><tag>c</tag></tags>
  <symptoms><symptom versions="x&lt;2">E1</symptom><symptom> </symptom></symptoms>
  <solution><step>  Close
     the pool <code>pool.close()</code></step><step>two</step></solution>
  <files-modified><file>app/db.py</file></files-modified>
  <references>
    <fix-report href="reports/x.md">the   report</fix-report>
    <learning ref="other"/>
    <link/>
  </references>
  <supersedes ref="old"/>
</learning>
</learnings>"""


def _entry() -> etree._Element:
    root = etree.fromstring(ENTRY, make_parser())
    found = root.find("learning")
    assert found is not None
    return found


def test_one_pass_reads_what_every_reader_needs() -> None:
    e = read_entry(_entry())
    assert (e.id, e.line, e.severity, e.status) == ("pool-x", 2, " high ", None)
    assert e.title == "Pool  exhausted\n    under load"  # comments out; the first <title>
    assert (e.category, e.date, e.review_by) == ("Database", "", "")
    assert e.description == "Long   text"
    assert e.tags == ["a b", "c"]
    assert e.symptoms == [("E1", "x<2")]
    assert e.hint == "Close the pool"
    assert "pool.close()" in e.body and "app/db.py" in e.body and "the   report" not in e.body
    assert "the report" in e.body  # reference labels, collapsed
    assert e.links == [
        EntryLink("fix-report", "reports/x.md", "the report", 16),
        EntryLink("learning", "other", "", 17),
        EntryLink("link", "", "", 18),
        EntryLink("supersedes", "old", "", 20),
    ]


def test_line_of() -> None:
    el = _entry()
    assert line_of(el) == 2
    assert line_of(etree.Element("new")) == 0  # never parsed: unknown
    assert line_of(object()) == 0


def test_the_scanner_and_the_link_graph_read_through_it() -> None:
    from pathlib import Path

    from kbtool.scan.scanner import EntryInfo

    info = EntryInfo.from_element(_entry(), Path("x.xml"))
    assert (info.id, info.title, info.severity, info.hint, info.line) == (
        "pool-x",
        "Pool exhausted under load",
        "high",
        "Close the pool",
        2,
    )
    assert info.description == "Long text"


def test_the_short_read_for_validation_facts() -> None:
    e = read_entry(_entry(), texts=False)
    assert (e.id, e.line, e.title, e.category) == (
        "pool-x",
        2,
        "Pool  exhausted\n    under load",
        "Database",
    )
    assert (e.description, e.tags, e.symptoms, e.body, e.links, e.hint) == ("", [], [], "", [], "")


def test_the_links_read_for_the_link_graph_gives_the_full_read_s_links() -> None:
    """``texts=False, links=True`` (kbtool links) reads the same links as the full read, for
    every entry of the bundled KB, and skips the long texts."""
    from pathlib import Path

    from kbtool.config import load_config
    from kbtool.kb import KnowledgeBase, entries_of

    root = Path(__file__).resolve().parent.parent
    kb = KnowledgeBase.load(load_config(root=root))
    refs = [r for s in kb.sources for r in entries_of(s)]
    assert len(refs) > 50 and any(read_entry(r.element).links for r in refs)
    for ref in refs:
        full, light = read_entry(ref.element), read_entry(ref.element, texts=False, links=True)
        assert light.links == full.links, ref.id
        assert (light.title, light.line) == (full.title, full.line)
        assert light.description == "" and light.body == ""
