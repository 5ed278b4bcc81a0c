"""kbtool migrate on a folder of Markdown learnings (tests/fixtures/legacy_md/).

The folder is another team's: setext, bold-line, numbered, emoji, French and German
headings; YAML, TOML, broken and lone front matter; tables and HTML; every kind of code
fence; CRLF, a BOM, cp1252 bytes, mixed line endings, tabs; an empty file; duplicate titles;
nested folders and names with spaces and non-ASCII letters; a link inside the folder and one
leaving it; a README and an index that are lists of links; a seed-style fix report; a PNG, a
``.txt`` and an ``.rst``. Its expected records: tests/fixtures/legacy_md_expected.json.
Before Markdown learnings were read, ``migrate`` found 0 files in it and exited 0.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from helpers_corpus import entries, score_copy
from lxml import etree

from kbtool.config import load_config
from kbtool.dates import parse_any_date
from kbtool.migrate.learnings import MigrateOptions, apply, plan

FIXTURES = Path(__file__).parent / "fixtures"
CORPUS = FIXTURES / "legacy_md"
EXPECTED = json.loads((FIXTURES / "legacy_md_expected.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory):
    return score_copy(tmp_path_factory.mktemp("md"), CORPUS, EXPECTED, "notes", "out")


def _by_source(out: Path) -> dict[str, etree._Element]:
    return {Path(e.find("provenance").get("source")).name: e for e in entries(out)}


def test_corpus_has_the_shapes() -> None:
    files = [p for p in CORPUS.rglob("*") if p.is_file() or p.is_symlink()]
    assert len(files) >= 30
    assert any(p.is_symlink() and not p.resolve().is_relative_to(CORPUS.resolve()) for p in files)


def test_corpus_targets(scored) -> None:
    _, _, result = scored
    assert result.crashes == 0
    assert result.recall >= 0.9999, sorted(result.missing.items())[:20]
    assert result.missed_records == [] and result.extra_records == []
    assert result.records_found == 32
    assert result.typed >= 0.80
    assert result.complete_share >= 0.85


def test_output_validates_and_reruns_identically(scored) -> None:
    from kbtool.diagnostics import Severity
    from kbtool.validate import validate

    src, out, _ = scored
    result = validate(load_config(root=out), (out,), use_cache=False)
    assert [d.format() for d in result.diagnostics if d.severity == Severity.ERROR] == []
    before = {p.name: p.read_bytes() for p in out.glob("*.xml")}
    again = plan(MigrateOptions(sources=[src], out=out, encoding="latin-1"))
    assert again.report.records == 0 and not any(o.changed for o in again.outputs)
    apply(again)
    assert {p.name: p.read_bytes() for p in out.glob("*.xml")} == before


def test_every_file_has_a_status(tmp_path: Path) -> None:
    src = tmp_path / "notes"
    shutil.copytree(CORPUS, src, symlinks=True)
    result = plan(MigrateOptions(sources=[src], out=tmp_path / "out", encoding="latin-1"))
    status = {f.path: f.status for f in result.report.files}
    for name in EXPECTED["skipped"]:
        assert status[name] == "skipped"
    assert status["ops/empty.md"] == "empty"
    assert status["README.md"] == status["misc/sub/another level/index.md"] == "catalogue"
    outside = next(f for f in result.report.files if f.path.endswith("outside-link.md"))
    assert outside.status == "failed" and outside.findings[0].code == "KB104"
    assert "ops/link-to-kafka.md" not in status  # a second name of kafka-lag.md: read once
    readme = next(f for f in result.report.files if f.path == "README.md")
    assert [b["path"] for b in readme.catalogue["broken"]] == ["incidents/2023/gone.md"]


def test_fields_typed_where_a_person_would(scored) -> None:
    _, out, _ = scored
    got = _by_source(out)
    kafka = got["kafka-lag.md"]  # setext headings, #hashtags, an ambiguous 12/03/2024
    assert kafka.get("severity") == "high"
    assert [t.text for t in kafka.iterfind("tags/tag")] == ["kafka", "consumer", "rebalance"]
    assert len(kafka.findall("solution/step")) == 3 and kafka.find("root-causes/cause") is not None
    assert kafka.findtext("date") is None  # day-first or month-first: not guessed
    toml = got["webhook skew.md"]  # +++ TOML front matter
    assert toml.findtext("date") == "2024-04-18"
    assert [t.text for t in toml.iterfind("tags/tag")] == ["webhooks", "ntp"]
    fm = got["frontmatter-list-tags.md"]
    assert fm.findtext("category") == "Checkout" and fm.findtext("date") == "2024-12-01"
    bold = got["rounding_half_even.md"]  # bold lines as headings, "March 3rd 2024"
    assert bold.findtext("title") == "Ledger totals off by one cent"
    assert bold.findtext("date") == "2024-03-03"
    assert got["FIX_REPORT_payout_currency.md"].findall("five-whys/why").__len__() == 5
    piped = got["numbered-bold.md"]  # "Status: resolved | Severity: Sev 2 | Date: …"
    assert piped.get("severity") == "high" and piped.findtext("date") == "2024-05-20"
    german = got["lock-de.md"]  # Datum:, Priorität:, ## Ursache, ## Lösung
    assert german.findtext("date") == "2023-11-07" and german.get("severity") == "high"
    assert german.find("root-causes/cause") is not None and german.find("solution/step") is not None
    french = got["timeouts-fr.md"]  # **Date :** 3 mars 2023, ## Problème, ## Prévention
    assert french.findtext("date") == "2023-03-03" and french.find("prevention/item") is not None
    emoji = got["emoji-sev.md"]  # ### 🐛 What happened, 🧠 Why, 🛠️ What we did, ✔️ How we checked
    assert (
        emoji.find("root-causes/cause") is not None and emoji.find("verification/check") is not None
    )
    headings = [o.text for o in kafka.iterfind("provenance/original[@field='heading']")]
    assert headings == ["Problem", "Root cause", "Fix", "Prevention"]  # setext, as written
    assert got["only-front-matter.md"].findtext("title") == (
        "Placeholder for the Redis eviction story"
    )


@pytest.mark.parametrize(
    ("written", "day"),
    [
        ("2024-3-3", dt.date(2024, 3, 3)),
        ("2024/06/07", dt.date(2024, 6, 7)),
        ("2024-12-01T09:30:00Z", dt.date(2024, 12, 1)),
        ("29.02.2024", dt.date(2024, 2, 29)),
        ("March 3rd 2024", dt.date(2024, 3, 3)),
        ("Feb 29, 2024", dt.date(2024, 2, 29)),
        ("3 mars 2023", dt.date(2023, 3, 3)),
        ("25/12/2024", dt.date(2024, 12, 25)),
        ("12/03/2024", None),
        ("Q1 2024", None),
        ("2024-02-30", None),
    ],
)
def test_dates_however_written(written: str, day: dt.date | None) -> None:
    assert parse_any_date(written) == day


@pytest.mark.parametrize(
    ("heading", "field"),
    [
        ("Problème", "description"),
        ("Lösung", "solution"),
        ("Ursache", "root_causes"),
        ("🔍 Cause", "root_causes"),
        ("🐛 What happened", "description"),
        ("🧠 Why", "root_causes"),
        ("🛠️ What we did", "solution"),
        ("✔️ How we checked", "verification"),
        ("📚 Lessons", "prevention"),
        ("Prévention", "prevention"),
        ("Executive Summary", None),
        ("Cause of the outage timeline in the cluster", None),
    ],
)
def test_headings_of_other_teams(heading: str, field: str | None) -> None:
    from kbtool.reports.headings import field_of_heading

    assert field_of_heading(heading) == field


@pytest.mark.parametrize(
    ("written", "level"), [("Sev 2", "high"), ("P 1", "high"), ("hoch", "high"), ("niedrig", "low")]
)
def test_severities_written_with_a_space_or_in_german(written: str, level: str) -> None:
    from kbtool.reports.importer import normalize_severity

    assert normalize_severity(written) == level


def test_markdown_beside_legacy_xml_stays_reports(tmp_path: Path) -> None:
    """Beside legacy XML, Markdown files are fix reports, notes and READMEs (a real folder
    held thousands): none becomes an entry unless imported with ``--reports``."""
    src = tmp_path / "legacy"
    src.mkdir()
    (src / "pool.xml").write_text(
        "<learning><title>Pool exhausted</title><date>2024-03-03</date>"
        "<problem>Requests hung.</problem><solution>Close sessions.</solution></learning>",
        "utf-8",
    )
    shutil.copy(CORPUS / "kafka-lag.md", src / "kafka-lag.md")
    shutil.copy(CORPUS / "ops" / "nested-lists.md", src / "notes.md")
    result = plan(MigrateOptions(sources=[src], out=tmp_path / "out"))
    assert result.report.records == 1
    status = {f.path: f.status for f in result.report.files}
    assert status == {"pool.xml": "migrated"}
