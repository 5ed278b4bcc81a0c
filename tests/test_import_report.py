"""kbtool import-report: Markdown fix reports → entries, the why forms, the round trip."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from helpers_cli import cli
from helpers_corpus import import_fixture
from helpers_text import check_golden

from kbtool.config import load_config
from kbtool.reports.importer import entry_title, field_of_heading
from kbtool.reports.links import build_graph
from kbtool.reports.parser import decode, parse_report

HERE = Path(__file__).resolve().parent
REPORTS = HERE / "fixtures" / "reports"
GENRE = REPORTS / "genre" / "missing-greenlet-lazy-load.md"
BAD = HERE / "fixtures" / "badinputs" / "legacy_markdown"
GOLDEN = HERE / "golden" / "fix_reports"


def make_kb(tmp_path: Path) -> Path:
    root = tmp_path / "kb"
    (root / "learnings" / "reports").mkdir(parents=True)
    (root / "kbtool.toml").write_text('[tool.kbtool]\nlearnings = "learnings"\n')
    return root


def golden(name: str, text: str) -> None:
    check_golden(GOLDEN / name, text)


def imported(path: Path, root: Path, **kw: Any):
    return import_fixture(path, root, category="Testing/Pytest", links=True, **kw)


def assert_no_html(text: str) -> None:
    """No renderer sees raw HTML: markdown-it (HTML on) finds no HTML token."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    for token in md.parse(text):
        assert token.type != "html_block", token.content
        for child in token.children or []:
            assert child.type != "html_inline", child.content


def h2(text: str) -> list[str]:
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(text)
    return [
        tokens[i + 1].content
        for i, t in enumerate(tokens)
        if t.type == "heading_open" and t.tag == "h2"
    ]


# ------------------------------------------------------------------ headings and whys


@pytest.mark.parametrize(
    ("heading", "title"),
    [
        ("Fix Report: Pool exhausted", "Pool exhausted"),
        ("Pool exhausted – Fix Summary", "Pool exhausted"),
        (
            "MissingGreenlet on Lazy-Loaded Relationship Fix Report",
            "MissingGreenlet on Lazy-Loaded Relationship",
        ),
        ("Post-mortem - DB  outage", "DB outage"),
        ("Login fails: incident report", "Login fails"),
        ("Broken daily report", "Broken daily report"),  # a report that is the subject stays
        ("Report", "Report"),
    ],
)
def test_entry_title_drops_the_genre_words(heading: str, title: str) -> None:
    assert entry_title(heading) == title


@pytest.mark.parametrize(
    ("heading", "field"),
    [
        ("Problem Statement", "description"),
        ("Problem Summary", "description"),
        ("Issue Summary", "description"),
        ("Root Cause Analysis - Five Whys", "whys"),
        ("Five Whys Root Cause Analysis", "whys"),
        ("5 Whys", "whys"),
        ("Root Cause", "root_causes"),
        ("Solution Implemented", "solution"),
        ("Changes Made", "solution"),
        ("Technical Implementation Details", "solution"),
        ("Files Modified", "files"),
        ("Files Created/Modified", "files"),
        ("Prevention Recommendations", "prevention"),
        ("Prevention Measures", "prevention"),
        ("Lessons Learned", "prevention"),
        ("Verification", "verification"),
        ("Testing", "verification"),
        ("Related Issues", "references"),
        ("Related Documentation", "references"),
        ("2. Symptoms", "symptoms"),
        ("Impact", None),
        ("Technical Explanation", None),
        ("Executive Summary", None),
        ("Success Criteria", None),
        ("🔍 Fix Verification", "verification"),
    ],
)
def test_heading_variants_map_to_fields(heading: str, field: str | None) -> None:
    assert field_of_heading(heading) == field


@pytest.mark.parametrize(
    "name",
    [
        "bold-lines.md",
        "list-lines.md",
        "inline-why.md",
        "headings-no-label.md",
        "numbered-questions.md",
    ],
)
def test_every_why_form_gives_five_whys(tmp_path: Path, name: str) -> None:
    learning = imported(REPORTS / "variants" / name, make_kb(tmp_path))
    assert len(learning.five_whys) == 5
    for why in learning.five_whys:
        assert why.question.startswith("Why"), why.question
        assert why.question.rstrip().endswith("?"), why.question
        assert why.answer and not why.answer.lower().startswith(("answer", "**answer", "→"))
    assert learning.symptoms and learning.files_modified and learning.prevention


def test_variant_details(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    bold = imported(REPORTS / "variants" / "bold-lines.md", root)
    assert bold.date == dt.date(2025, 3, 4) and bold.severity and bold.severity.value == "high"
    assert [s.text for s in bold.symptoms] == [
        "asyncio.exceptions.TimeoutError",
        "RuntimeError: Task <Task pending name='Task-7'> got Future attached to a different loop",
    ]
    assert bold.files_modified == [
        "tests/conftest.py - client fixture scoped per test",
        "tests/test_loop_scope.py - asserts each test sees its own loop (Created)",
    ]
    assert [(r.kind, r.target) for r in bold.references] == [
        ("issue", "https://github.com/pytest-dev/pytest-asyncio/issues/706")
    ]
    assert any('heading="Executive Summary"' in x for x in bold.extras)
    assert any("WEBHOOK_FLAKE_NOTES.md" in x for x in bold.extras)  # unresolved: kept

    front = imported(REPORTS / "variants" / "inline-why.md", root)
    assert front.title == "Event loop is closed after pytest session"
    assert front.tags == ["pytest", "asyncio"] and front.date == dt.date(2025, 5, 20)
    assert front.root_causes == [
        "A client created at import time outlives the event loop it needs to close."
    ]
    assert [len(s.code) for s in front.solution] == [1, 1]

    listed = imported(REPORTS / "variants" / "list-lines.md", root)
    assert listed.five_whys[1].answer.startswith("The field is typed `PostgresDsn`")
    assert listed.solution[0].code[0].lang == "python"
    assert any('heading="Success Criteria" after="prevention"' in x for x in listed.extras)

    numbered = imported(REPORTS / "variants" / "numbered-questions.md", root)
    assert numbered.title == "worker pool hangs after a deploy"  # "Fix report:" dropped
    assert numbered.five_whys[3].question == "Why does the hook see the new producer?"
    assert numbered.five_whys[3].answer.startswith("It collects tasks with `asyncio.all_tasks()`")

    plain = imported(REPORTS / "variants" / "headings-no-label.md", root)
    assert plain.symptoms[0].text.startswith("IntegrityError: duplicate key value")
    assert plain.five_whys[0].answer == (
        "The retry wrapper re-ran the whole unit of work after a connection reset."
    )


# ------------------------------------------------------------------ the round trip


def test_import_counts_the_findings_it_leaves(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    args = ("--root", str(root), "import-report", "--category", "Jobs/Async")
    first = cli(*args, str(REPORTS / "variants" / "numbered-questions.md"))
    assert first.code == 0 and "validate: ok" in first.out, first.err
    path = root / "learnings" / "jobs_async.xml"
    text = path.read_text(encoding="utf-8")
    anchor = "<extras>" if "<extras>" in text else "</learning>"
    path.write_text(text.replace(anchor, f"<review-by>2020-01-01</review-by>{anchor}", 1))
    second = cli(*args, str(REPORTS / "variants" / "bold-lines.md"))
    assert second.code == 0, second.err
    assert "validate: 1 warning\n" in second.out and "KB310" in second.err


def test_round_trip_genre_report(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    report = root / "learnings" / "reports" / "missing-greenlet.md"
    shutil.copyfile(GENRE, report)
    result = cli(
        "--root",
        str(root),
        "import-report",
        str(report),
        "--category",
        "Database/SQLAlchemy",
        "--date",
        "2025-06-01",
    )
    assert result.code == 0, result.err + result.out
    assert "validate: ok" in result.out
    xml_path = root / "learnings" / "database_sqlalchemy.xml"
    golden("missing-greenlet.xml", xml_path.read_text(encoding="utf-8"))

    config = load_config(root=root)
    from kbtool.entry_xml import learning_from_element
    from kbtool.kb import KnowledgeBase

    entry = KnowledgeBase.load(config).find("missinggreenlet-on-lazy-loaded-relationship")
    assert entry is not None
    learning = learning_from_element(entry.element)
    assert len(learning.five_whys) == 5
    assert learning.symptoms[0].text.startswith("sqlalchemy.exc.MissingGreenlet:")
    assert len(learning.files_modified) == 4 and len(learning.prevention) == 4
    assert [r.kind for r in learning.references][:1] == ["fix-report"]
    assert (
        "learnings/database_sqlalchemy.xml#missinggreenlet-on-lazy-loaded-relationship"
        in report.read_text(encoding="utf-8")
    )  # linked back

    rendered = cli("--root", str(root), "render", "fix-report.md.j2", learning.id)
    assert rendered.code == 0, rendered.err
    golden("missing-greenlet.rendered.md", rendered.out)
    assert h2(rendered.out) == h2(GENRE.read_text(encoding="utf-8"))
    for why in learning.five_whys:
        assert why.question in rendered.out

    # the rendered report imports back to the same content
    again = tmp_path / "again.md"
    again.write_text(rendered.out, encoding="utf-8")
    second = imported(again, root)
    assert [(w.question, w.answer) for w in second.five_whys] == [
        (w.question, w.answer) for w in learning.five_whys
    ]
    assert [s.text for s in second.symptoms] == [s.text for s in learning.symptoms]
    # rendering puts code-like words in code spans (get_db(), lazy="raise"); nothing else changes
    assert [f.replace("`", "") for f in second.files_modified] == learning.files_modified
    assert second.prevention == learning.prevention
    assert second.verification == learning.verification
    assert [(s.text, [c.text for c in s.code]) for s in second.solution] == [
        (s.text, [c.text for c in s.code]) for s in learning.solution
    ]
    assert second.description == learning.description


def test_import_writes_into_existing_category_file_and_names_it(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    source = HERE / "fixtures" / "links_kb" / "learnings" / "database_postgres.xml"
    shutil.copyfile(source, root / "learnings" / "database_postgres.xml")
    report = root / "learnings" / "reports" / "dup.md"
    shutil.copyfile(REPORTS / "variants" / "headings-no-label.md", report)
    before = (root / "learnings" / "database_postgres.xml").read_text()
    result = cli("--root", str(root), "import-report", str(report), "--format", "json")
    data = json.loads(result.out)
    assert data["category"] == "Database/Postgres"
    assert "closest existing category" in data["category_how"]
    after = (root / "learnings" / "database_postgres.xml").read_text()

    def drop_date(text: str) -> str:
        return re.sub(r"<last_updated>[^<]*</last_updated>", "", text)

    assert drop_date(after).startswith(drop_date(before).split("  </learnings>")[0])
    # the report's mention of retry-after-commit became a learning ref
    assert '<learning ref="retry-after-commit"/>' in after


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    report = root / "learnings" / "reports" / "x.md"
    shutil.copyfile(REPORTS / "variants" / "list-lines.md", report)
    data = report.read_bytes()
    result = cli(
        "--root",
        str(root),
        "import-report",
        str(report),
        "--dry-run",
        "--category",
        "Python/Pydantic",
    )
    assert result.code == 0
    assert result.out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<learning id=')
    assert "<five-whys>" in result.out
    assert report.read_bytes() == data
    assert list((root / "learnings").glob("*.xml")) == []


def test_no_link_back_leaves_report_alone(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    report = root / "learnings" / "reports" / "x.md"
    shutil.copyfile(REPORTS / "variants" / "bold-lines.md", report)
    data = report.read_bytes()
    result = cli(
        "--root",
        str(root),
        "import-report",
        str(report),
        "--no-link-back",
        "--category",
        "Testing/Pytest",
    )
    assert result.code == 0, result.err
    assert report.read_bytes() == data
    assert (
        'fix-report href="reports/x.md"' in (root / "learnings" / "testing_pytest.xml").read_text()
    )


def test_report_outside_kb_imports_without_links(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    outside = tmp_path / "elsewhere.md"
    shutil.copyfile(REPORTS / "variants" / "inline-why.md", outside)
    data = outside.read_bytes()
    result = cli("--root", str(root), "import-report", str(outside), "-c", "Testing/Pytest")
    assert result.code == 0, result.err
    assert "outside the knowledge base" in result.out
    assert outside.read_bytes() == data
    assert "fix-report" not in (root / "learnings" / "testing_pytest.xml").read_text()


def test_ids_are_unique(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    for n in range(2):
        report = root / "learnings" / "reports" / f"r{n}.md"
        shutil.copyfile(REPORTS / "variants" / "inline-why.md", report)
        assert cli("--root", str(root), "import-report", str(report), "-c", "T").code == 0
    text = (root / "learnings" / "t.xml").read_text()
    assert 'id="event-loop-is-closed-after-pytest-session"' in text
    assert 'id="event-loop-is-closed-after-pytest-session-2"' in text


# ------------------------------------------------------------------ bad inputs


def parse(name: str):
    text, errors = decode((BAD / name).read_bytes(), name)
    assert not errors
    return parse_report(text, name)


def test_malformed_report_warns_per_line_and_escapes(tmp_path: Path) -> None:
    report = parse("malformed_fix_report.md")
    lines = {(w.line, w.code) for w in report.warnings}
    assert (3, "KB407") in lines  # empty heading
    assert (5, "KB407") in lines  # '#NoSpaceAfterHash'
    assert (9, "KB407") in lines  # header and delimiter rows differ
    assert (16, "KB407") in lines  # fence never closed
    root = make_kb(tmp_path)
    result = cli(
        "--root",
        str(root),
        "import-report",
        str(BAD / "malformed_fix_report.md"),
        "-c",
        "Ops/Printing",
    )
    assert result.code == 0, result.err
    assert "malformed_fix_report.md:16:1: KB407 code fence is never closed" in result.err
    rendered = cli("--root", str(root), "render", "fix-report", "printer-queue-stuck")
    assert rendered.code == 0, rendered.err
    # the unclosed fence swallowed the <script> line, so it is code; code is never HTML
    assert_no_html(rendered.out)
    assert "<script>" not in rendered.out.split("```powershell")[0]


def test_frontmatter_broken_is_reported_with_line_and_skipped(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    result = cli(
        "--root", str(root), "import-report", str(BAD / "frontmatter_broken.md"), "-c", "X"
    )
    assert result.code == 1
    assert "frontmatter_broken.md:3: front matter is not valid YAML" in result.err
    assert list((root / "learnings").glob("*.xml")) == []


def test_frontmatter_python_tag_is_rejected_and_never_run(tmp_path: Path) -> None:
    marker = Path("/tmp/kbtool-yaml-pwned")
    marker.unlink(missing_ok=True)
    root = make_kb(tmp_path)
    result = cli(
        "--root", str(root), "import-report", str(BAD / "frontmatter_python_tag.md"), "-c", "X"
    )
    assert result.code == 1
    assert "frontmatter_python_tag.md:2:" in result.err and "python/object" in result.err
    assert not marker.exists()


def test_bom_and_crlf_are_handled() -> None:
    report = parse("utf8_bom_crlf.md")
    assert report.title == "Title with BOM"
    assert report.lines[2] == "CRLF body line"


def test_html_only_is_refused(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    result = cli("--root", str(root), "import-report", str(BAD / "html_only.md"), "-c", "X")
    assert result.code == 1 and "no title" in result.err
    assert "onclick" not in result.out


def test_empty_file_is_refused(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    result = cli("--root", str(root), "import-report", str(BAD / "empty.md"), "-c", "X")
    assert result.code == 1 and "empty file" in result.err


def test_huge_table_is_read_as_text_in_bounded_time() -> None:
    import time

    start = time.perf_counter()
    report = parse("huge_heading_level_table.md")
    assert time.perf_counter() - start < 2.0
    assert any("more than 64 columns" in w.message for w in report.warnings)
    assert report.title == "T"


def test_link_back_keeps_bom_and_crlf_and_goes_into_related(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    report = root / "learnings" / "reports" / "crlf.md"
    text = (REPORTS / "variants" / "bold-lines.md").read_text(encoding="utf-8")
    report.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    result = cli("--root", str(root), "import-report", str(report), "-c", "Testing/Pytest")
    assert result.code == 0, result.err
    data = report.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    body = data[3:].decode("utf-8")
    assert "\n" not in body.replace("\r\n", "")
    assert body.endswith(
        "- `WEBHOOK_FLAKE_NOTES.md`\r\n"
        "- Learning entry: "
        "`learnings/testing_pytest.xml#flaky-timeout-in-payment-webhook-tests`\r\n"
    )
    # importing it again is refused; --force makes a second entry with its own Related line
    refused = cli("--root", str(root), "import-report", str(report), "-c", "Testing/Pytest")
    assert refused.code == 2 and "already the fix report of entry" in refused.err
    again = cli(
        "--root", str(root), "import-report", str(report), "-c", "Testing/Pytest", "--force"
    )
    assert again.code == 0
    assert report.read_bytes().count(b"Learning entry:") == 2


def test_bundled_report_links_and_imports(tmp_path: Path) -> None:
    bundled = HERE.parent / "learnings"
    report = bundled / "reports" / "async-context-manager-depends.md"
    if not report.exists():
        pytest.skip("the bundled KB has no flagship report")
    root = tmp_path / "kb"
    (root / "learnings").parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(bundled, root / "learnings")
    (root / "kbtool.toml").write_text('[tool.kbtool]\nlearnings = "learnings"\n')
    assert build_graph(load_config(root=root), use_cache=False).findings() == []
    copy = root / "learnings" / "reports" / "async-context-manager-depends.md"
    result = cli(
        "--root", str(root), "import-report", str(copy), "--dry-run", "--force", "--format", "json"
    )
    data = json.loads(result.out)
    assert data["category"] == "Database/AsyncIO"
    counts = {m["field"]: m["count"] for m in data["mapped"]}
    assert counts["five-whys"] == 5
    assert "object has no attribute 'execute'</symptom>" in data["xml"]
    assert "object is not an async iterator</symptom>" in data["xml"]


def test_a_related_item_that_is_one_link_is_labelled_by_its_text(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    report = root / "learnings" / "reports" / "pool.md"
    report.write_text(
        "# Pool exhaustion\n\n## Problem\n\nRequests time out.\n\n## Solution\n\n"
        "Close sessions.\n\n## Related\n\n"
        "- [Pool docs](https://docs.sqlalchemy.org/en/20/core/pooling.html)\n"
        "- See [the sizing guide](https://example.org/sizing) before changing it\n",
        encoding="utf-8",
    )
    learning = imported(report, root)
    labels = {r.target: r.label for r in learning.references if r.target.startswith("https")}
    assert labels == {
        "https://docs.sqlalchemy.org/en/20/core/pooling.html": "Pool docs",
        "https://example.org/sizing": (
            "See [the sizing guide](https://example.org/sizing) before changing it"
        ),
    }
