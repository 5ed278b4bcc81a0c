"""How the index is built and kept: text kept once, parse workers, dead rows, compaction."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest
from search_kb import copy_kb

from kbtool.config import Config
from kbtool.search import index as index_module
from kbtool.search import indexschema
from kbtool.search.fulltext import search, search_entries
from kbtool.search.index import index_path, open_index


def _rows(config: Config) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(index_path(config)) as db:
        return {
            table: db.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            for table in ("files", "entries", "tags", "symptoms", "refs")
        }


def _built(tmp_path: Path, name: str = "kb") -> Config:
    """A fresh copy of the fixture KB with its index built."""
    config = copy_kb(tmp_path, name)
    with open_index(config):
        pass
    return config


def _without_times(rows: dict[str, list[tuple[object, ...]]]) -> dict[str, object]:
    files = [row[:2] + row[3:4] + row[5:] for row in rows["files"]]  # no mtime, no racy flag
    return {**rows, "files": files}


def test_text_is_kept_once_in_the_xml_not_in_the_index(tmp_path: Path) -> None:
    config = copy_kb(tmp_path)
    xml = (config.learnings_dir / "api_http.xml").read_text(encoding="utf-8")
    sentence = "Add jitter to retries"  # from a <prevention> item: long text, body only
    assert sentence in xml
    with open_index(config):
        pass
    assert sentence.encode() not in index_path(config).read_bytes()
    [hit] = search_entries(config, '"add jitter to retries"')
    assert hit.id == "retry-storm-after-timeout"
    assert "jitter" in hit.snippet  # the snippet comes from the XML


def test_parse_workers_give_the_same_index_as_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serial = _built(tmp_path, "serial")
    started: list[list[str]] = []
    original = subprocess.Popen

    def spy(cmd: list[str], **kw: object) -> subprocess.Popen[bytes]:
        started.append(list(cmd))
        assert kw["cwd"] == "/" and set(kw["env"]) == {"PATH", "LC_ALL"}  # type: ignore[arg-type]
        return original(cmd, **kw)  # type: ignore[call-overload, no-any-return]

    monkeypatch.setattr(subprocess, "Popen", spy)
    monkeypatch.setattr(index_module, "PARALLEL_MIN_BYTES", 0)
    parallel = copy_kb(tmp_path, "parallel")
    with open_index(parallel):
        pass
    assert started and all(cmd[1:4] == ["-I", "-m", "kbtool.search.indexworker"] for cmd in started)
    assert _without_times(_rows(parallel)) == _without_times(_rows(serial))
    assert [h.id for h in search_entries(parallel, "session")] == [
        h.id for h in search_entries(serial, "session")
    ]


def test_a_changed_file_leaves_dead_rows_that_are_never_found(tmp_path: Path) -> None:
    config = _built(tmp_path)
    path = config.learnings_dir / "api_http.xml"
    path.write_text(path.read_text(encoding="utf-8").replace("jitter", "backoff"), "utf-8")
    with open_index(config) as index:
        assert index.report.modified == 1
        dead = index.conn.execute("SELECT value FROM meta WHERE key = 'dead'").fetchone()[0]
    assert int(dead) >= 1
    assert search_entries(config, "jitter") == []
    assert [h.id for h in search_entries(config, "backoff")] == ["retry-storm-after-timeout"]
    assert search(config, "retry-storm-after-timeout").hits[0].id == "retry-storm-after-timeout"


def test_many_dead_rows_are_compacted_by_a_rebuild(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _built(tmp_path)
    with sqlite3.connect(index_path(config)) as db:
        db.execute("UPDATE meta SET value = '1000' WHERE key = 'dead'")
    path = config.learnings_dir / "api_http.xml"
    path.write_text(path.read_text(encoding="utf-8") + "\n", "utf-8")
    with open_index(config) as index:
        assert index.report.rebuilt and index.report.reason == "compacting"
        dead = index.conn.execute("SELECT value FROM meta WHERE key = 'dead'").fetchone()[0]
    assert dead == "0"


def test_a_full_build_is_the_same_bytes_every_time_and_sound(tmp_path: Path) -> None:
    """The long texts' table is built on a thread of its own, in a file of its own, and
    copied in (kbtool.search.indexbody): the result must not depend on the timing, and
    FTS5 must find it whole."""
    config = copy_kb(tmp_path)
    builds = []
    for _ in range(2):
        with open_index(config, rebuild=True) as index:
            assert index.report.rebuilt
        builds.append(index_path(config).read_bytes())
    assert builds[0] == builds[1]
    with open_index(config, check=True) as index:
        assert not index.report.rebuilt  # the integrity check found nothing wrong
        assert index_module.integrity_problem(index.conn) == ""
        count = index.conn.execute("SELECT count(*) FROM body_fts WHERE body_fts MATCH 'jitter'")
        assert count.fetchone()[0] >= 1
        # The body is loaded with a larger term buffer (indexbody.BODY_BULK_FTS); the
        # settings stored with the tables, which later updates use, are the usual ones.
        settings = [
            index.conn.execute(f"SELECT * FROM {table}_config ORDER BY k").fetchall()
            for table in indexschema.FTS_TABLES
        ]
        assert settings[0] == settings[1] == settings[2]
        assert ("hashsize", 16_000_000) in settings[1] and ("automerge", 4) in settings[1]
    assert not list(config.cache_dir.glob("index.db.tmp-*"))  # no temporary file left


def _postings(config: Config) -> dict[str, list[tuple[object, ...]]]:
    """Every full-text table's content: each term's every occurrence (row, column, offset)."""
    with sqlite3.connect(index_path(config)) as db:
        out = {}
        for table in ("entries_fts", "body_fts"):
            vocab = f"temp.v_{table}"
            db.execute(f"CREATE VIRTUAL TABLE {vocab} USING fts5vocab(main, {table}, instance)")
            out[table] = db.execute(f"SELECT * FROM {vocab}").fetchall()
        out["words_fts"] = db.execute("SELECT * FROM words_vocab").fetchall()
        out["docsize"] = [
            db.execute(f"SELECT * FROM {table}_docsize ORDER BY id").fetchall()
            for table in ("entries_fts", "body_fts", "words_fts")
        ]
    return out


def test_a_full_build_indexes_what_one_connection_inserting_every_file_does(
    tmp_path: Path,
) -> None:
    """A full build splits the work (the long texts on a thread, their table copied in; the
    "did you mean" words made by SQLite from the short fields); an update inserts every
    file's rows through one connection. Both must index the same words at the same places."""
    full = _built(tmp_path, "full")
    updated = copy_kb(tmp_path, "updated")
    away = tmp_path / "away"
    updated.learnings_dir.rename(away)
    updated.learnings_dir.mkdir()
    with open_index(updated):
        pass
    updated.learnings_dir.rmdir()
    away.rename(updated.learnings_dir)
    with open_index(updated) as index:
        assert not index.report.rebuilt and index.report.added > 1
    assert _postings(updated) == _postings(full)
    assert _postings(full)["body_fts"]


def test_a_body_thread_that_fails_fails_the_build_and_leaves_no_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kbtool.search import indexbody

    config = _built(tmp_path)
    before = index_path(config).read_bytes()
    monkeypatch.setattr(indexbody, "BODY_INSERT", "INSERT INTO no_such_table VALUES (?, ?)")
    with pytest.raises(sqlite3.OperationalError, match="no_such_table"):
        open_index(config, rebuild=True)
    assert index_path(config).read_bytes() == before  # the old index stays, whole
    assert not list(config.cache_dir.glob("index.db.tmp-*"))


def test_the_body_terms_buffer_changes_no_posting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full build loads the long texts with a term buffer large enough for one segment
    at 100k entries (indexbody.BODY_BULK_FTS); a small buffer writes many segments and
    merges them at the end. Both index the same words at the same places."""
    from kbtool.search import indexbody

    one = _built(tmp_path, "one")
    monkeypatch.setattr(
        indexbody, "BODY_BULK_FTS", ("('hashsize', 1)", "('automerge', 0)")
    )  # a segment a row
    many = _built(tmp_path, "many")
    assert _postings(many) == _postings(one)
    with sqlite3.connect(index_path(many)) as db:
        assert db.execute("SELECT * FROM body_fts_config WHERE k = 'hashsize'").fetchone() == (
            "hashsize",
            16_000_000,
        )


def test_a_build_that_fails_after_the_body_thread_closed_leaves_no_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The body thread's last merge and commit run beside the creation of the indexes
    (BodyWriter.close); a failure there abandons it, drops both scratch files and keeps the
    old index."""
    import threading

    config = _built(tmp_path)
    before = index_path(config).read_bytes()
    broken = indexschema.INDEXES + "CREATE INDEX broken ON no_such_table(x);\n"
    monkeypatch.setattr(indexschema, "INDEXES", broken)
    with pytest.raises(sqlite3.OperationalError, match="no_such_table"):
        open_index(config, rebuild=True)
    assert index_path(config).read_bytes() == before
    assert not list(config.cache_dir.glob("index.db.tmp-*"))
    assert not [t for t in threading.enumerate() if t.name == "kbtool-body-fts"]


def test_no_sql_binds_numbered_placeholders_from_a_sequence() -> None:
    """Python 3.14 raises ProgrammingError for ``?1`` placeholders bound from a sequence
    (3.12 and 3.13 warn): kbtool's SQL uses ``?`` or ``:name``."""
    import re

    package = Path(__file__).resolve().parent.parent / "kbtool"
    found = [
        f"{path.relative_to(package)}:{n}"
        for path in package.rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\?\d|'\?\{|f'\?", line) and not line.lstrip().startswith("#")
    ]
    assert not found, found
