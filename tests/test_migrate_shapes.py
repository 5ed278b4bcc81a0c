"""kbtool migrate on the shapes that broke a real migration (legacy-learnings.md, "Shapes that
broke a migration"), reproduced with our own text in tests/fixtures/legacy/shape_*.xml.

The corpus targets are scored by tests/helpers_corpus.py (the same measures
tests/benchmarks/score_migrate.py prints): 0 crashes, word recall >= 0.9999, typed share >= 85%,
every expected record found and none split or lumped, >= 90% of entries complete, two runs
byte-identical wherever they run.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers_corpus import entries, score_copy
from lxml import etree

from kbtool.config import load_config
from kbtool.migrate.learnings import MigrateOptions, apply, plan

FIXTURES = Path(__file__).parent / "fixtures"
CORPUS = FIXTURES / "legacy"
EXPECTED = json.loads((FIXTURES / "legacy_expected.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory):
    return score_copy(
        tmp_path_factory.mktemp("shapes"), CORPUS, EXPECTED, "learnings", "out/learnings"
    )  # the output folder has the source folder's name


def _by_title(out: Path) -> dict[str, etree._Element]:
    return {e.findtext("title"): e for e in entries(out)}


def test_corpus_targets(scored) -> None:
    _, _, result = scored
    assert result.crashes == 0
    assert result.recall >= 0.9999, sorted(result.missing.items())[:20]
    assert result.typed >= 0.85
    assert result.missed_records == [] and result.extra_records == []
    assert result.records_found == result.records_expected
    assert result.complete / result.entries >= 0.90


def test_two_runs_are_byte_identical_and_provenance_is_relative_to_the_source(
    scored, tmp_path: Path
) -> None:
    src, out, _ = scored
    elsewhere = tmp_path / "x" / "learnings"
    apply(plan(MigrateOptions(sources=[src], out=elsewhere, encoding="latin-1")))
    first = {p.name: p.read_bytes() for p in sorted(out.glob("*.xml"))}
    assert first == {p.name: p.read_bytes() for p in sorted(elsewhere.glob("*.xml"))}
    for entry in entries(out):
        source = entry.find("provenance").get("source")
        assert not source.startswith(("learnings/", "/", "..")), source
        assert (src / source).is_file(), source


def test_no_date_means_no_date_element_never_the_file_time(scored) -> None:
    _, out, _ = scored
    undated = [e for e in entries(out) if e.find("date") is None]
    sources = {e.find("provenance").get("source") for e in undated}
    assert sources == set(EXPECTED["unknown_dates"])
    for entry in undated:
        assert entry.find("provenance/original[@field='date']").text == "unknown"
    dated = _by_title(out)["Double clicks submitted the order form twice"]
    assert dated.findtext("date") == "2025-02-14"  # date= on the envelope root


def test_envelope_metadata_on_the_root(scored) -> None:
    _, out, _ = scored
    titles = _by_title(out)
    forms = titles["Browser autofill filled hidden fields"]
    assert (forms.findtext("category"), forms.get("severity")) == ("Frontend/Forms", "medium")
    late = titles["Late-arriving partitions were never processed"]
    assert (late.findtext("category"), late.findtext("date")) == ("Data/Pipelines", "2025-04-22")
    cron = titles["Cron job ran twice during the daylight-saving change"]
    assert (cron.findtext("category"), cron.findtext("date"), cron.get("severity")) == (
        "Operations/Scheduling",
        "2025-03-30",
        "high",
    )


def test_a_comma_list_is_tags_not_a_category(scored) -> None:
    _, out, _ = scored
    entry = _by_title(out)["Clients retried in lockstep after the outage ended"]
    assert entry.findtext("category") == "General"
    tags = [t.text for t in entry.iterfind("tags/tag")]
    assert len(tags) == 23 and tags[0] == "Networking" and "On-call-Practice" in tags
    assert all(len(p.name) <= 64 for p in out.glob("*.xml"))


def test_record_with_repeated_parts_is_one_entry(scored) -> None:
    _, out, _ = scored
    entry = _by_title(out)["Websocket clients dropped after every deploy"]
    causes = [c.text for c in entry.iterfind("root-causes/cause")]
    assert len(causes) == 4 and causes[0].startswith("No connection draining - The load balancer")
    assert "(id: 1)" in causes[0]
    steps = [s.text for s in entry.iterfind("solution/step")]
    assert "Enable connection draining with a ninety-second timeout." in steps  # a cause's fix
    assert len(entry.findall("prevention/item")) == 6
    assert len(entry.findall("verification/check")) == 3
    assert len(entry.findall("symptoms/symptom")) == 2


def test_report_written_as_xml(scored) -> None:
    _, out, _ = scored
    entry = next(e for e in entries(out) if e.findtext("category") == "Infrastructure/Docker")
    whys = entry.findall("five-whys/why")
    assert len(whys) == 5 and whys[0].findtext("question") == "Why did the services restart?"
    assert [o.text for o in entry.iterfind("provenance/original[@field='why-id']")] == list("12345")
    files = [f.text for f in entry.iterfind("files-modified/file")]
    assert len(files) == 8
    assert files[0] == (
        "docker-compose.yml:47-53 - All services call the bundled probe instead of curl. "
        "(action: modify; impact: HIGH - Prevents restarts when the base image drops tools.)"
    )
    assert len(entry.findall("verification/check")) >= 5
    assert entry.find("extras/alternative-solutions-rejected") is not None  # kept with it
    assert entry.get("severity") == "critical"
    assert [t.text for t in entry.iterfind("tags/tag")] == ["docker", "ci"]


def test_learnings_nested_in_sections_are_separate(scored) -> None:
    _, out, _ = scored
    nested = [
        e for e in entries(out) if e.find("provenance").get("source").endswith("sections.xml")
    ]
    assert len(nested) == 12
    assert all(e.findtext("category") == "Backend/Reliability" for e in nested)
    assert all(e.get("severity") == "high" for e in nested)
    first = nested[0]
    assert "Twelve small lessons" in etree.tostring(first.find("extras"), encoding="unicode")
    assert [f.text for f in first.iterfind("files-modified/file")] == ["app/cache/keys.py"]


def test_results_lists_are_verification(scored) -> None:
    _, out, _ = scored
    titles = _by_title(out)
    wheel = titles["The wheel shipped without its template files"]
    assert [c.text for c in wheel.iterfind("verification/check")] == [
        "editable install renders - PASS",
        "wheel install renders - PASS",
        "sdist contains templates - PASS",
    ]
    script = titles["A console script pointed at a function that was renamed"]
    checks = [c.text for c in script.iterfind("verification/check")]
    assert checks[1] == (
        "old entry point still importable (status: FAIL; note: expected: it was removed on purpose)"
    )


def test_insight_names_are_typed(scored) -> None:
    _, out, _ = scored
    titles = _by_title(out)
    small = titles["Small pull requests got reviewed the same day"]
    assert small.findtext("description").startswith("Changes under two hundred lines")
    pinned = titles["Unpinned CI images broke builds on Monday mornings"]
    assert [i.text for i in pinned.iterfind("prevention/item")] == [
        "Anything that changes under you on its own schedule must be pinned."
    ]
    retries = titles["Retries created duplicate payments"]
    steps = [s.text for s in retries.iterfind("solution/step")]
    assert any(s.startswith("Refund duplicates by hand") for s in steps)  # workaround
    assert any(s.startswith("The provider deduplicates") for s in steps)  # rationale
    assert retries.find("extras") is None


def test_structured_items_keep_their_names_and_leave_no_shells(scored) -> None:
    _, out, _ = scored
    entry = _by_title(out)["Secrets were committed in the compose environment block"]
    items = [i.text for i in entry.iterfind("prevention/item")]
    assert items[0] == (
        "docker-compose.yml:47-53 - All services read secrets from /run/secrets instead of "
        "environment values. (status: IMPLEMENTED; severity: HIGH; benefit: Prevents "
        "passwords from landing in version control again.)"
    )
    assert entry.find("extras") is None


def test_catalogue_map_becomes_links_not_entries(scored) -> None:
    _, out, _ = scored
    assert not any(
        e.find("provenance").get("source") == "shape_catalogue_map.xml" for e in entries(out)
    )


def test_catalogue_map_report(tmp_path: Path) -> None:
    result = plan(MigrateOptions(sources=[CORPUS], out=tmp_path / "out", encoding="latin-1"))
    report = next(f for f in result.report.files if f.path == "shape_catalogue_map.xml")
    assert report.status == "catalogue" and report.records == 0
    expected = EXPECTED["catalogues"]["shape_catalogue_map.xml"]
    assert report.catalogue["paths"] == expected["paths"]
    assert [b["path"] for b in report.catalogue["broken"]] == expected["broken"]


# ------------------------------------------------------------ no crash, all or nothing


def _record(category: str, title: str = "T", words: int = 5) -> str:
    body = " ".join(f"word{i}" for i in range(words))
    return (
        f"<learning><title>{title}</title><category>{category}</category><date>2025-01-02</date>"
        f"<problem>{body}</problem><solution>fix it</solution></learning>"
    )


def test_a_long_category_gives_a_bounded_file_name(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    long = "Platform Engineering/Observability/Distributed Tracing/Head Sampling"
    (src / "a.xml").write_text(_record(long))
    out = tmp_path / "out"
    result = plan(MigrateOptions(sources=[src], out=out))
    [output] = result.outputs
    assert len(output.path.name) <= 64 and output.path.name.startswith("platform_engineering_")
    apply(result)
    assert entries(out)[0].findtext("category") == long


def test_one_failing_record_is_a_finding_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kbtool.migrate.learnings as learnings

    src = tmp_path / "src"
    src.mkdir()
    (src / "a.xml").write_text(_record("Good", "first"))
    (src / "b.xml").write_text(_record("Good", "boom"))
    real = learnings.map_record

    def flaky(record: etree._Element):
        if record.findtext("title") == "boom":
            raise ValueError("unexpected shape")
        return real(record)

    monkeypatch.setattr(learnings, "map_record", flaky)
    result = plan(MigrateOptions(sources=[src], out=tmp_path / "out"))
    b = next(f for f in result.report.files if f.path == "b.xml")
    assert [d.code for d in b.findings] == ["KB325"]
    assert "unexpected shape" in b.findings[0].message
    assert result.report.failed == [b]
    assert [o.entries for o in result.outputs] == [1]


def test_output_folder_is_written_all_or_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    src = tmp_path / "src"
    src.mkdir()
    for n in range(4):
        (src / f"r{n}.xml").write_text(_record(f"Area {n}", f"title {n}"))
    out = tmp_path / "out"
    real_fsync, calls = os.fsync, []

    def failing(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", failing)
    with pytest.raises(OSError):
        apply(plan(MigrateOptions(sources=[src], out=out)))
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src"]  # no staging folder left
    monkeypatch.setattr(os, "fsync", real_fsync)
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    apply(plan(MigrateOptions(sources=[src], out=out)))
    assert sorted(p.name for p in out.iterdir()) == [
        "area_0.xml",
        "area_1.xml",
        "area_2.xml",
        "area_3.xml",
        "notes.txt",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "src"]


def test_a_large_category_is_split_under_the_size_cap(tmp_path: Path) -> None:
    from kbtool.diagnostics import Severity
    from kbtool.validate import validate

    src = tmp_path / "src"
    src.mkdir()
    for n in range(30):
        (src / f"r{n:02}.xml").write_text(_record("General", f"record {n}", words=200))
    out = tmp_path / "learnings"
    cap = 8000
    apply(plan(MigrateOptions(sources=[src], out=out, max_file_bytes=cap)))
    names = sorted(p.name for p in out.glob("*.xml"))
    assert names[0] == "general-2.xml" and "general.xml" in names and len(names) >= 3
    assert all(p.stat().st_size <= cap for p in out.glob("*.xml"))
    assert len(entries(out)) == 30
    result = validate(load_config(root=tmp_path), (out,), use_cache=False)
    found = [d.format() for d in result.diagnostics if d.severity >= Severity.WARNING]
    assert found == []
    first = {p.name: p.read_bytes() for p in out.glob("*.xml")}
    again = plan(MigrateOptions(sources=[src], out=out, max_file_bytes=cap))
    assert not any(o.changed for o in again.outputs) and again.removals == []
    apply(again)
    assert {p.name: p.read_bytes() for p in out.glob("*.xml")} == first
    # a larger cap: one file again, the parts it no longer needs removed
    apply(plan(MigrateOptions(sources=[src], out=out, max_file_bytes=10**7)))
    assert sorted(p.name for p in out.glob("*.xml")) == ["general.xml"]
    assert len(entries(out)) == 30


def test_cli_dry_run_and_run_on_the_whole_corpus(tmp_path: Path) -> None:
    from helpers_cli import cli

    out = tmp_path / "learnings"
    dry = cli("migrate", str(CORPUS), "--out", str(out), "--encoding", "latin-1", "--dry-run")
    assert dry.code == 0, dry.err
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == []
    done = cli("migrate", str(CORPUS), "--out", str(out), "--encoding", "latin-1")
    assert done.code == 0, done.err
    assert "records: 116 migrated" in done.out
    assert [p.name for p in tmp_path.iterdir()] == ["learnings"]  # no staging folder left


def test_an_undated_entry_reads_everywhere(tmp_path: Path) -> None:
    from helpers_cli import cli

    (tmp_path / "kbtool.toml").write_text('[tool.kbtool]\nlearnings = "learnings"\n')
    src = tmp_path / "legacy"
    src.mkdir()
    shutil.copy(CORPUS / "shape_no_date_anywhere.xml", src)
    migrated = cli(
        "--root", str(tmp_path), "migrate", str(src), "--out", str(tmp_path / "learnings")
    )
    assert migrated.code == 0, migrated.err
    assert cli("--root", str(tmp_path), "validate", "--strict").code == 0
    shown = cli("--root", str(tmp_path), "show", "locale-decimal-comma")
    assert shown.code == 0 and "undated" in shown.out, shown.err
    listed = cli("--root", str(tmp_path), "list", "--format", "json")
    assert listed.code == 0 and json.loads(listed.out)[0]["date"] in ("", None)
    rendered = cli("--root", str(tmp_path), "render", "fix-report.md.j2", "locale-decimal-comma")
    assert rendered.code == 0 and "German locale" in rendered.out, rendered.err
