"""Every field of an entry reads right on GitHub, for entries the templates were not tuned on.

``tests/fixtures/gfm_blind`` holds 41 entries written before reading the escaper, with what
teams write in them: ``*args``, ``__init__``, ``List<int>``, ``#123``, ``@alice``, line-start
``1. `` / ``> `` / ``#``, pipes, stray backticks, code holding fences, ``$`` math, HTML
comments, ``<details>``, raw URLs, ``javascript:`` links, Windows paths, literal entities,
``{{ jinja }}``, tabs, CRLF, long lines and non-Latin text. Each is rendered as a plan and a
fix report, turned into HTML by cmark-gfm (GitHub's renderer), and each field is compared
with what a reader sees:

- its text is there, every character, nothing added (no stray backslash, no ``&amp;amp;``);
  "Markdown-lite" the entry meant (code spans, fenced code, ``**bold**``, links) shows as
  such, which :func:`seen` models;
- each step stays one checklist item (plan), each code block a code block with its text and
  language, inside its step;
- no live ``@mention`` (GitHub pings the person, in an issue or pull request that quotes the
  plan) and no bare ``#123`` / ``GH-123`` / ``owner/repo#123`` outside code: GitHub links
  those to an issue of the repository the document sits in, which is not the upstream issue
  the entry means;
- no link to ``javascript:`` or ``data:``.

The figure (fields rendered right / fields) is printed.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from kbtool.config import Config, load_config
from kbtool.entry_xml import learning_data
from kbtool.entryview import split_file_line
from kbtool.kb import KnowledgeBase
from kbtool.render.derive import symptom_kind
from kbtool.selection import Selection, render_selection

cmarkgfm = pytest.importorskip("cmarkgfm")
from cmarkgfm.cmark import Options  # noqa: E402
from lxml import html as lxml_html  # noqa: E402

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "gfm_blind"

#: What a reader sees of fields that use Markdown-lite on purpose (emphasis, links): the
#: rest is seen as written, code spans and fences aside.
MEANT = {
    ("markdown-lite", "description"): "Use async with session.begin(): once, not per item;"
    " see the guide and a`b.",
    # a link to javascript: or data: shows as written, unlinked; an image becomes a link
    ("js-link", "description"): "The page had [click](javascript:alert(document.cookie)) and ok"
    " and !img and [data](data:text/html;base64,PHNjcmlwdD4=).",
    ("quote-lines", "description"): "The docs say: never share a session between tasks and we"
    " did, with cmd > out.log 2>&1.",
    ("task-syntax", "step"): "nested task",  # a step written as a task list
    ("quote-lines", "answer"): "clobbers; >> appends.",  # an answer may be a quote
    ("whys-markdown", "answer"): "Because the wrapper had *args only. Second paragraph: a_b_c."
    " a list item another",
    ("raw-urls", "reference"): "Docs v2 | page",
    ("details-block", "description"): "<details> <summary>Traceback</summary> ValueError: boom"
    " </details>",
}


def gfm(markdown: str) -> str:
    return str(
        cmarkgfm.github_flavored_markdown_to_html(
            markdown, options=Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_FOOTNOTES
        )
    )


def norm(text: str) -> str:
    return " ".join(text.split())


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*$", re.MULTILINE)


def _spans(text: str) -> str:
    """Code spans as CommonMark reads them: a run of n backticks up to the next run of n."""
    out, pos = [], 0
    for m in re.finditer(r"`+", text):
        if m.start() < pos:
            continue
        close = re.compile(rf"(?<!`){m.group()}(?!`)").search(text, m.end())
        if close is None:
            continue
        inner = text[m.end() : close.start()].replace("\n", " ")
        if inner.startswith(" ") and inner.endswith(" ") and inner.strip():
            inner = inner[1:-1]
        out.append(text[pos : m.start()] + inner)
        pos = close.end()
    return "".join(out) + text[pos:]


def seen(text: str) -> str:
    """What a reader should see of a Markdown-lite field: code span and fence delimiters
    are Markdown; everything else is the text."""
    return norm(_spans(_FENCE.sub("", text)))


def visible(root: lxml_html.HtmlElement) -> str:
    return norm(root.text_content())


def live_references(root: lxml_html.HtmlElement) -> list[str]:
    """@mentions and issue references GitHub would turn into links: in text outside code,
    pre and links."""
    found = []
    for node in root.xpath("//text()[not(ancestor::code or ancestor::pre or ancestor::a)]"):
        found += re.findall(r"(?<![\w@./`])@[A-Za-z0-9][\w-]*", node)
        found += re.findall(r"(?<![\w&/#`])(?:[\w.-]+/[\w.-]+)?#\d+\b|\bGH-\d+\b", node)
    return found


def checks(entry: dict[str, Any], doc: str, template: str) -> list[tuple[str, str, bool]]:
    """(field, what it should show, shown right) for each field the template prints."""
    root = lxml_html.fromstring(f"<div>{gfm(doc)}</div>")
    page = visible(root)
    plan = template.startswith("remediation")
    eid = entry["id"]
    out: list[tuple[str, str, bool]] = []

    def field(name: str, text: str, trail: bool = False) -> None:
        want = norm(MEANT.get((eid, name), seen(text)))
        ok = want in page or (trail and want.rstrip(" .:") in page)
        out.append((name, want, ok))

    field("title", entry["title"])
    field("description", entry["description"])
    description = entry["description"]
    for s in entry["symptoms"]:
        if plan and not s.get("versions") and s["text"] in description:
            continue
        if symptom_kind(s["text"]) == "error":  # shown as code, as printed
            out.append(("symptom", s["text"], norm(s["text"]) in page))
        else:
            field("symptom", s["text"])
    for c in entry["root_causes"]:
        field("cause", c)
    if not plan:
        for w in entry["five_whys"]:
            field("question", w["question"])
            field("answer", w["answer"])
    for s in entry["solution"]:
        if s.get("title"):
            field("step title", s["title"])
        for paragraph in re.split(r"\n\s*\n", s["text"]):
            if paragraph.strip():
                field("step", paragraph, trail=True)
        for c in s["code"]:
            code = c["text"].replace("\r\n", "\n").replace("\r", "\n")  # Markdown has no CR
            pres = [p for p in root.iter("pre") if p.text_content() == code + "\n"]
            lang = c.get("lang") or ""
            ok = any((p.get("lang") or "") == lang for p in pres)
            out.append(("code", f"{lang}: {c['text'][:40]!r}", ok))
    if plan:
        items = root.xpath("//h3[.='Steps']/following-sibling::ul[1]/li")
        ok = len(items) == max(1, len(entry["solution"])) and all(
            len(item.xpath(".//pre")) >= len(s["code"])
            for item, s in zip(items, entry["solution"], strict=False)
        )
        if entry["solution"]:
            out.append(("steps", f"{len(entry['solution'])} checklist items with their code", ok))
    for f in entry["files_modified"]:
        path, note = split_file_line(f)
        field("file", path)
        if note:
            field("file note", note)
    for c in entry["verification"]:
        field("check", c)
    for p in entry["prevention"]:
        field("prevention", p)
    if plan:
        for t in entry["test_cases"]:
            field("test case", t)
    for r in entry["references"]:
        if r.get("label"):
            field("reference", r["label"])
    for h in root.iter("h3"):  # the fix report's own "Why #1" headings are not the entry's
        if h.text and re.match(r"Why #\d+: ", h.text):
            h.text = h.text.split(": ", 1)[1]
    live = live_references(root)
    out.append(("no live @mention or #ref", " ".join(live), not live))
    bad = [
        a.get("href")
        for a in root.iter("a")
        if re.match(r"(?i)\s*(javascript|data|vbscript):", a.get("href") or "")
    ]
    out.append(("no javascript: link", " ".join(bad), not bad))
    return out


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, KnowledgeBase]:
    root = tmp_path_factory.mktemp("gfm") / "kb"
    shutil.copytree(FIXTURE, root)
    config = load_config(root=root)
    return config, KnowledgeBase.load(config)


def render(kb: tuple[Config, KnowledgeBase], template: str, entry_id: str) -> str:
    config, base = kb
    ref = base.find(entry_id)
    assert ref is not None
    out = config.root / "docs" / f"{entry_id}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    return render_selection(config, template, Selection([ref]), out=out, kb=base, title="")


def test_every_field_of_every_blind_entry_reads_right(
    kb: tuple[Config, KnowledgeBase], capsys: pytest.CaptureFixture[str]
) -> None:
    _, base = kb
    refs = list(base.entries())
    assert len(refs) >= 40
    results: list[tuple[str, str, str, str, bool]] = []
    for ref in refs:
        entry = learning_data(ref.element)
        entry["id"] = ref.id
        for template in ("remediation-plan.md.j2", "fix-report.md.j2"):
            doc = render(kb, template, ref.id)
            for name, want, ok in checks(entry, doc, template):
                results.append((ref.id, template.split("-")[0], name, want, ok))
    wrong = [r for r in results if not r[4]]
    with capsys.disabled():
        print(f"\nGitHub rendering: {len(results) - len(wrong)}/{len(results)} fields right")
        for eid, where, name, want, _ in wrong:
            print(f"  {eid} ({where}) {name}: {want[:100]!r}")
    assert wrong == []


INDENTED = """<?xml version="1.0" encoding="UTF-8"?>
<specification>
  <metadata><name>X</name><type>learnings</type><category>X</category></metadata>
  <learnings>
    <learning id="indented">
      <title>Written indented</title>
      <date>2025-01-01</date>
      <category>X</category>
      <description>
        First paragraph of the description,
        wrapped at 80 columns.

        Second paragraph, indented like the first.

        ```python
        if x:
            y()
        ```
      </description>
      <prevention>
        <item>
          One item, wrapped
          over two lines.

          And a second paragraph.
        </item>
      </prevention>
    </learning>
  </learnings>
</specification>
"""


def test_text_written_indented_in_the_xml_reads_as_paragraphs(tmp_path: Path) -> None:
    """The XML reader strips the white space around an element's text, not the indent of its
    later lines: an entry written indented had its second paragraph shown as a code block
    (4 spaces or more), and its fenced code as a code block holding the fence."""
    (tmp_path / "learnings").mkdir()
    (tmp_path / "kbtool.toml").write_text('learnings = "learnings"\n')
    (tmp_path / "learnings" / "x.xml").write_text(INDENTED, encoding="utf-8")
    config = load_config(root=tmp_path)
    kb = (config, KnowledgeBase.load(config))
    for template in ("remediation-plan.md.j2", "fix-report.md.j2"):
        root = lxml_html.fromstring(f"<div>{gfm(render(kb, template, 'indented'))}</div>")
        paragraphs = [norm(p.text_content()) for p in root.iter("p")]
        assert "Second paragraph, indented like the first." in paragraphs, template
        assert "And a second paragraph." in paragraphs, template
        pres = [(p.get("lang"), p.text_content()) for p in root.iter("pre")]
        assert pres == [("python", "if x:\n    y()\n")], (template, pres)


def test_a_plan_of_every_blind_entry_keeps_its_table_and_anchors(
    kb: tuple[Config, KnowledgeBase],
) -> None:
    """The plan of all 41 (a summary table, then each entry folded): each table row has the
    table's columns, and each link to a section lands on a heading GitHub anchors so (a
    title's tab or line break is one space in the heading, so in its anchor)."""
    from test_render_github import anchors

    config, base = kb
    out = config.root / "docs" / "all.md"
    markdown = render_selection(
        config,
        "remediation-plan.md.j2",
        Selection(list(base.entries())),
        out=out,
        kb=base,
        title="",
    )
    root = lxml_html.fromstring(f"<div>{gfm(markdown)}</div>")
    (table,) = root.iter("table")
    width = len(table.xpath(".//thead/tr/th"))
    rows = table.xpath(".//tbody/tr")
    assert len(rows) == 41 and all(len(tr.xpath("./td")) == width for tr in rows)
    own = anchors(root)
    links = [unquote(a.get("href")) for a in root.iter("a") if a.get("href", "").startswith("#")]
    assert len(links) >= 41
    assert [href for href in links if href[1:] not in own] == []
