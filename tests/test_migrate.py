"""kbtool migrate, measured on the legacy corpus in tests/fixtures/legacy/.

The corpus reproduces every shape of docs/migrate.md (our own writing); its ground truth is
tests/fixtures/legacy_expected.json. The measures: every record found, word recall of the
source in the output >= 0.999, every bare & and stray < verbatim in the output, zero
validation errors, byte-identical second runs, fmt-clean output.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from helpers_cli import cli
from helpers_corpus import TAG as _TAG
from helpers_corpus import entries as _entries
from helpers_corpus import output_text as _output_text
from helpers_corpus import read_source as _read_source
from helpers_corpus import source_text as _source_text
from helpers_corpus import words as _words
from lxml import etree

from kbtool.config import load_config
from kbtool.fmt import format_bytes
from kbtool.migrate.learnings import MigrateOptions, apply, plan
from kbtool.resources import xsd_path

CORPUS = Path(__file__).parent / "fixtures" / "legacy"
EXPECTED = json.loads(
    (Path(__file__).parent / "fixtures" / "legacy_expected.json").read_text("utf-8")
)


def _migrate(sources: list[Path], out: Path, **kw: object):
    result = plan(MigrateOptions(sources=sources, out=out, encoding="latin-1", **kw))  # type: ignore[arg-type]
    apply(result)
    return result


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("migrate")
    src = base / "legacy"
    shutil.copytree(CORPUS, src)
    out = base / "out"
    result = _migrate([src], out)
    return src, out, result


def _outputs(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.glob("*.xml"))}


# ------------------------------------------------------------ independent measures

_BARE_AMP = re.compile(r"&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9A-Fa-f]+);)")
_STRAY_LT = re.compile(r"<(?![A-Za-z_/!?])")


def _collapse(text: str) -> str:
    return " ".join(text.split())


# ------------------------------------------------------------ the measures


def test_corpus_reproduces_every_shape() -> None:
    names = {p.name for p in CORPUS.glob("*.xml")}
    assert len(names) >= 40
    assert set(EXPECTED["records"]) | set(EXPECTED["catalogues"]) == names


def test_every_record_found(run) -> None:
    _, out, result = run
    found: dict[str, list[str]] = {}
    for entry in _entries(out):
        prov = entry.find("provenance")
        source = Path(prov.get("source")).name if prov is not None else "canonical_ok.xml"
        found.setdefault(source, []).append(entry.findtext("title"))
    assert found == EXPECTED["records"]
    assert result.report.records == sum(len(v) for v in EXPECTED["records"].values()) - 1


def test_word_recall(run) -> None:
    src, out, _ = run
    source: Counter[str] = Counter()
    for path in sorted(src.glob("*.xml")):
        if path.name not in EXPECTED["catalogues"]:
            source += _words(_source_text(_read_source(path)))
    output = _words(_output_text(out))
    kept = sum(min(n, output[w]) for w, n in source.items())
    recall = kept / sum(source.values())
    missing = {w: n - output[w] for w, n in source.items() if output[w] < n}
    assert recall >= 0.999, f"recall {recall:.4f}; missing {sorted(missing.items())[:20]}"


def test_bare_ampersand_and_stray_lt_survive_verbatim(run) -> None:
    src, out, _ = run
    text = _collapse(_output_text(out))
    checked = 0
    for path in sorted(src.glob("*.xml")):
        raw = _read_source(path)
        for line in raw.splitlines():
            tags = [m.span() for m in _TAG.finditer(line)]
            for site in (*_BARE_AMP.finditer(line), *_STRAY_LT.finditer(line)):
                # the site with a word each side, within its text (between tags), as written
                begin = max((e for s, e in tags if e <= site.start()), default=0)
                end = min((s for s, e in tags if s > site.start()), default=len(line))
                words = [m for m in re.finditer(r"\S+", line[begin:end])]
                at = next(
                    i for i, m in enumerate(words) if m.start() <= site.start() - begin < m.end()
                )
                near = [m.group() for m in words[max(0, at - 1) : at + 2]]
                if near[0] in ("-", "*", "•") and at > 0:
                    near = near[1:]
                snippet = re.sub(
                    r"&(amp|lt|gt|quot|apos);", lambda m: html.unescape(m.group()), " ".join(near)
                )
                assert snippet in text, f"{path.name}: {snippet!r} lost"
                checked += 1
        for verbatim in EXPECTED["verbatim"].get(path.name, ()):
            assert verbatim in text, f"{path.name}: {verbatim!r} lost"
            checked += 1
    assert checked >= 40


def test_output_validates_with_zero_errors(run) -> None:
    from kbtool.diagnostics import Severity
    from kbtool.validate import validate

    _, out, _ = run
    schema = etree.XMLSchema(etree.parse(str(xsd_path())))
    for path in sorted(out.glob("*.xml")):
        assert schema.validate(etree.parse(str(path))), (path.name, schema.error_log)
    result = validate(load_config(root=out), (out,), use_cache=False)
    errors = [d.format() for d in result.diagnostics if d.severity == Severity.ERROR]
    assert errors == []
    assert result.entries == sum(len(v) for v in EXPECTED["records"].values())


def test_second_run_is_byte_identical(run, tmp_path: Path) -> None:
    src, out, _ = run
    first = _outputs(out)
    again = _migrate([src], out)  # into the same folder: everything already migrated
    assert not any(o.changed for o in again.outputs)
    assert again.report.records == 0
    assert sum(f.already for f in again.report.files) == sum(
        len(v) for v in EXPECTED["records"].values()
    )
    assert _outputs(out) == first
    fresh = tmp_path / "out"  # a fresh run elsewhere gives the same bytes
    _migrate([src], fresh)
    assert _outputs(fresh) == first


def test_output_is_fmt_clean(run) -> None:
    _, out, _ = run
    for name, data in _outputs(out).items():
        formatted, findings = format_bytes(data, name)
        assert findings == [] and formatted == data, name


# ------------------------------------------------------------ what the report and entries say


def _entry(out: Path, entry_id: str) -> etree._Element:
    return next(e for e in _entries(out) if e.get("id") == entry_id)


def test_repairs_are_recorded_with_their_line(run) -> None:
    _, out, result = run
    report = {f.path.rsplit("/", 1)[-1]: f for f in result.report.files}
    misspelt = [(r.line, r.text) for r in report["misspelt_end_tag.xml"].repairs]
    assert (8, "renamed end tag </symptym> to </symptom>") in misspelt
    assert report["trailing_xml_tag.xml"].repairs[0].text.startswith("dropped end tag </xml>")
    assert report["orphan_root_close.xml"].repairs[0].line == 7
    assert report["content_after_root.xml"].status == "repaired"
    prov = _entry(out, "celery-visibility-timeout").find("provenance")
    assert prov.get("source").endswith("misspelt_end_tag.xml") and prov.get("xpath") == "/learning"
    assert [r.get("line") for r in prov.iterfind("repair")] == ["8", "13", "14"]
    # the orphan end tag no longer cuts the record short: its solution is still there
    assert "timezone.utc" in etree.tostring(
        _entry(out, "tz-naive-datetime-compare"), encoding="unicode"
    )


def test_ids_kept_minted_and_collisions_resolved(run) -> None:
    _, out, _ = run
    by_title = {e.findtext("title"): e for e in _entries(out)}
    assert by_title["Test depended on dictionary order from an API"].get("id") == "1"
    second = by_title["Sleep-based waits timed out on slow runners"]
    assert second.get("id") == "sleep-based-waits-timed-out-on-slow-runners"
    assert second.find("provenance/original[@field='id']").text == "1"
    l001 = by_title["Random seed differed between CI workers"]
    assert l001.get("id") == "random-seed-differed-between-ci-workers"
    assert l001.find("provenance/original[@field='id']").text == "L001"
    twins = sorted(
        e.get("id")
        for e in _entries(out)
        if e.findtext("title") == "Health check passed while the database was down"
    )
    assert twins == [
        "health-check-passed-while-the-database-was-down",
        "health-check-passed-while-the-database-was-down-2",
    ]
    assert _entry(out, "terraform-state-lock") is not None  # <id> element form


def test_summary_counts_add_up(run) -> None:
    _, out, result = run
    summary = result.report.to_dict()["summary"]
    ids = result.report.to_dict()["ids"]
    entries = len(_entries(out))
    assert summary["canonical_entries"] == 1  # canonical_ok.xml
    assert summary["records"] + summary["canonical_entries"] == entries
    assert ids["kept"] + len(ids["minted"]) == entries
    line = f"entries: {entries} (1 taken as they are from category files)"
    assert line in result.report.to_text()


def test_fields_mapped_through_names_attributes_and_look_inside(run) -> None:
    _, out, _ = run
    cdn = _entry(out, "cdn-purge-wildcard")
    assert (cdn.get("severity"), cdn.findtext("date")) == ("critical", "2025-04-04")
    assert cdn.find("provenance/original[@field='severity']").text == "CRITICAL"
    mobile = {
        e.get("id"): e.get("severity")
        for e in _entries(out)
        if e.findtext("category") == "Mobile/Release"
    }
    assert mobile == {
        "ios-build-number": "critical",
        "android-proguard-rules": "critical",
        "push-token-refresh": "high",
        "deep-link-encoding": "medium",
        "dark-mode-contrast": "low",
    }
    pool = _entry(out, "sqlalchemy-pool-exhaustion")
    assert [s.text[:30] for s in pool.iterfind("symptoms/symptom")] == [
        "sqlalchemy.exc.TimeoutError: Q",
        "p95 latency jumped from 80 ms ",
        "HTTP 500 on /checkout",
    ]
    assert pool.find("symptoms/symptom[2]").get("versions") == "sqlalchemy>=2.0"
    assert (
        pool.findtext("root-causes/cause")
        == "Sessions opened in a background task were never closed."
    )
    assert pool.find("extras/problem/impact") is not None  # kept with its nesting
    decimal = _entry(out, "json-decimal-serialisation")
    steps = decimal.findall("solution/step")
    assert steps[2].find("code").get("lang") == "python"
    assert [f.text for f in decimal.iterfind("files-modified/file")] == [
        "api/encoding.py - the default hook",
        "docs/api.md",
    ]
    # a rationale is part of the solution (why it works), not an extra
    assert decimal.find("extras/solution/rationale") is None
    assert steps[-1].text == "Floats would have silently rounded cents."
    whys = _entry(out, "disk-full-postgres-wal")
    assert len(whys.findall("five-whys/why")) == 5
    assert whys.findtext("five-whys/why[4]/question") == "Why was the slot abandoned?"
    assert len(whys.findall("root-causes/cause")) == 2
    tags = [t.text for t in _entry(out, "uv-lockfile-drift").iterfind("tags/tag")]
    assert tags == [
        "python",
        "packaging",
        "ci",
        "lockfile",
        "uv",
        "dependency-management",
        "reproducible-builds",
        "tooling",
    ]
    gunicorn = _entry(out, "gunicorn-worker-timeout")
    assert gunicorn.findtext("root-causes/cause").startswith("Sync workers")
    assert [f.text for f in gunicorn.iterfind("files-modified/file")] == [
        "deploy/gunicorn.conf.py",
        "app/uploads.py",
    ]
    flattened = next(
        e for e in _entries(out) if e.findtext("title") == "pydantic v2 validators silently skipped"
    )
    assert flattened.findtext("category") == "Python/Pydantic"
    assert flattened.find("extras/metadata/version").text == "2"


def test_envelope_defaults_and_text_outside_records_kept(run) -> None:
    _, out, _ = run
    first = _entry(out, "jwt-none-alg")
    assert first.findtext("category") == "Security/Auth"
    assert "shaped the auth review checklist" in "".join(first.find("extras").itertext())
    third = _entry(out, "password-reset-token-reuse")
    assert third.findtext("date") == "2025-07-20"  # the envelope's last_updated
    notes = [r.text for r in third.iterfind("provenance/repair")]
    assert any("envelope" in n for n in notes)
    wiki = _entry(out, "wiki-export-image-links")
    kept = etree.tostring(wiki.find("extras"), encoding="unicode")
    assert "Exported from the old wiki" in kept and "Free text the exporter left" in kept
    assert wiki.get("status") == "superseded"


def test_namespaces_and_encodings(run) -> None:
    _, out, result = run
    grpc = _entry(out, "grpc-deadline-propagation")
    assert (
        grpc.find("provenance/original[@field='namespace']").text
        == "https://example.org/learnings/v2"
    )
    titles = {e.findtext("title") for e in _entries(out)}
    assert 'Supplier CSV import crashed on "Müller"' in titles
    assert "PowerShell redirect wrote UTF-16 and broke the diff tool" in titles
    latin = next(f for f in result.report.files if f.path.endswith("enc_latin1.xml"))
    assert "decoded as iso8859-1 (--encoding)" in latin.notes[0]


def test_catalogue_recognised_and_checked(run) -> None:
    _, _, result = run
    index = next(f for f in result.report.files if f.path.endswith("index.xml"))
    assert index.status == "catalogue" and index.records == 0
    expected = EXPECTED["catalogues"]["index.xml"]
    assert index.catalogue["paths"] == expected["paths"]
    assert [b["path"] for b in index.catalogue["broken"]] == expected["broken"]
    # 62 XML files besides the catalogue, 4 of them listed
    assert index.catalogue["unlisted"] == len(list(CORPUS.glob("*.xml"))) - 1 - 4


def test_links_resolved_or_reported_broken(run) -> None:
    _, out, result = run
    tls = _entry(out, "ssl-verify-disabled")
    kinds = [(r.tag, r.get("href") or r.get("ref")) for r in tls.find("references")]
    assert ("learning", "tls-cert-expiry") in kinds
    assert any(k == "link" and h.startswith("https://docs.python-requests.org") for k, h in kinds)
    assert [b["text"] for b in result.report.links_broken] == ["SPEC/learnings/does_not_exist.xml"]
    csv = _entry(out, "csv-export-encoding")  # a path to a one-record legacy file → its id
    assert csv.find("references/learning").get("ref") == "email-bounce-storm"


# ------------------------------------------------------------ failures, safety, CLI


def test_broken_file_reported_and_run_goes_on(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "nul.xml").write_bytes(b"<learning><title>a\x00b</title></learning>")
    (src / "dtd.xml").write_text(
        '<!DOCTYPE x [<!ENTITY e "x">]>\n'
        "<learning><title>T</title><problem>&e;</problem></learning>"
    )
    shutil.copy(CORPUS / "whole_record_basic.xml", src)
    (src / "latin.xml").write_bytes((CORPUS / "enc_latin1.xml").read_bytes())
    result = plan(MigrateOptions(sources=[src], out=tmp_path / "out"))
    status = {f.path.rsplit("/", 1)[-1]: f for f in result.report.files}
    assert status["whole_record_basic.xml"].status == "migrated"
    # a DOCTYPE is kept as a comment, never applied: the record is read, &e; stays text
    dtd = status["dtd.xml"]
    assert dtd.status == "repaired" and "DOCTYPE" in dtd.repairs[0].text
    for name, code in (("nul.xml", "KB101"), ("latin.xml", "KB101")):
        assert status[name].status == "failed"
        finding = status[name].findings[0]
        assert finding.code == code and finding.line >= 1 and finding.col >= 1
    assert "--encoding" in status["latin.xml"].findings[0].message
    assert len(result.outputs) == 2  # whole_record_basic's category, and General
    assert any(b"<description>&amp;e;</description>" in o.data for o in result.outputs)


def test_symlink_leaving_the_source_tree_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.xml"
    outside.write_text(
        "<learning><title>secret</title><problem>x</problem><solution>y</solution></learning>"
    )
    src = tmp_path / "src"
    src.mkdir()
    (src / "leak.xml").symlink_to(outside)
    result = plan(MigrateOptions(sources=[src], out=tmp_path / "out"))
    [leak] = result.report.files
    assert leak.status == "failed" and leak.findings[0].code == "KB104"
    assert result.outputs == []


def test_out_must_not_overlap_sources_and_outputs_stay_inside(tmp_path: Path) -> None:
    from kbtool.errors import UsageError

    src = tmp_path / "src"
    src.mkdir()
    (src / "a.xml").write_text(
        "<learning><title>T</title><category>../../etc/passwd</category>"
        "<problem>p</problem><solution>s</solution></learning>"
    )
    with pytest.raises(UsageError):
        plan(MigrateOptions(sources=[src], out=src / "out"))
    result = _migrate([src], tmp_path / "out")
    assert [o.path.name for o in result.outputs] == ["etc_passwd.xml"]
    assert sorted(p.name for p in tmp_path.rglob("*.xml")) == ["a.xml", "etc_passwd.xml"]


def test_existing_file_in_out_is_not_overwritten(tmp_path: Path) -> None:
    from kbtool.errors import UsageError

    out = tmp_path / "out"
    out.mkdir()
    (out / "database_asyncio.xml").write_text("<notes>mine</notes>")
    with pytest.raises(UsageError, match="would overwrite"):
        plan(MigrateOptions(sources=[CORPUS / "whole_record_basic.xml"], out=out))
    assert (out / "database_asyncio.xml").read_text() == "<notes>mine</notes>"


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_in_place_needs_a_clean_tree_then_converts_the_folder(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    folder = repo / "learnings"
    folder.mkdir(parents=True)
    for name in ("whole_record_basic.xml", "envelope_spec_learnings.xml", "index.xml"):
        shutil.copy(CORPUS / name, folder)
    refused = cli("migrate", "--in-place", str(folder))
    assert refused.code == 2 and "not under git" in refused.err
    _git("init", "-q", cwd=repo)
    dirty = cli("migrate", "--in-place", str(folder))
    assert dirty.code == 2 and "uncommitted changes" in dirty.err
    _git("add", ".", cwd=repo)
    _git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "legacy", cwd=repo)
    done = cli("migrate", "--in-place", str(folder))
    assert done.code == 0, done.err
    assert sorted(p.name for p in folder.iterdir()) == [
        "database_asyncio.xml",
        "database_postgresql.xml",
        "index.xml",
    ]
    first = _outputs(folder)
    again = cli("migrate", "--in-place", "--force", str(folder))
    assert again.code == 0 and _outputs(folder) == first
    assert "2 already migrated" not in again.out and "records: 0 migrated" in again.out


def test_cli_dry_run_diff_and_json(tmp_path: Path) -> None:
    out = tmp_path / "out"
    source = str(CORPUS / "misspelt_end_tag.xml")
    dry = cli("migrate", source, "--out", str(out), "--dry-run")
    assert dry.code == 0 and not out.exists()
    assert "misspelt_end_tag.xml:8:76: renamed end tag </symptym> to </symptom>" in dry.out
    assert "1 category file(s), 1 to write" in dry.out
    diff = cli("migrate", source, "--out", str(out), "--diff")
    assert diff.code == 0 and not out.exists()
    assert "+      <title>Celery tasks ran twice after long jobs</title>" in diff.out
    assert "records: 1 migrated" in diff.err  # with --diff the report goes to stderr
    data = cli("migrate", source, "--out", str(out), "--format", "json")
    report = json.loads(data.out)
    assert set(report) == {
        "version",
        "command",
        "summary",
        "files",
        "fields",
        "kept_concepts",
        "text",
        "extras_kept",
        "ids",
        "links",
        "outputs",
        "warnings",
        "reports",
    }
    assert report["summary"]["records"] == 1 and report["files"][0]["repairs"][0]["line"] == 8
    assert (out / "backend_queues.xml").exists()
    again = cli("migrate", source, "--out", str(tmp_path / "text"))
    assert again.code == 0 and "1 category file(s), 1 written" in again.out  # done, not to do
    assert cli("migrate", source).code == 2  # neither --out nor --in-place
    assert cli("migrate", source, "--out", str(out), "--format", "xml").code == 2
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<learning><title>x\x00</title></learning>")
    failed = cli("migrate", str(broken), "--out", str(tmp_path / "o2"))
    assert failed.code == 1 and "broken.xml:1:" in failed.out and "KB101" in failed.out


REPORT_FULL = """# Fix report: payment webhook processed twice

Date: 2025-03-04

## Problem Statement
Stripe retried a webhook after our 30 s timeout and the order was charged twice.

## Five Whys Analysis
### Why #1: Why was the order charged twice?
**Answer:** The webhook handler ran twice for the same event.
### Why #2: Why did it run twice?
**Answer:** Stripe retried because we answered after 30 seconds.

## Solution Implemented
Answer 200 at once and process the event in a queue, deduplicated by event id.

## Impact
Two customers were refunded.
"""
REPORT_CAUSE = """# Cache stampede after deploy

## Issue Summary
Every pod rebuilt the same cache entry at once.

## Root Cause
No request coalescing around cache misses.

## Changes Made
- Added a per-key lock around cache rebuilds
"""
REPORT_NO_SOLUTION = """# Investigation: slow search

## Problem
Search is slow on Mondays.

## Root Cause
Unknown yet.
"""
NOT_A_REPORT = """# Team offsite agenda

## Morning
Planning.
"""


def test_reports_imported_in_bulk_through_import_report(tmp_path: Path) -> None:
    (tmp_path / "kbtool.toml").write_text('learnings = "learnings"\n')
    reports = tmp_path / "learnings" / "reports"
    reports.mkdir(parents=True)
    for name, text in (
        ("payment.md", REPORT_FULL),
        ("cache.md", REPORT_CAUSE),
        ("search.md", REPORT_NO_SOLUTION),
        ("offsite.md", NOT_A_REPORT),
    ):
        (reports / name).write_text(text)
    first = cli("--root", str(tmp_path), "migrate", "--reports", str(reports), "--format", "json")
    assert first.code == 0, first.err
    result = json.loads(first.out)
    assert sorted(i["path"].rsplit("/", 1)[-1] for i in result["imported"]) == [
        "cache.md",
        "payment.md",
    ]
    skipped = {s["path"].rsplit("/", 1)[-1]: s["reason"] for s in result["skipped"]}
    assert skipped == {
        "offsite.md": "missing sections: problem, root cause or whys, solution",
        "search.md": "missing sections: solution",
    }
    from kbtool.validate import validate

    checked = validate(load_config(root=tmp_path), (), use_cache=False)
    assert [d.format() for d in checked.diagnostics if d.severity.value == "error"] == []
    assert checked.entries == 2
    xml = "".join(p.read_text() for p in (tmp_path / "learnings").glob("*.xml"))
    assert "Two customers were refunded." in xml  # the Impact section is kept as an extra
    again = cli("--root", str(tmp_path), "migrate", "--reports", str(reports))
    assert again.code == 0 and "reports: 0 imported, 4 skipped" in again.out
    assert "already imported" in again.out


def test_links_to_reports_inside_the_kb_become_fix_report_hrefs(tmp_path: Path) -> None:
    from kbtool.validate import validate

    (tmp_path / "kbtool.toml").write_text('learnings = "learnings"\nreports = "legacy/reports"\n')
    legacy = tmp_path / "legacy"
    shutil.copytree(CORPUS / "reports", legacy / "reports")
    for name in ("links_and_dates.xml", "header_block.xml", "comma_tags.xml"):
        shutil.copy(CORPUS / name, legacy)
    (legacy / "comma_tags.xml").write_text(
        (CORPUS / "comma_tags.xml")
        .read_text()
        .replace(
            "<labels>", '<symptoms><symptom versions="not a spec">x</symptom></symptoms><labels>'
        )
        .replace("<label>ci</label>", "<label>CI</label>")
    )
    out = tmp_path / "learnings"
    result = cli("--root", str(tmp_path), "migrate", str(legacy), "--out", str(out))
    assert result.code == 0, result.err
    tls = _entry(out, "ssl-verify-disabled")
    report = tls.find("references/fix-report")
    assert report.get("href") == "../legacy/reports/webhook-replay.md"
    assert report.text == "Webhook replay report"
    # relative to the folder given on the command line, not to the KB root
    assert tls.find("provenance").get("source") == "links_and_dates.xml"
    lockfile = _entry(out, "uv-lockfile-drift")
    assert lockfile.find("symptoms/symptom").get("versions") is None  # invalid: kept aside
    assert lockfile.find("provenance/original[@field='versions']").text == "not a spec"
    assert [t.text for t in lockfile.iterfind("tags/tag")].count("CI") == 0  # 'ci' came first
    checked = validate(load_config(root=tmp_path), (out,), use_cache=False)
    assert [d.format() for d in checked.diagnostics if d.severity.value == "error"] == []
