"""kbtool.search.snippets: an entry's text taken from its XML without a parser."""

from __future__ import annotations

from kbtool.search.snippets import element_at, fields_of, text_of

XML = b"""<?xml version="1.0"?>
<specification><learnings>
  <learning id="a-b" severity="low">
    <title>Short &amp; sweet</title>
    <references><learning ref="a"/></references>
  </learning>
  <learning id="a" severity="high">
    <title>The &lt;one&gt; &#233;t&#xE9;</title>
    <description><![CDATA[x < y]]> and <!-- no --> more</description>
    <symptoms><symptom versions="x">Boom: 1</symptom><symptom>Bang</symptom></symptoms>
    <tags><tag>t1</tag><tag>t2</tag></tags>
    <solution><step>Do it.<code lang="python">run()</code></step></solution>
    <detectors><detector>not text</detector></detectors>
  </learning>
</learnings></specification>
"""


def test_the_element_is_found_by_id_and_line() -> None:
    assert element_at(XML, 7, "a").startswith('<learning id="a" severity="high">')
    assert element_at(XML, 3, "a-b").startswith('<learning id="a-b"')
    assert element_at(XML, 3, "a") == ""  # "a" there is a prefix of "a-b", or a reference
    assert element_at(XML, 8, "a") == ""  # not where the index said
    assert element_at(XML, 7, "zzz") == ""


def test_fields_take_text_not_markup() -> None:
    fields = fields_of(element_at(XML, 7, "a"))
    assert fields["title"] == "The <one> été"
    assert fields["description"] == "x < y and  more"
    assert fields["symptoms"] == "Boom: 1\nBang"
    assert fields["tags"] == "t1 t2"
    assert fields["body"].split() == ["Do", "it.", "run()"]  # prose and code apart
    assert "not text" not in fields["body"]  # detectors are not searched


def test_text_of_bad_entities() -> None:
    assert text_of("a &#99999999999; b &bogus; c") == "a   b &bogus; c"
