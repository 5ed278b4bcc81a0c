"""Rendered documents read as intended on GitHub.

Every bundled entry's fix report, a plan for each category, a plan of every entry and the
index are rendered to files inside a copy of the bundled KB, turned into HTML by cmark-gfm
(GitHub's own renderer, the ``cmarkgfm`` package), and their HTML structure is checked: no
empty heading, no literal code fence, every code block with its language, task lists and
tables where the templates put them, every relative link resolving to a file (and line) or
to a heading of the document, and no paragraph told twice under different headings.
The last tests take screenshots of three documents in headless Chromium, 900 px wide.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

import pytest
from helpers_cli import cli
from search_kb import bundled_copy

from kbtool.config import Config
from kbtool.hrefs import slugify_heading
from kbtool.kb import KnowledgeBase
from kbtool.selection import Selection, render_selection, select_entries

cmarkgfm = pytest.importorskip("cmarkgfm")  # the test extra; GitHub's renderer
from cmarkgfm.cmark import Options  # noqa: E402
from lxml import html as lxml_html  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
GENRE = HERE / "fixtures" / "reports" / "genre" / "missing-greenlet-lazy-load.md"
FLAGSHIP = "async-context-manager-dependency-injection"


def gfm(markdown: str) -> str:
    """HTML as GitHub renders a Markdown file (raw HTML such as <details> kept, as GitHub's
    sanitiser keeps it)."""
    return str(
        cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)
    )


# ------------------------------------------------------------------ the documents


@pytest.fixture(scope="module")
def kb_copy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, KnowledgeBase]:
    config = bundled_copy(tmp_path_factory.mktemp("kb"))
    return config, KnowledgeBase.load(config)


def render_to(
    kb_copy: tuple[Config, KnowledgeBase], template: str, selection: Selection, rel: str
) -> Path:
    config, kb = kb_copy
    out = config.root / rel
    out.parent.mkdir(parents=True, exist_ok=True)
    text = render_selection(config, template, selection, out=out, kb=kb, title="")
    out.write_text(text, encoding="utf-8")
    return out


def documents(kb_copy: tuple[Config, KnowledgeBase]) -> list[Path]:
    """Every fix report, a plan per category, the plan of everything, the index."""
    config, kb = kb_copy
    refs = list(kb.entries())
    out = [
        render_to(kb_copy, "fix-report.md.j2", Selection([ref]), f"docs/reports/{ref.id}.md")
        for ref in refs
    ]
    categories = sorted({ref.category for ref in refs})
    for n, category in enumerate(categories):
        selection = select_entries(config, kb, category=category)
        out.append(render_to(kb_copy, "remediation-plan.md.j2", selection, f"plans/p{n}.md"))
    out.append(render_to(kb_copy, "remediation-plan.md.j2", Selection(refs), "plans/all.md"))
    out.append(render_to(kb_copy, "index.md.j2", Selection(refs), "INDEX.md"))
    return out


@pytest.fixture(scope="module")
def rendered(kb_copy: tuple[Config, KnowledgeBase]) -> dict[Path, str]:
    return {path: gfm(path.read_text(encoding="utf-8")) for path in documents(kb_copy)}


def tree(markup: str) -> lxml_html.HtmlElement:
    return lxml_html.fromstring(f"<div>{markup}</div>")


def text_of(el: lxml_html.HtmlElement) -> str:
    return " ".join(el.text_content().split())


def anchors(root: lxml_html.HtmlElement) -> set[str]:
    """The anchors GitHub gives the headings (a repeated heading gets -1, -2 …)."""
    seen: Counter[str] = Counter()
    out = set()
    for h in root.iter("h1", "h2", "h3", "h4", "h5", "h6"):
        slug = slugify_heading(text_of(h))
        out.add(slug if not seen[slug] else f"{slug}-{seen[slug]}")
        seen[slug] += 1
    return out


# ------------------------------------------------------------------ the structure


def test_every_document_renders_with_sound_structure(rendered: dict[Path, str]) -> None:
    assert len(rendered) >= 30 + 6 + 2
    problems: list[str] = []
    for path, markup in rendered.items():
        root = tree(markup)
        where = path.name
        for h in root.iter("h1", "h2", "h3", "h4", "h5", "h6"):
            title = text_of(h)
            if not title or title.endswith(":"):
                problems.append(f"{where}: empty heading <{h.tag}>{title}</{h.tag}>")
        for h in root.iter("h2"):
            following = h.getnext()
            if following is None or following.tag in ("h1", "h2"):
                problems.append(f"{where}: empty section {text_of(h)!r}")
            if text_of(h).endswith("Five Whys") and not text_of(following).startswith("Why #1"):
                problems.append(f"{where}: 'Five Whys' without whys")
        if "```" in root.text_content():
            problems.append(f"{where}: a literal code fence is shown as text")
        for pre in root.iter("pre"):
            if not pre.get("lang"):
                problems.append(f"{where}: a code block without its language: {text_of(pre)[:60]}")
        if "<ul>\n<li></li>" in markup or "<p></p>" in markup:
            problems.append(f"{where}: an empty list item or paragraph")
    assert problems == []


def test_plans_have_task_lists_with_code_inside_and_the_index_has_tables(
    rendered: dict[Path, str], kb_copy: tuple[Config, KnowledgeBase]
) -> None:
    plans = {p: m for p, m in rendered.items() if p.parent.name == "plans"}
    assert plans
    for path, markup in plans.items():
        root = tree(markup)
        boxes = root.xpath("//li/input[@type='checkbox']")
        assert boxes, f"{path.name}: no task list"
        # the code of a step sits inside its checklist item, as a fenced block with a language
        assert root.xpath("//li[input[@type='checkbox']]//pre[@lang]"), path.name
        assert not root.xpath("//pre/code[starts-with(normalize-space(), '```')]"), path.name
    index = tree(next(m for p, m in rendered.items() if p.name == "INDEX.md"))
    categories = {ref.category for ref in kb_copy[1].entries()}
    assert len(index.xpath("//table")) == 1 + len(categories)
    assert index.xpath("//td[contains(., 'superseded by')]//a"), "superseded entry not marked"


def test_every_link_resolves(
    rendered: dict[Path, str], kb_copy: tuple[Config, KnowledgeBase]
) -> None:
    root_dir = kb_copy[0].root.resolve()
    problems: list[str] = []
    checked: Counter[str] = Counter()
    for path, markup in rendered.items():
        root = tree(markup)
        own = anchors(root)
        for a in root.iter("a"):
            href = unquote(html.unescape(a.get("href", "")))
            if re.match(r"(?i)(https?|mailto):", href):
                continue
            checked["anchor" if href.startswith("#") else "file"] += 1
            file_part, _, fragment = href.partition("#")
            if not file_part:
                if fragment not in own:
                    problems.append(f"{path.name}: #{fragment} is no heading of the document")
                continue
            target = (path.parent / file_part).resolve()
            if not target.is_file():
                problems.append(f"{path.name}: {href} is no file")
                continue
            line = re.fullmatch(r"L(\d+)", fragment)
            if line:
                count = len(target.read_text(encoding="utf-8").splitlines())
                if not 1 <= int(line.group(1)) <= count:
                    problems.append(f"{path.name}: {href} is past the end of the file")
            # a link whose text is a path names the whole target (not reports/x.md for
            # learnings/reports/x.md)
            label = text_of(a)
            looks_like_path = "/" in label and " " not in label  # not a title with a slash
            if looks_like_path and label.split("#")[0] != target.relative_to(root_dir).as_posix():
                problems.append(f"{path.name}: link text {label!r} for {href}")
            heading = fragment and not line and target.suffix == ".md"
            if heading and fragment not in anchors(tree(gfm(target.read_text(encoding="utf-8")))):
                problems.append(f"{path.name}: {href}: no such heading")
    assert problems == []
    assert checked["anchor"] > 30 and checked["file"] > 100, checked


def test_no_paragraph_is_told_twice(rendered: dict[Path, str]) -> None:
    """A field's text appears under one heading only: per h2 section of a fix report, per
    h3 section of each entry of a plan."""
    problems: list[str] = []
    compared = 0
    for path, markup in rendered.items():
        plan = path.parent.name == "plans"
        chunks = re.split(r"(?=<h2>)", markup) if plan else [markup]
        level = "h3" if plan else "h2"
        for chunk in chunks:
            seen: dict[str, str] = {}
            section = ""
            for el in tree(chunk).iter(level, "p", "li"):
                if el.tag == level:
                    section = text_of(el)
                    continue
                if el.tag == "li" and el.find("p") is not None:
                    continue  # a loose item: its paragraphs are checked themselves
                text = text_of(el)
                if len(text) < 40:
                    continue
                compared += 1
                if text in seen and seen[text] != section:
                    problems.append(
                        f"{path.name}: {text[:70]!r} under {seen[text]!r} and {section!r}"
                    )
                seen.setdefault(text, section)
    assert problems == []
    assert compared > 500


# ------------------------------------------------------------------ the flagship, as read


def test_flagship_fix_report_reads_like_the_seed(kb_copy: tuple[Config, KnowledgeBase]) -> None:
    _, kb = kb_copy
    ref = next(r for r in kb.entries() if r.id == FLAGSHIP)
    path = render_to(kb_copy, "fix-report.md.j2", Selection([ref]), "docs/flagship.md")
    text = path.read_text(encoding="utf-8")
    root = tree(gfm(text))
    # a header line: severity, category, date, status, versions
    header = text_of(root.xpath("//h1/following-sibling::p[1]")[0])
    for word in ("Severity: critical", "Category: Database/AsyncIO", "Date: 2025-08-15"):
        assert word in header
    assert "Status: active" in header and "fastapi<0.123.5" in header
    # one step form: "### N. title" with a title for every step
    steps = [text_of(h) for h in root.iter("h3") if re.match(r"\d+\. ", text_of(h))]
    assert len(steps) == 3 and all(len(s) > 10 for s in steps)
    # prose symptom as text, error symptoms as code with their versions
    items = root.xpath("//h3[.='Symptoms']/following-sibling::ul[1]/li")
    assert [
        li.find("code") is not None and text_of(li).startswith(text_of(li.find("code")))
        for li in items
    ] == [True, True, False]
    assert "versions: fastapi>=0.123.5" in text_of(items[1])
    # the broken code, with its file, and a key-differences table
    assert "**In `app/dependencies.py`:**" in text and "### Key Differences" in text
    # related learnings are links to their file and line; the hand-written report is kept
    related = root.xpath("//h2[.='Related Issues']/following-sibling::ul[1]/li")
    hrefs = [a.get("href") for li in related for a in li.iter("a")]
    assert "../learnings/reports/async-context-manager-depends.md" in hrefs
    assert any(re.search(r"fastapi\.xml#L\d+$", h or "") for h in hrefs)
    assert hrefs[-1].endswith("learnings/database_asyncio.xml#L12")


def test_plan_orders_by_severity_and_says_why(kb_copy: tuple[Config, KnowledgeBase]) -> None:
    config, kb = kb_copy
    log = (  # two errors, of a high and of a critical entry, the high one first
        "RuntimeWarning: coroutine 'AsyncSession.commit' was never awaited\n"
        "AttributeError: '_GeneratorContextManager' object has no attribute 'query'\n"
    )
    selection = select_entries(config, kb, match=log)
    assert len({e.element.get("severity") for e in selection.entries}) > 1
    path = render_to(kb_copy, "remediation-plan.md.j2", selection, "plans/match.md")
    text = path.read_text(encoding="utf-8")
    rank = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    found = re.findall(r"^\*\*(critical|high|medium|low)\*\* · ", text, re.MULTILINE)
    assert [rank[s] for s in found] == sorted(rank[s] for s in found)
    contents = text.split("\n## ")[0]
    assert "match of `" in contents  # the contents list says which symptom matched


def test_one_entry_plan_has_no_contents_and_big_plan_folds(
    kb_copy: tuple[Config, KnowledgeBase], rendered: dict[Path, str]
) -> None:
    _, kb = kb_copy
    ref = next(r for r in kb.entries() if r.id == FLAGSHIP)
    one = render_to(kb_copy, "remediation-plan.md.j2", Selection([ref]), "plans/one.md")
    text = one.read_text(encoding="utf-8")
    assert "1 learning to apply." in text and "\n1. [" not in text
    assert "tests/repro/" not in text.split("### Verification")[1].split("###")[0]
    big = tree(next(m for p, m in rendered.items() if p.name == "all.md"))
    current = [r for r in kb.entries() if r.element.get("status", "active") != "superseded"]
    assert len(current) < len(list(kb.entries()))  # the bundled KB has a superseded entry
    assert len(big.xpath("//details")) == len(current)  # the superseded entry is left out
    first_table = big.xpath("//table")[0]
    assert len(first_table.xpath(".//tbody/tr")) == len(current)
    assert big.xpath("//h2")[0].getnext() is not None


# Tags a plan may hold once GitHub has rendered it; anything else is HTML that leaked through.
PLAN_TAGS = frozenset(
    {"div", "h1", "h2", "h3", "h4", "p", "ul", "ol", "li", "input", "pre", "code", "strong"}
    | {"em", "a", "blockquote", "del", "table", "thead", "tbody", "tr", "th", "td", "details"}
    | {"summary", "br", "hr", "sup", "section"}
)


def test_every_entry_plan_renders_as_intended(kb_copy: tuple[Config, KnowledgeBase]) -> None:
    """The plan of each bundled entry, as GitHub renders it: only the HTML Markdown makes,
    one checklist item per step holding that step's code, one per file, check and
    prevention item, and every link to a file, a line of it or a heading there, or a URL."""
    from kbtool.entry_xml import learning_data

    kb = kb_copy[1]
    problems: list[str] = []
    plans = 0
    for ref in kb.entries():
        out = render_to(kb_copy, "remediation-plan.md.j2", Selection([ref]), f"plans/{ref.id}.md")
        markdown = out.read_text(encoding="utf-8")
        root = tree(gfm(markdown))
        plans += 1
        where = ref.id
        stray = sorted({el.tag for el in root.iter() if el.tag not in PLAN_TAGS})
        if stray:
            problems.append(f"{where}: HTML that Markdown did not make: {stray}")
        if "```" in root.text_content() or "~~~" in root.text_content():
            problems.append(f"{where}: a code fence shown as text")
        data = learning_data(ref.element)
        sections = {text_of(h): h for h in root.iter("h3")}
        steps = sections["Steps"].getnext()
        items = steps.xpath("./li[input[@type='checkbox']]") if steps is not None else []
        if len(items) != max(1, len(data["solution"])):
            problems.append(f"{where}: {len(items)} step items for {len(data['solution'])} steps")
        for item, step in zip(items, data["solution"], strict=False):
            if len(item.xpath(".//pre")) < len(step["code"]):
                problems.append(f"{where}: the code of step {text_of(item)[:40]!r} left its item")
        for heading, count in (
            ("Files to touch", len(data["files_modified"])),
            ("Prevention", len(data["prevention"])),
        ):
            if count:
                box = sections[heading].getnext()
                if box is None or len(box.xpath("./li[input[@type='checkbox']]")) != count:
                    problems.append(f"{where}: {heading}: not {count} checklist items")
        if len(root.xpath("//ul[not(ancestor::li)]/li[not(input)]//pre")):
            problems.append(f"{where}: a code block outside the checklist")
        for a in root.iter("a"):
            href = unquote(html.unescape(a.get("href", "")))
            if re.match(r"(?i)(https?|mailto):", href):
                continue
            file_part, _, fragment = href.partition("#")
            target = (out.parent / file_part).resolve() if file_part else out
            if not target.is_file():
                problems.append(f"{where}: {href} is no file")
            elif re.fullmatch(r"L\d+", fragment):
                lines = len(target.read_text(encoding="utf-8").splitlines())
                if int(fragment[1:]) > lines:
                    problems.append(f"{where}: {href} is past the end of the file")
            elif fragment and fragment not in anchors(tree(gfm(target.read_text("utf-8")))):
                problems.append(f"{where}: {href}: no such heading")
    assert plans == len(kb.ids()) >= 90
    assert problems == []


def test_plural_words() -> None:
    from kbtool.reporters import plural

    assert plural(1, "entry") == "1 entry" and plural(2, "entry") == "2 entries"
    assert plural(1, "finding") == "1 finding" and plural(3, "finding") == "3 findings"
    assert plural(2, "key") == "2 keys"


# ------------------------------------------------------------------ round trip of the genre


def test_seed_genre_report_render_import_render_is_stable(tmp_path: Path) -> None:
    def import_and_render(report_text: str, name: str) -> str:
        root = tmp_path / name
        (root / "learnings" / "reports").mkdir(parents=True)
        (root / "kbtool.toml").write_text('learnings = "learnings"\n')
        report = root / "learnings" / "reports" / "missing-greenlet.md"
        report.write_text(report_text, encoding="utf-8")
        args = ["--root", str(root), "import-report", str(report)]
        result = cli(*args, "--category", "Database/SQLAlchemy", "--date", "2025-06-01")
        assert result.code == 0, result.err + result.out
        entry = "missinggreenlet-on-lazy-loaded-relationship"
        # rendered where fix reports live, so its links resolve from there
        out = root / "learnings" / "reports" / "rendered.md"
        rendered = cli("--root", str(root), "render", "fix-report.md.j2", entry, "-o", str(out))
        assert rendered.code == 0, rendered.err
        return out.read_text(encoding="utf-8")

    first = import_and_render(GENRE.read_text(encoding="utf-8"), "one")
    second = import_and_render(first, "two")
    if second != first:
        import difflib

        print("".join(difflib.unified_diff(first.splitlines(True), second.splitlines(True))))
    assert second == first
    assert "**In `app/repositories/customers.py`:**" in first


# ------------------------------------------------------------------ screenshots

CSS = """
body { font: 16px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0;
       padding: 32px; max-width: 900px; box-sizing: border-box; color: #1f2328; }
h1, h2 { border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; }
code { font: 85% ui-monospace, monospace; background: #eff1f3; padding: .2em .4em;
       border-radius: 6px; white-space: break-spaces; }
pre { background: #f6f8fa; padding: 16px; overflow: auto; border-radius: 6px; }
pre code { background: none; padding: 0; white-space: pre; }
table { border-collapse: collapse; display: block; overflow: auto; }
td, th { border: 1px solid #d1d9e0; padding: 6px 13px; }
blockquote { border-left: .25em solid #d1d9e0; margin: 0; padding: 0 1em; color: #59636e; }
li > input { margin-right: .4em; }
li > input + p { display: inline; }  /* GitHub puts the box inside the item's first line */
"""


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def artifacts_dir() -> Path:
    folder = Path(
        os.environ.get("KBTOOL_ARTIFACTS") or Path(tempfile.gettempdir()) / "kbtool-artifacts"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def page(title: str, body: str) -> str:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{CSS}</style></head><body>{body}"
        "<script>document.body.setAttribute('data-overflow',"
        " String(document.documentElement.scrollWidth > window.innerWidth));"
        "document.body.setAttribute('data-height', document.documentElement.scrollHeight);"
        "</script>"
        "</body></html>"
    )


def run_chromium(browser: str, *args: str, height: int = 1800) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--window-size=900,{height}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_screenshots_at_900px(
    kb_copy: tuple[Config, KnowledgeBase],
    rendered: dict[Path, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    browser = chromium()
    if browser is None:
        pytest.skip("no chromium on PATH (Debian: apt-get install -y chromium)")
    folder = artifacts_dir()
    _, kb = kb_copy
    flagship = next(r for r in kb.entries() if r.id == FLAGSHIP)
    report = render_to(kb_copy, "fix-report.md.j2", Selection([flagship]), "docs/flagship.md")
    plan = render_to(kb_copy, "remediation-plan.md.j2", Selection([flagship]), "plans/flagship.md")
    index = next(p for p in rendered if p.name == "INDEX.md")
    written = []
    for name, path in (("fix-report", report), ("plan", plan), ("index", index)):
        page_path = folder / f"{name}.html"
        page_path.write_text(page(name, gfm(path.read_text(encoding="utf-8"))), encoding="utf-8")
        dom = run_chromium(browser, "--dump-dom", page_path.as_uri())
        assert 'data-overflow="false"' in dom.stdout, f"{name}: wider than 900 px"
        height = int(re.search(r'data-height="(\d+)"', dom.stdout).group(1))  # type: ignore[union-attr]
        png = folder / f"{name}.png"  # the whole page, up to 16000 px
        shot = run_chromium(
            browser, f"--screenshot={png}", page_path.as_uri(), height=min(height, 16000)
        )
        assert shot.returncode == 0 and png.stat().st_size > 10_000, shot.stderr[-500:]
        written.append(png)
    with capsys.disabled():
        print(f"\nscreenshots: {', '.join(str(p) for p in written)}")


# ------------------------------------------------------------------ the format's render hints

HINTS_KB = HERE / "fixtures" / "render_hints"  # an entry with step title, code file and kind


def test_step_title_file_and_broken_code_render(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    shutil.copytree(HINTS_KB, root)
    assert cli("--root", str(root), "validate", str(root / "learnings")).code == 0
    report = cli("--root", str(root), "render", "fix-report", "hinted")
    assert report.code == 0, report.err
    assert "### 1. Depend on the plain generator\n" in report.out
    # the <code file kind> ride in the info string, so import-report gets them back
    code = "\n\n```python file=app/routes/users.py"
    line = "\ndb: AsyncSession = Depends("
    broken = "**Broken, in `app/routes/users.py`:**" + code + " kind=bad" + line + "get_session)"
    fixed = "**Fixed, in `app/routes/users.py`:**" + code + line + "get_db)"
    assert broken in report.out and fixed in report.out
    assert report.out.index(broken) < report.out.index(fixed)
    plan = cli("--root", str(root), "plan", "hinted")
    assert "- [ ] **Depend on the plain generator**" in plan.out
    assert "  **Broken, in `app/routes/users.py`:**\n\n  ```python\n" in plan.out
    root_html = tree(gfm(plan.out))
    assert len(root_html.xpath("//li[input]//pre[@lang='python']")) == 2


def test_one_is_singular_in_counts(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    shutil.copytree(HINTS_KB, root)
    stats = cli("--root", str(root), "stats")
    assert stats.code == 0 and stats.out.startswith("1 entry in 1 file "), stats.out
    index = cli("--root", str(root), "index")
    assert "; 1 entry in 1 file (" in index.out + index.err
    out = tmp_path / "plan.md"
    plan = cli("--root", str(root), "plan", "hinted", "-o", str(out))
    assert "(1 entry)" in plan.err and "1 learning to apply." in out.read_text()


def test_entry_text_that_starts_like_a_block_stays_the_items_text(tmp_path: Path) -> None:
    """An item written the way Markdown habits write it ("- always await", "# note", "---")
    became a nested list, a heading or a rule inside the fix report's and plan's lists."""
    root = tmp_path / "kb"
    shutil.copytree(HINTS_KB, root)
    path = root / "learnings" / "fastapi.xml"  # one entry, with neither field yet
    xml = path.read_text()
    items = ["- always await", "1. one thing", "# not a heading", "---", "* star item"]
    prevention = "".join(f"<item>{t}</item>" for t in items)
    causes = "".join(f"<cause>{t}</cause>" for t in items)
    xml = xml.replace("</solution>", f"</solution><prevention>{prevention}</prevention>")
    xml = xml.replace("</description>", f"</description><root-causes>{causes}</root-causes>", 1)
    path.write_text(xml)
    assert cli("--root", str(root), "validate").code == 0
    for argv in (["render", "fix-report", "hinted"], ["plan", "hinted"]):
        out = cli("--root", str(root), *argv)
        assert out.code == 0, out.err
        page = tree(gfm(out.out))
        assert not page.xpath("//li//ul | //li//ol | //li//h1 | //li//hr | //hr"), argv
        texts = [" ".join(li.text_content().split()) for li in page.xpath("//li")]
        for item in items:
            assert texts.count(item) == 2, (argv, item, texts)  # as cause and as prevention


def test_the_tenth_numbered_item_keeps_its_code_inside_it(tmp_path: Path) -> None:
    """ "10. " is four characters: the fix report indented an item's later lines by three,
    so the tenth prevention item's code block and paragraphs fell out of the list."""
    root = tmp_path / "kb"
    shutil.copytree(HINTS_KB, root)
    path = root / "learnings" / "fastapi.xml"
    items = "".join(f"<item>Item {i}</item>" for i in range(1, 10))
    items += "<item>Tenth:\n\n```python\nx = 1\n```\n\nAfter.</item>"
    xml = path.read_text().replace("</solution>", f"</solution><prevention>{items}</prevention>")
    path.write_text(xml)
    assert cli("--root", str(root), "validate").code == 0
    out = cli("--root", str(root), "render", "fix-report", "hinted")
    page = tree(gfm(out.out))
    tenth = page.xpath("//h2[contains(., 'Prevention')]/following-sibling::ol[1]/li[10]")
    assert tenth, out.out
    assert tenth[0].xpath(".//pre[@lang='python']") and "After." in tenth[0].text_content()
