"""`kbtool export`: ndjson lines valid against the committed schema, a deterministic,
read-only SQLite file with full-text search, filters like `kbtool list`, hostile text kept
as data, and the exit codes. Datasette serving the file: tests/test_export_datasette.py."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from helpers_cli import cli
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from kbtool.config import load_config
from kbtool.entry_xml import learning_from_element
from kbtool.export.ndjson import LEARNING_SCHEMA_ID, LINE_SCHEMA
from kbtool.kb import KnowledgeBase

REPO = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((REPO / "spec" / "learning.schema.json").read_text(encoding="utf-8"))
FLAGSHIP = "async-context-manager-dependency-injection"


def test_the_schema_id_is_the_committed_one() -> None:
    assert SCHEMA["$id"] == LEARNING_SCHEMA_ID
    assert "Learning" in SCHEMA["$defs"]


def line_validator() -> Draft202012Validator:
    """LINE_SCHEMA, its `learning` resolved against the committed spec/learning.schema.json."""
    registry: Registry = Registry().with_resource(
        LEARNING_SCHEMA_ID, Resource.from_contents(SCHEMA)
    )
    return Draft202012Validator(LINE_SCHEMA, registry=registry)


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the bundled KB (its learnings and fix reports), so that filters may build
    their index there and not in the checkout."""
    root = tmp_path_factory.mktemp("bundled")
    shutil.copytree(REPO / "learnings", root / "learnings")
    return root


def bundled_entries() -> list[tuple[str, int, str]]:
    kb = KnowledgeBase.load(load_config(root=REPO))
    return [(e.source.path.relative_to(REPO).as_posix(), e.line, e.id) for e in kb.entries()]


def export(root: Path, *args: str) -> tuple[int, str, str]:
    result = cli("--root", str(root), "export", *args)
    return result.code, result.out, result.err


# ------------------------------------------------------------------ ndjson


def test_every_ndjson_line_validates_against_the_committed_schema(bundled: Path) -> None:
    code, out, err = export(bundled)
    assert code == 0, err
    lines = out.splitlines()
    validator = line_validator()
    for text in lines:
        errors = [e.message for e in validator.iter_errors(json.loads(text))]
        assert not errors, (text[:200], errors)
    expected = bundled_entries()
    assert [(d["path"], d["line"], d["learning"]["id"]) for d in map(json.loads, lines)] == (
        expected
    )
    assert f"kbtool export: {len(expected)} entries to stdout" in err


def test_the_line_schema_rejects_what_is_not_an_entry() -> None:
    validator = line_validator()
    good = {
        "path": "learnings/x.xml",
        "line": 3,
        "learning": {"id": "a-b", "title": "T", "category": "C", "description": "D"},
    }
    assert validator.is_valid(good)
    assert not validator.is_valid({**good, "extra": 1})
    assert not validator.is_valid({**good, "learning": {**good["learning"], "severity": "huge"}})
    assert not validator.is_valid({"path": "x", "line": 1})


def test_ndjson_lines_round_trip_to_the_model(bundled: Path) -> None:
    from kbtool.model import Learning

    _, out, _ = export(bundled)
    by_id = {json.loads(t)["learning"]["id"]: json.loads(t)["learning"] for t in out.splitlines()}
    kb = KnowledgeBase.load(load_config(root=bundled))
    for ref in kb.entries():
        assert Learning.model_validate(by_id[ref.id]) == learning_from_element(ref.element)


def test_the_documented_line_schema_is_the_one_in_code() -> None:
    doc = (REPO / "docs" / "export.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- line schema -->\s*```json\n(.*?)```", doc, re.S)
    assert block, "docs/export.md lost its line schema block"
    assert json.loads(block.group(1)) == LINE_SCHEMA


def test_ndjson_to_a_file_is_what_stdout_gets(bundled: Path, tmp_path: Path) -> None:
    _, out, _ = export(bundled)
    code, stdout, err = export(bundled, "--out", str(tmp_path / "sub" / "kb.ndjson"))
    assert code == 0, err
    assert stdout == ""
    assert (tmp_path / "sub" / "kb.ndjson").read_bytes() == out.encode("utf-8")


# ------------------------------------------------------------------ determinism


@pytest.mark.parametrize("fmt", ["ndjson", "sqlite"])
def test_the_same_kb_gives_byte_identical_output(fmt: str, bundled: Path, tmp_path: Path) -> None:
    """Exported twice, and from a second copy of the KB elsewhere (other paths, mtimes and
    inodes): the same bytes."""
    other = tmp_path / "elsewhere" / "kb"
    shutil.copytree(bundled / "learnings", other / "learnings")
    outputs = []
    for n, root in enumerate((bundled, bundled, other)):
        target = tmp_path / f"out{n}.{fmt}"
        code, _, err = export(root, "--format", fmt, "--out", str(target), "--no-metadata")
        assert code == 0, err
        outputs.append(target.read_bytes())
    assert len(outputs[0]) > 10_000
    assert outputs[0] == outputs[1] == outputs[2]
    assert not list(tmp_path.glob("*.metadata.json"))  # --no-metadata


# ------------------------------------------------------------------ sqlite


@pytest.fixture(scope="module")
def database(bundled: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("sqlite") / "learnings.db"
    code, _, err = export(bundled, "--format", "sqlite", "--out", str(target))
    assert code == 0, err
    return target


def connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def test_sqlite_tables_hold_the_kb(database: Path, bundled: Path) -> None:
    kb = KnowledgeBase.load(load_config(root=bundled))
    learnings = [learning_from_element(e.element) for e in kb.entries()]
    with connect(database) as conn:
        rows = conn.execute(
            "SELECT id, path, line, learning FROM entries ORDER BY rowid"
        ).fetchall()
        assert [r[0] for r in rows] == [x.id for x in learnings]
        assert [(r[1], r[2]) for r in rows] == [(p, n) for p, n, _ in bundled_entries()]
        assert [json.loads(r[3]) for r in rows] == [x.model_dump(mode="json") for x in learnings]
        symptoms = conn.execute("SELECT count(*) FROM symptoms").fetchone()[0]
        assert symptoms == sum(len(x.symptoms) for x in learnings)
        pairs = {tuple(r) for r in conn.execute("SELECT entry_id, tag FROM entry_tags")}
        assert pairs == {(x.id, t) for x in learnings for t in x.tags}
        tag_counts = dict(conn.execute("SELECT tag, entries FROM tags").fetchall())
        assert tag_counts["asyncio"] == sum("asyncio" in x.tags for x in learnings)
        # the flagship entry links to its fix report, and the report mentions it back
        links = conn.execute(
            "SELECT kind, to_report FROM links WHERE from_entry = ? AND to_report IS NOT NULL",
            (FLAGSHIP,),
        ).fetchall()
        assert links == [("fix-report", "learnings/reports/async-context-manager-depends.md")]
        back = conn.execute(
            "SELECT count(*) FROM links WHERE kind = 'mentions' AND to_entry = ?", (FLAGSHIP,)
        ).fetchone()[0]
        assert back == 1
        supersedes = conn.execute("SELECT count(*) FROM links WHERE kind = 'supersedes'")
        assert supersedes.fetchone()[0] == sum(len(x.supersedes) for x in learnings)
        urls = conn.execute("SELECT count(*) FROM links WHERE to_url IS NOT NULL").fetchone()[0]
        assert urls == sum(
            r.target.startswith("https://")
            for x in learnings
            for r in x.references
            if r.kind in ("issue", "link")
        )
        assert urls > 0
        headings = [
            r[0]
            for r in conn.execute(
                "SELECT heading FROM fix_report_sections ORDER BY report, position"
            )
        ]
        assert "Problem Statement" in headings and "Prevention Recommendations" in headings
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_sqlite_full_text_search_finds_entries_and_sections(database: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"  # FTS5's integrity-check is a write statement
    copy.write_bytes(database.read_bytes())
    with sqlite3.connect(copy) as conn:
        for table in ("entries_fts", "fix_report_sections_fts"):
            # the index agrees with its content table row for row (rowids survived VACUUM)
            conn.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('integrity-check', 1)")
    with connect(database) as conn:
        found = [
            r[0]
            for r in conn.execute(
                "SELECT e.id FROM entries_fts JOIN entries AS e ON e.rowid = entries_fts.rowid "
                "WHERE entries_fts MATCH ? ORDER BY rank",
                ('"_AsyncGeneratorContextManager object is not an async iterator"',),
            )
        ]
        assert found[0] == FLAGSHIP
        sections = conn.execute(
            "SELECT s.heading FROM fix_report_sections_fts AS f JOIN fix_report_sections AS s "
            "ON s.id = f.rowid WHERE fix_report_sections_fts MATCH 'unwrap'"
        ).fetchall()
        assert ("Why #3: Why does the error change between FastAPI versions?",) in sections


def test_sqlite_file_is_read_only_and_says_what_it_is(database: Path) -> None:
    assert stat.S_IMODE(database.stat().st_mode) == 0o444
    with connect(database) as conn:
        assert conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
        ).fetchone() == (0,)
        assert conn.execute("PRAGMA user_version").fetchone() == (1,)
        assert conn.execute("PRAGMA application_id").fetchone() == (0x6B627478,)
        info = dict(conn.execute("SELECT key, value FROM kbtool_export").fetchall())
        assert info["format"] == "1" and info["generator"].startswith("kbtool ")
        fts = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'entries_fts'").fetchone()[0]
        assert 'content="entries"' in fts  # the form Datasette's detect_fts looks for
    assert not list(database.parent.glob(".*.tmp")), "a temporary file was left behind"


def test_exporting_again_replaces_the_read_only_file(bundled: Path, database: Path) -> None:
    before = database.read_bytes()
    code, _, err = export(bundled, "-f", "sqlite", "-o", str(database))
    assert code == 0, err
    assert database.read_bytes() == before
    metadata = json.loads(database.with_name("learnings.metadata.json").read_text())
    table = metadata["databases"]["learnings"]["tables"]["entries"]
    assert table["facets"] == ["category", "severity", "status", {"array": "tags"}]


# ------------------------------------------------------------------ filters


@pytest.mark.parametrize(
    "filters",
    [
        ["--severity", "critical"],
        ["--category", "sqlalchemy"],
        ["--tag", "asyncio", "--status", "active"],
        ["--file", "learnings/pytest.xml"],
    ],
)
def test_filters_are_those_of_kbtool_list(bundled: Path, filters: list[str]) -> None:
    listed = cli("--root", str(bundled), "list", "--format", "json", *filters)
    assert listed.code == 0, listed.err
    want = {(r["path"], r["id"]) for r in json.loads(listed.out)}
    code, out, err = export(bundled, *filters)
    assert code == 0, err
    got = [(d["path"], d["learning"]["id"]) for d in map(json.loads, out.splitlines())]
    assert set(got) == want and len(got) == len(want)
    assert 0 < len(want) < len(bundled_entries())


def test_a_filtered_sqlite_export_keeps_its_foreign_keys(bundled: Path, tmp_path: Path) -> None:
    target = tmp_path / "one.db"
    code, _, err = export(bundled, "-f", "sqlite", "-o", str(target), "--category", "alembic")
    assert code == 0, err
    with connect(target) as conn:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        categories = {r[0] for r in conn.execute("SELECT category FROM entries")}
        assert categories == {"Alembic"}
        assert conn.execute("SELECT count(*) FROM fix_reports").fetchone() == (0,)
        outside = conn.execute(
            "SELECT count(*) FROM links WHERE from_entry IS NULL AND to_entry IS NULL "
            "AND from_report IS NULL"
        ).fetchone()
        assert outside == (0,)


# ------------------------------------------------------------------ hostile and broken input

HOSTILE = (
    "'); DROP TABLE entries; -- \"<img src=x onerror=alert(1)>\u2028\x85\u2029\t$(rm -rf /)"
    " \u202eevil\u202c soft\u00adhyphen tag\U000e0041"
)


def category_file(category: str, *entries: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<specification schema-version="1">
  <metadata><name>Learnings</name><type>learnings</type><category>{category}</category></metadata>
  <learnings>
{"".join(entries)}
  </learnings>
</specification>
"""


def entry(entry_id: str, title: str, extra: str = "") -> str:
    return f"""<learning id="{entry_id}" severity="high">
  <title>{title}</title><date>2025-01-02</date><category>Hostile</category>
  <description>{title}</description>
  <tags><tag>{title}</tag></tags>
  <symptoms><symptom>{title}</symptom></symptoms>{extra}
</learning>
"""


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


def test_hostile_text_stays_data(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    (root / "learnings").mkdir(parents=True)
    (root / "learnings" / "hostile.xml").write_text(
        category_file("Hostile", entry("hostile-one", escape(HOSTILE))), encoding="utf-8"
    )
    target = tmp_path / "h.db"
    code, _, err = export(root, "-f", "sqlite", "-o", str(target))
    assert code == 0, err
    with connect(target) as conn:
        title, tags, symptoms = conn.execute("SELECT title, tags, symptoms FROM entries").fetchone()
        assert title == HOSTILE.strip()
        assert json.loads(tags) == [HOSTILE.strip()]
        assert symptoms == HOSTILE.strip()
        assert conn.execute("SELECT tag FROM tags").fetchall() == [(HOSTILE.strip(),)]
    # through the console script (stdout escaped for the terminal) and to a file: the same
    # bytes, one line even for str.splitlines(), nothing raw that hides or reorders text
    stdout = run_kbtool("--root", str(root), "export", cwd=tmp_path)
    assert stdout.returncode == 0, stdout.stderr
    to_file = run_kbtool("--root", str(root), "export", "-o", "h.ndjson", cwd=tmp_path)
    assert to_file.returncode == 0, to_file.stderr
    data = (tmp_path / "h.ndjson").read_bytes()
    assert data == stdout.stdout.encode("utf-8")
    assert len(data.decode("utf-8").splitlines()) == 1
    assert not re.search(
        "[\u0080-\u009f\u00ad\u2028\u2029\u202a-\u202e\U000e0000-\U000e007f]", data.decode("utf-8")
    )
    line = json.loads(data)
    assert line["learning"]["title"] == HOSTILE.strip()
    assert line_validator().is_valid(line)


def test_what_cannot_be_exported_is_said_and_the_rest_written(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    (root / "learnings").mkdir(parents=True)
    (root / "learnings" / "a.xml").write_text(
        category_file(
            "A",
            entry("good-one", "Fine"),
            entry("good-one", "Twice"),
            entry("bad-date", "Date", "<review-by>soon</review-by>"),
        ),
        encoding="utf-8",
    )
    (root / "learnings" / "b.xml").write_text("<specification><oops>", encoding="utf-8")
    code, out, err = export(root)
    assert code == 1
    assert [json.loads(t)["learning"]["id"] for t in out.splitlines()] == ["good-one"]
    assert "entry 'good-one' not exported: its id is already taken" in err
    assert "entry 'bad-date' not exported: it does not fit the schema" in err
    assert "learnings/b.xml:" in err and "KB101" in err
    assert "1 entry to stdout; 3 problems (not exported)" in err
    # an entry left out for its errors does not make the export a filtered one: every fix
    # report is still exported, and no link names the entry that is not there
    (root / "learnings" / "reports").mkdir()
    (root / "learnings" / "reports" / "r.md").write_text(
        "# Report\n\nAbout learnings/a.xml#bad-date and learnings/a.xml#good-one.\n"
    )
    (root / "learnings" / "reports" / "other.md").write_text("# Other\n\nNo entry here.\n")
    code, _, err = export(root, "-f", "sqlite", "-o", str(tmp_path / "b.db"))
    assert code == 1, err
    with connect(tmp_path / "b.db") as conn:
        assert conn.execute("SELECT path FROM fix_reports").fetchall() == [
            ("learnings/reports/other.md",),
            ("learnings/reports/r.md",),
        ]
        mentions = conn.execute("SELECT to_entry FROM links WHERE kind = 'mentions'").fetchall()
        assert mentions == [("good-one",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


# ------------------------------------------------------------------ the command line


def run_kbtool(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kbtool", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["-f", "sqlite"], 2, "--format sqlite needs --out FILE"),
        (["-f", "sqlite", "-o", "-"], 2, "--format sqlite needs --out FILE"),
        (["-f", "csv"], 2, "expected one of ndjson, sqlite"),
        (["--severity", "huge"], 2, "unknown severity 'huge'"),
        (["-o", "blocker/x.ndjson"], 3, "--out"),
        (["-f", "sqlite", "-o", "blocker/x.db"], 3, "--out"),
        (["-f", "sqlite", "-o", "learnings"], 3, "is a folder"),
    ],
)
def test_usage_and_output_errors(bundled: Path, args: list[str], code: int, message: str) -> None:
    (bundled / "blocker").touch()  # a file where a folder is wanted
    done = run_kbtool("export", *args, cwd=bundled)
    assert done.returncode == code, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_no_knowledge_base_is_a_configuration_error(tmp_path: Path) -> None:
    done = run_kbtool("--root", str(tmp_path), "export", cwd=tmp_path)
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr


def test_repository_names_every_line_and_the_database(bundled: Path, tmp_path: Path) -> None:
    code, out, err = export(bundled, "--repository", "acme/payments", "--tag", "celery")
    assert code == 0, err
    lines = [json.loads(t) for t in out.splitlines()]
    assert lines and all(d["repository"] == "acme/payments" for d in lines)
    assert all(line_validator().is_valid(d) for d in lines)
    assert list(lines[0]) == ["repository", "path", "line", "learning"]
    target = tmp_path / "payments.db"
    code, _, err = export(bundled, "-f", "sqlite", "-o", str(target), "--repository", "acme/x")
    assert code == 0, err
    with connect(target) as conn:
        assert conn.execute(
            "SELECT value FROM kbtool_export WHERE key = 'repository'"
        ).fetchone() == ("acme/x",)
    metadata = json.loads((tmp_path / "payments.metadata.json").read_text())
    assert metadata["title"] == "Learnings of acme/x"
    assert list(metadata["databases"]) == ["payments"]
