"""Two-way links between entries and fix reports: the graph, KB401-KB406, `kbtool links`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers_cli import cli

from kbtool.config import load_config
from kbtool.reports.links import build_graph

HERE = Path(__file__).resolve().parent
LINKS_KB = HERE / "fixtures" / "links_kb"


def entry(entry_id: str, refs: str = "", category: str = "Database/Postgres") -> str:
    references = f"\n      <references>\n{refs}\n      </references>" if refs else ""
    return f"""    <learning id="{entry_id}">
      <title>Title of {entry_id}</title>
      <date>2025-06-01</date>
      <category>{category}</category>
      <description>Description of {entry_id}.</description>{references}
    </learning>"""


def category_file(*entries: str, category: str = "Database/Postgres") -> str:
    body = "\n".join(entries)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<specification schema-version="1">
  <metadata>
    <name>Learnings - {category}</name>
    <type>learnings</type>
    <category>{category}</category>
    <last_updated>2025-06-01</last_updated>
  </metadata>
  <learnings>
{body}
  </learnings>
</specification>
"""


def make_kb(tmp_path: Path, files: dict[str, str], toml: str = "") -> Path:
    root = tmp_path / "kb"
    (root / "learnings" / "reports").mkdir(parents=True)
    (root / "kbtool.toml").write_text("[tool.kbtool]\n" + toml)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def findings(root: Path) -> list[tuple[str, int, str]]:
    graph = build_graph(load_config(root=root), use_cache=False)
    return [(path, line, code) for path, line, _col, code, _msg in graph.findings()]


REPORT = """# Pool exhausted

## Problem Statement

Requests hung.

## Root Cause Analysis - Five Whys

### Why #1: Why did requests hang?
**Answer:** The pool was empty.

## Related Issues

{related}
"""


def test_fixture_kb_reports_broken_reference_and_missing_backlink(tmp_path: Path) -> None:
    root = tmp_path / "links_kb"
    shutil.copytree(LINKS_KB, root)
    result = cli("--root", str(root), "validate", "--no-cache")
    assert result.code == 1
    lines = [line for line in result.out.splitlines() if ": KB4" in line]
    assert len(lines) == 2, result.out
    assert lines[0].endswith(
        "learnings/database_postgres.xml:21:21: KB401 <fix-report "
        "href='reports/duplicate-invoices.md#root-cause'>: "
        "learnings/reports/duplicate-invoices.md has no heading with anchor "
        "#root-cause (did you mean #root-cause-analysis---five-whys?)"
    )
    assert (
        "learnings/reports/duplicate-invoices.md:15:64: KB404 cites entry "
        "'idle-in-transaction-timeout', which does not link back" in lines[1]
    )


def test_clean_two_way_links(tmp_path: Path) -> None:
    root = make_kb(
        tmp_path,
        {
            "learnings/database_postgres.xml": category_file(
                entry(
                    "pool-exhausted",
                    '        <fix-report href="reports/pool.md#root-cause-analysis---five-whys"/>',
                ),
            ),
            "learnings/reports/pool.md": REPORT.format(
                related="- `learnings/database_postgres.xml#pool-exhausted`"
            ),
        },
    )
    assert findings(root) == []
    graph = build_graph(load_config(root=root), use_cache=False)
    backlinks = graph.backlinks("pool-exhausted")
    assert [(b.kind, b.source, b.line) for b in backlinks] == [
        ("report", "learnings/reports/pool.md", 14)
    ]


@pytest.mark.parametrize(
    ("related", "expected"),
    [
        # legacy prefix through the path map; a file mention satisfies KB405
        ("- `SPEC/learnings/database_postgres.xml`", []),
        # a bare file name with an id
        ("- database_postgres.xml#pool-exhausted", []),
        # a Markdown link relative to the report
        ("- [the entry](../database_postgres.xml#pool-exhausted)", []),
        # a bare id in prose
        ("- see pool-exhausted for the short version", []),
        # KB402: no such file
        (
            "- `learnings/database_pool.xml#pool-exhausted`",
            [
                ("learnings/reports/pool.md", 14, "KB402"),
                ("learnings/database_postgres.xml", 16, "KB405"),
            ],
        ),
        # KB403: no such id in that file
        (
            "- `learnings/database_postgres.xml#pool-exhausted-2`",
            [
                ("learnings/database_postgres.xml", 16, "KB405"),
                ("learnings/reports/pool.md", 14, "KB403"),
            ],
        ),
        # nothing names the entry: KB405 at the entry's href
        ("- `ORDER_INCIDENT.md`", [("learnings/database_postgres.xml", 16, "KB405")]),
    ],
)
def test_report_mentions(
    tmp_path: Path, related: str, expected: list[tuple[str, int, str]]
) -> None:
    root = make_kb(
        tmp_path,
        {
            "learnings/database_postgres.xml": category_file(
                entry("pool-exhausted", '        <fix-report href="reports/pool.md"/>')
            ),
            "learnings/reports/pool.md": REPORT.format(related=related),
        },
    )
    assert findings(root) == sorted(expected)


def test_id_in_another_file_is_named(tmp_path: Path) -> None:
    root = make_kb(
        tmp_path,
        {
            "learnings/database_postgres.xml": category_file(entry("pool-exhausted")),
            "learnings/python_asyncio.xml": category_file(
                entry("loop-closed", category="Python/AsyncIO"), category="Python/AsyncIO"
            ),
            "learnings/reports/pool.md": REPORT.format(
                related="- `learnings/database_postgres.xml#loop-closed`"
            ),
        },
    )
    graph = build_graph(load_config(root=root), use_cache=False)
    (finding,) = graph.findings()
    assert finding[3] == "KB403"
    assert "(it is in learnings/python_asyncio.xml)" in finding[4]


def test_custom_path_map_and_reports_folder(tmp_path: Path) -> None:
    root = make_kb(
        tmp_path,
        {
            "learnings/database_postgres.xml": category_file(
                entry("pool-exhausted", '        <fix-report href="../docs/fixes/pool.md"/>')
            ),
            "docs/fixes/pool.md": REPORT.format(
                related="- `KB/xml/database_postgres.xml#pool-exhausted`"
            ),
        },
        toml='reports = "docs/fixes"\n[tool.kbtool.path-map]\n"KB/xml/" = "learnings/"\n',
    )
    assert findings(root) == []


def test_anchor_of_repeated_heading(tmp_path: Path) -> None:
    report = "# R\n\n## Notes\n\nx\n\n## Notes\n\ny\n\n- `learnings/a.xml#e`\n"
    root = make_kb(
        tmp_path,
        {
            "learnings/a.xml": category_file(
                entry(
                    "e",
                    '        <fix-report href="reports/r.md#notes-1"/>\n'
                    '        <link href="reports/r.md#notes-2"/>',
                )
            ),
            "learnings/reports/r.md": report,
        },
    )
    assert findings(root) == [("learnings/a.xml", 17, "KB401")]


def test_unreadable_report_front_matter_is_kb406(tmp_path: Path) -> None:
    bad = (
        HERE / "fixtures" / "badinputs" / "legacy_markdown" / "frontmatter_broken.md"
    ).read_text()
    root = make_kb(
        tmp_path, {"learnings/reports/bad.md": bad, "learnings/a.xml": category_file(entry("e"))}
    )
    assert findings(root) == [("learnings/reports/bad.md", 3, "KB406")]


def test_report_cache_is_used_and_survives_corruption(tmp_path: Path) -> None:
    root = make_kb(
        tmp_path,
        {
            "learnings/database_postgres.xml": category_file(
                entry("pool-exhausted", '        <fix-report href="reports/pool.md#nope"/>')
            ),
            "learnings/reports/pool.md": REPORT.format(
                related="- `learnings/database_postgres.xml`"
            ),
        },
    )
    config = load_config(root=root)
    first = build_graph(config).findings()
    cache = config.cache_dir / "links-reports.json"
    assert json.loads(cache.read_bytes()[:-32])["reports"]  # signed: the body, then its MAC
    assert build_graph(config).findings() == first
    cache.write_text("{not json")
    assert build_graph(config).findings() == first


# ------------------------------------------------------------------ kbtool links


def test_links_formats(tmp_path: Path) -> None:
    root = tmp_path / "links_kb"
    shutil.copytree(LINKS_KB, root)
    text = cli("--root", str(root), "links")
    assert text.code == 0
    assert "retry-after-commit  learnings/database_postgres.xml:12" in text.out
    assert "  → fix-report learnings/reports/duplicate-invoices.md" in text.out
    assert "  ← mentions learnings/reports/duplicate-invoices.md" in text.out
    data = json.loads(cli("--root", str(root), "links", "--format", "json").out)
    assert {
        "from": "report:learnings/reports/duplicate-invoices.md",
        "to": "entry:idle-in-transaction-timeout",
        "kind": "mentions",
        "path": "learnings/reports/duplicate-invoices.md",
        "line": 15,
        "resolved": True,
    } in data["edges"]
    mermaid = cli("--root", str(root), "links", "--format", "mermaid").out
    assert mermaid.startswith("graph LR\n") and "-->|fix-report|" in mermaid
    dot = cli("--root", str(root), "links", "--format", "dot").out
    assert dot.startswith("digraph kbtool_links {") and dot.rstrip().endswith("}")
    assert '"entry:retry-after-commit" -> "report:learnings/reports/duplicate-invoices.md"' in dot
    one = json.loads(
        cli("--root", str(root), "links", "idle-in-transaction-timeout", "--format", "json").out
    )
    assert [e["id"] for e in one["entries"]] == ["idle-in-transaction-timeout"]
    assert all("idle-in-transaction-timeout" in e["to"] for e in one["edges"])


def test_links_unknown_id_suggests(tmp_path: Path) -> None:
    result = cli("--root", str(LINKS_KB), "links", "retry-after-comit")
    assert result.code == 2
    assert "did you mean retry-after-commit" in result.err


def test_links_output_is_deterministic(tmp_path: Path) -> None:
    root = tmp_path / "links_kb"
    shutil.copytree(LINKS_KB, root)
    runs = {cli("--root", str(root), "links", "--format", f).out for f in ("dot",) * 3}
    assert len(runs) == 1


@pytest.mark.parametrize(
    "kb",
    ["repo", "links_kb", "render_kb", "search/kb", "site_hostile", "render_hints", "broken"],
)
def test_the_index_gives_the_graph_parsing_gives(tmp_path: Path, kb: str) -> None:
    """``kbtool links`` reads the graph from the index (no XML parsed): the same entries,
    links, lines and findings as parsing every file, broken files included."""
    from kbtool.reports.links import graph_from_index, to_text

    root = tmp_path / "kb"
    source = HERE.parent if kb in ("repo", "broken") else HERE / "fixtures" / kb
    shutil.copytree(source / "learnings", root / "learnings")
    if (source / "kbtool.toml").is_file():
        shutil.copy(source / "kbtool.toml", root / "kbtool.toml")
    if kb == "broken":
        (root / "learnings" / "zz_broken.xml").write_text("<specification><learnings>", "utf-8")
    config = load_config(root=root)
    parsed, indexed = build_graph(config, use_cache=False), graph_from_index(config)
    assert indexed.to_dict() == parsed.to_dict()
    assert to_text(indexed) == to_text(parsed)
    assert indexed.findings() == parsed.findings()
    assert set(indexed.files) == set(parsed.files)
    assert (kb == "broken") == bool(indexed.unreadable)
