"""The search index as a cache: fresh, stale, missing, corrupt, foreign, concurrent."""

from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import sqlite3
import time
from pathlib import Path

import pytest
from search_kb import FIXTURES, aged_folders, copy_kb, count_listings

from kbtool.config import Config
from kbtool.kb import iter_xml_paths
from kbtool.search import stamps
from kbtool.search.fulltext import search_entries
from kbtool.search.index import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    disk_files,
    index_path,
    integrity_problem,
    open_index,
)


def _update(config: Config, **kw: object):
    notices: list[str] = []
    with open_index(config, notice=notices.append, **kw) as index:  # type: ignore[arg-type]
        return index.report, notices


def _ids(config: Config, query: str, **kw: object) -> list[str]:
    return [h.id for h in search_entries(config, query, **kw)]  # type: ignore[arg-type]


def _touch_later(path: Path) -> None:
    """Change mtime for sure (file systems with coarse timestamps)."""
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 5_000_000_000))


def test_missing_index_is_built_with_a_notice(tmp_path: Path) -> None:
    config = copy_kb(tmp_path)
    report, notices = _update(config)
    assert report.rebuilt and report.reason == "missing"
    assert (report.files, report.entries, report.added) == (5, 9, 5)
    assert notices == ["building the search index"]
    assert (config.cache_dir / ".gitignore").read_text().splitlines()[-1] == "*"
    assert not list(config.cache_dir.glob("index.db.tmp-*"))


def test_fresh_index_is_used_as_is(tmp_path: Path) -> None:
    config = copy_kb(tmp_path)
    _update(config)
    built = index_path(config).stat().st_mtime_ns
    report, notices = _update(config)
    assert not report.changed and notices == []
    assert (report.files, report.entries) == (0, 0)  # queries skip the totals
    report, notices = _update(config, counts=True)
    assert not report.changed and notices == []
    assert (report.files, report.entries) == (5, 9)
    assert index_path(config).stat().st_mtime_ns == built


def test_stale_index_updates_added_modified_removed(tmp_path: Path) -> None:
    config = copy_kb(tmp_path)
    _update(config)
    learnings = config.learnings_dir
    api = learnings / "api_http.xml"
    api.write_text(api.read_text().replace("Retry storm", "Thundering herd"))
    _touch_later(api)
    shutil.copy(learnings / "databasetools.xml", learnings / "copy.xml")
    (learnings / "copy.xml").write_text(
        (learnings / "copy.xml").read_text().replace("pgdump-version-mismatch", "pgdump-copy")
    )
    (learnings / "testing_pytest.xml").unlink()
    report, notices = _update(config)
    assert (report.added, report.modified, report.removed) == (1, 1, 1)
    assert not report.rebuilt and notices == []
    assert report.entries == 9 - 2 + 1
    assert _ids(config, "thundering herd") == ["retry-storm-after-timeout"]
    assert _ids(config, '"retry storm"') == []
    assert _ids(config, "event loop") == []
    assert _ids(config, "pg_dump") == ["pgdump-copy", "pgdump-version-mismatch"]


def test_touched_but_unchanged_file_is_not_reread(tmp_path: Path) -> None:
    config = copy_kb(tmp_path)
    _update(config)
    _touch_later(config.learnings_dir / "api_http.xml")
    report, _ = _update(config)
    assert (report.added, report.modified, report.removed) == (0, 0, 0)
    again, _ = _update(config)
    assert not again.changed


def test_same_size_edit_within_the_same_mtime_is_caught(tmp_path: Path) -> None:
    """A file changed right after it was indexed (racy) is hashed again next time."""
    config = copy_kb(tmp_path)
    api = config.learnings_dir / "api_http.xml"
    os.utime(api)  # just edited: indexed within the same clock tick as the next edit could be
    _update(config)
    info = api.stat()
    api.write_text(api.read_text().replace("Retry storm", "Retry swarm"))
    os.utime(api, ns=(info.st_atime_ns, info.st_mtime_ns))  # same size, same mtime
    assert _ids(config, "swarm") == ["retry-storm-after-timeout"]


def test_files_that_cannot_be_read_are_recorded_not_fatal(tmp_path: Path) -> None:
    config = copy_kb(tmp_path)
    (config.learnings_dir / "broken.xml").write_text("<specification><learnings>")
    report, _ = _update(config)
    assert [p for p, _ in report.unreadable] == ["learnings/broken.xml"]
    assert "KB101" in report.unreadable[0][1]
    assert _ids(config, "title:exhausted") == ["pool-exhaustion-under-load"]


def test_rebuild_on_request_counts_changes(tmp_path: Path) -> None:
    config = copy_kb(tmp_path)
    _update(config)
    (config.learnings_dir / "databasetools.xml").unlink()
    report, _ = _update(config, rebuild=True)
    assert report.rebuilt and report.reason == "requested"
    assert (report.added, report.modified, report.removed) == (0, 0, 1)


def test_version_change_rebuilds(tmp_path: Path) -> None:
    config = copy_kb(tmp_path)
    _update(config)
    with sqlite3.connect(index_path(config)) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    report, notices = _update(config)
    assert report.rebuilt
    assert notices == [
        f"search index format {SCHEMA_VERSION + 1} (this kbtool uses {SCHEMA_VERSION}): "
        "rebuilding it from the entries"
    ]
    with sqlite3.connect(index_path(config)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


@pytest.mark.parametrize(
    ("fixture", "reason"),
    [
        ("not_a_database.db", "unreadable (file is not a database)"),
        ("corrupt_fts_shadow.db", "not a kbtool index"),
    ],
)
def test_foreign_file_is_replaced(tmp_path: Path, fixture: str, reason: str) -> None:
    config = copy_kb(tmp_path)
    config.cache_dir.mkdir()
    shutil.copy(FIXTURES / "sqlite" / fixture, index_path(config))
    index_path(config).chmod(0o644)
    notices: list[str] = []
    hits = search_entries(config, "event loop", notice=notices.append)
    assert [h.id for h in hits] == ["event-loop-closed-in-fixtures"]
    assert notices == [f"search index {reason}: rebuilding it from the entries"]


def _corrupt_fts(config: Config) -> None:
    """Damage the FTS5 index the way badinputs/sqlite/corrupt_fts_shadow.db is damaged:
    quick_check passes and MATCH silently finds nothing. (Here: the structure record of an
    empty FTS5 table replaces ours, so the index forgets its segments.)"""
    with sqlite3.connect(index_path(config)) as db:
        db.execute("CREATE VIRTUAL TABLE empty_fts USING fts5(a)")
        empty = db.execute("SELECT block FROM empty_fts_data WHERE id = 10").fetchone()[0]
        ours = db.execute("SELECT block FROM entries_fts_data WHERE id = 10").fetchone()[0]
        db.execute("UPDATE entries_fts_data SET block = ? WHERE id = 10", (ours[:4] + empty[4:],))
        db.execute("DROP TABLE empty_fts")
    with sqlite3.connect(index_path(config)) as db:
        assert db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        assert (
            db.execute(
                "SELECT count(*) FROM entries_fts WHERE entries_fts MATCH 'loop'"
            ).fetchone()[0]
            == 0
        )


def test_silently_corrupt_index_is_rebuilt_not_an_empty_answer(tmp_path: Path) -> None:
    config = copy_kb(tmp_path)
    _update(config)
    _corrupt_fts(config)
    with sqlite3.connect(index_path(config)) as db:
        assert integrity_problem(db).startswith("corrupt")
    notices: list[str] = []
    hits = search_entries(config, "event loop", notice=notices.append)
    assert [h.id for h in hits] == ["event-loop-closed-in-fixtures"]
    assert len(notices) == 1
    assert re.fullmatch(
        r"search index damaged \(entry \d+ is not found by its title\): "
        r"rebuilding it from the entries",
        notices[0],
    )
    with sqlite3.connect(index_path(config)) as db:
        assert integrity_problem(db) == ""


def test_truncated_index_is_rebuilt(tmp_path: Path) -> None:
    config = copy_kb(tmp_path)
    _update(config)
    path = index_path(config)
    path.write_bytes(path.read_bytes()[:8192])
    notices: list[str] = []
    assert _ids(config, "event loop", notice=notices.append) == ["event-loop-closed-in-fixtures"]
    assert len(notices) == 1 and "rebuilding it from the entries" in notices[0]


def test_index_check_option_finds_damage(tmp_path: Path) -> None:
    config = copy_kb(tmp_path)
    _update(config)
    _corrupt_fts(config)
    report, notices = _update(config, check=True)
    assert report.rebuilt and report.reason.startswith("corrupt")
    assert notices[0].startswith("search index corrupt")


def test_walk_matches_the_kb_walk(tmp_path: Path) -> None:
    config = copy_kb(tmp_path)
    learnings = config.learnings_dir
    (learnings / "sub" / "deeper").mkdir(parents=True)
    (learnings / "sub" / "deeper" / "z.xml").write_text("<x/>")
    (learnings / "sub" / "a.xml").write_text("<x/>")
    (learnings / "node_modules").mkdir()
    (learnings / "node_modules" / "n.xml").write_text("<x/>")
    (learnings / "reports").mkdir()
    (learnings / "reports" / "r.xml").write_text("<x/>")
    (learnings / "notes.txt").write_text("not xml")
    (learnings / "link.xml").symlink_to(learnings / "api_http.xml")
    (learnings / "linkdir").symlink_to(learnings / "sub")
    (learnings / "dangling.xml").symlink_to(tmp_path / "nowhere.xml")
    config = config.__class__(**{**config.__dict__, "reports_dir": learnings / "reports"})
    expected = [str(p) for p in iter_xml_paths((), config)]
    assert [path for path, _ in disk_files(config).values()] == expected
    assert any(p.endswith("dangling.xml") for p in expected)
    assert not any("node_modules" in p or "/reports/" in p or "linkdir" in p for p in expected)


def test_link_leaving_the_root_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside.xml"
    outside.write_text(
        (FIXTURES / "kb" / "learnings" / "databasetools.xml")
        .read_text()
        .replace("pg_dump refuses", "zanzibar refuses")
    )
    config = copy_kb(tmp_path)
    (config.learnings_dir / "escape.xml").symlink_to(outside)
    report, _ = _update(config)
    assert (
        "learnings/escape.xml",
        "KB104 refused: the path (or a link in it) leaves the knowledge base root",
    ) in report.unreadable
    assert _ids(config, "zanzibar") == []


def _hammer(root: str, n: int, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    from kbtool.config import load_config

    config = load_config(root=Path(root))
    try:
        found = []
        for i in range(n):
            if i % 3 == 0:
                with open_index(config, rebuild=True):
                    pass
            found.append(tuple(h.id for h in search_entries(config, "event loop")))
        out.put(("ok", found))
    except Exception as exc:
        out.put(("error", repr(exc)))


def test_concurrent_writers_never_corrupt_it(tmp_path: Path) -> None:
    """Processes rebuilding, updating and searching at once: every search answers right,
    no process fails, and the index is sound afterwards."""
    config = copy_kb(tmp_path)
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    workers = [ctx.Process(target=_hammer, args=(str(config.root), 6, queue)) for _ in range(4)]
    for w in workers:
        w.start()
    api = config.learnings_dir / "api_http.xml"
    for n in range(5):  # meanwhile, edit a file so updates happen too
        api.write_text(api.read_text().replace(f"upstream{n - 1 if n else ''}", f"upstream{n}"))
        _touch_later(api)
        time.sleep(0.05)
    results = [queue.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=60)
    assert all(kind == "ok" for kind, _ in results), results
    for _, found in results:
        assert set(found) == {("event-loop-closed-in-fixtures",)}
    with sqlite3.connect(index_path(config)) as db:
        assert integrity_problem(db) == ""
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    report, _ = _update(config)
    assert report.entries == 9
    assert not list(config.cache_dir.glob("index.db.tmp-*"))


def test_reader_never_sees_a_half_built_index(tmp_path: Path) -> None:
    """While one process rebuilds over and over, another keeps counting entries: always
    all of them (the rebuild is written aside and swapped in)."""
    config = copy_kb(tmp_path)
    _update(config)
    ctx = multiprocessing.get_context("fork")

    def rebuild_loop() -> None:
        for _ in range(8):
            with open_index(config, rebuild=True):
                pass

    writer = ctx.Process(target=rebuild_loop)
    writer.start()
    counts = set()
    while writer.is_alive():
        with open_index(config) as index:
            counts.add(index.conn.execute("SELECT count(*) FROM entries").fetchone()[0])
    writer.join()
    assert writer.exitcode == 0
    assert counts == {9}


def _aged(config: Config) -> None:
    """Every XML file dated 10 s back: none is racy, so an update stores the one-value
    stamps (kbtool.search.stamps.value) that queries compare."""
    for path in config.learnings_dir.rglob("*.xml"):
        info = path.stat()
        os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns - 10_000_000_000))


def test_the_one_value_check_sees_each_kind_of_change(tmp_path: Path) -> None:
    from kbtool.search import index as index_module

    config = copy_kb(tmp_path)
    deeper = config.learnings_dir / "sub" / "deeper"
    deeper.mkdir(parents=True)
    shutil.copy(config.learnings_dir / "api_http.xml", deeper / "z.xml")
    (config.learnings_dir / "folder.xml").mkdir()  # a folder named like a file: a folder
    _aged(config)
    _update(config)

    def stale() -> bool:
        with sqlite3.connect(index_path(config)) as conn:
            stored = conn.execute("SELECT value FROM meta WHERE key = 'stamps'").fetchone()
            assert stored is not None, "no racy file: the stamps are one value"
            return index_module._stale(conn, config)

    assert not stale()
    with sqlite3.connect(index_path(config)) as conn:  # what the update saved, the walk gives
        stored = conn.execute("SELECT value FROM meta WHERE key = 'stamps'").fetchone()[0]
    assert stored == stamps.value(stamps.scan(config))
    scanned = stamps.scan(config)
    assert [base for base, *_ in scanned] == ["learnings/", "learnings/sub/deeper/"]
    target = deeper / "z.xml"
    folder_mtime = deeper.stat().st_mtime_ns
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace("Cursor", "CURSOR", 1), encoding="utf-8")  # the same size
    _touch_later(target)
    os.utime(deeper, ns=(folder_mtime, folder_mtime))  # edited in place: no folder changed
    assert stale()
    _update(config)
    _aged(config)
    _update(config)
    assert not stale()
    (deeper / "new.xml").write_text("<x/>")
    assert stale()
    (deeper / "new.xml").unlink()
    assert not stale()
    (config.learnings_dir / "sub" / "gone.xml").symlink_to(tmp_path / "nowhere.xml")
    assert stale()


def _speculating(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every KB checked beside the read (not only one of 1,000 files or more); the list
    collects each check started in a child."""
    from kbtool import forked

    if not hasattr(os, "fork") or forked.cores() < 2:
        pytest.skip("no fork or a single core here")
    assert forked.can_fork(), "a thread another test left running"
    started: list[object] = []
    real = forked.Forked.start

    def start(work, keep=()):  # type: ignore[no-untyped-def]
        pending = real(work, keep)
        started.append(pending)
        return pending

    monkeypatch.setattr(stamps, "BESIDE_FROM_FILES", 0)
    monkeypatch.setattr(forked.Forked, "start", staticmethod(start))
    return started


def test_a_check_beside_the_read_sees_each_kind_of_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = _speculating(monkeypatch)
    config = copy_kb(tmp_path)
    aside = tmp_path / "aside.xml"
    shutil.move(config.learnings_dir / "database_migrations.xml", aside)
    _aged(config)
    _update(config)
    assert _ids(config, "cursor"), "the fixture has the word"
    assert len(started) == 1 and started[0] is not None, "the check ran in a child"

    target = config.learnings_dir / "api_http.xml"
    folder_mtime = target.parent.stat().st_mtime_ns
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace("Cursor", "Qzxwvu", 1), encoding="utf-8")  # same size
    _touch_later(target)
    os.utime(target.parent, ns=(folder_mtime, folder_mtime))  # edited in place
    assert _ids(config, "qzxwvu"), "the read of the old index was not the answer"
    assert len(started) == 2, "one check beside the read; the update's own check is here"

    _aged(config)
    _update(config)
    target.unlink()
    assert _ids(config, "qzxwvu") == []
    before = set(_ids(config, "migration", limit=50))
    shutil.move(aside, config.learnings_dir / "database_migrations.xml")
    after = set(_ids(config, "migration", limit=50))
    assert before < after


def test_a_check_that_fails_in_the_child_is_done_again_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = _speculating(monkeypatch)
    config = copy_kb(tmp_path)
    _aged(config)
    _update(config)
    parent = os.getpid()
    real_listed = stamps.listed

    def listed(config: Config, *args: object) -> list[stamps.Listed]:
        if os.getpid() != parent:  # the child lists first (its folders are racy): it fails
            raise OSError("the child cannot read the folder")
        return real_listed(config, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(stamps, "listed", listed)
    notices: list[str] = []
    assert _ids(config, "cursor", notice=notices.append)
    assert started and started[0] is not None
    assert notices == [], "a failed check is not a change: nothing was rebuilt"


def test_a_query_whose_folders_are_unchanged_lists_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An update stores the folders' stamps (kbtool.search.stamps.folders_value); a query
    then stats the files without listing a folder, and still sees a file added."""
    config = copy_kb(tmp_path)
    (config.learnings_dir / "sub").mkdir()
    _aged(config)
    aged_folders(config)
    _update(config, rebuild=True)
    with sqlite3.connect(index_path(config)) as conn:
        keys = {row[0] for row in conn.execute("SELECT key FROM meta")}
    assert {"stamps", "folders"} <= keys
    listings = count_listings(monkeypatch)
    assert _ids(config, "cursor")
    assert listings == [], "no folder listed"
    shutil.copy(FIXTURES / "kb" / "learnings" / "api_http.xml", config.learnings_dir / "sub")
    text = (config.learnings_dir / "sub" / "api_http.xml").read_text(encoding="utf-8")
    (config.learnings_dir / "sub" / "api_http.xml").write_text(
        re.sub(r'id="([^"]+)"', r'id="\1-copy"', text), encoding="utf-8"
    )
    found = _ids(config, "cursor", limit=50)
    assert listings, "a folder changed: listed"
    assert any(i.endswith("-copy") for i in found), "the added file is searched"


def test_an_older_index_gains_the_indexes_added_since(tmp_path: Path) -> None:
    config = copy_kb(tmp_path)
    _update(config)
    with sqlite3.connect(index_path(config)) as conn:
        conn.execute("DROP INDEX files_unreadable")
    _touch_later(config.learnings_dir / "api_http.xml")
    report, _ = _update(config)
    assert not report.rebuilt
    with sqlite3.connect(index_path(config)) as conn:
        plan = conn.execute(
            "EXPLAIN QUERY PLAN SELECT path, error FROM files WHERE error IS NOT NULL ORDER BY path"
        ).fetchall()
    assert "files_unreadable" in str(plan), plan


def test_an_explicit_update_lists_the_folders_whatever_their_stamps_say(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a file system that did not stamp a folder (here: every folder claims to be
    unchanged), ``kbtool index`` still finds a file added: only reads trust the stamps."""
    config = copy_kb(tmp_path)
    _aged(config)
    aged_folders(config)
    _update(config, rebuild=True)
    monkeypatch.setattr(stamps, "folders_unchanged", lambda *args: True)
    (config.learnings_dir / "sub").mkdir()
    text = (config.learnings_dir / "api_http.xml").read_text(encoding="utf-8")
    (config.learnings_dir / "sub" / "copy.xml").write_text(
        re.sub(r'id="([^"]+)"', r'id="\1-copy"', text), encoding="utf-8"
    )
    report, _ = _update(config)
    assert report.added == 1
    assert any(i.endswith("-copy") for i in _ids(config, "cursor", limit=50))


#: Statements that make a file look like kbtool's index (its application id and format)
#: around a schema no kbtool writes. The views hung any reader that queried them (a search,
#: shell completion); a trigger or a virtual ``meta`` is code or a module kbtool's index
#: never holds, refused before any query as well.
NEVER_ENDING = (
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT x FROM n ORDER BY x"
)
HOSTILE_SCHEMAS = {
    "meta is a view that never ends": [
        f"CREATE VIEW meta(key, value) AS SELECT 'owner', x FROM ({NEVER_ENDING})"
    ],
    "a trigger": [
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE t (a)",
        "CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN DELETE FROM meta; END",
    ],
    "meta is a virtual table": ["CREATE VIRTUAL TABLE meta USING fts5(key, value)"],
    # A generated column is computed each time a row is read: the one query made before the
    # owner token is checked (``SELECT value FROM meta``) ran it on every row, for minutes,
    # or built a string of gigabytes (an internal error under a 1 GiB address space).
    "meta has a generated column that takes seconds a row": [
        "CREATE TABLE meta (k TEXT, value TEXT)",
        "INSERT INTO meta SELECT x, 'v' FROM (WITH RECURSIVE n(x) AS "
        "(SELECT 1 UNION ALL SELECT x + 1 FROM n LIMIT 5000) SELECT x FROM n)",
        "ALTER TABLE meta ADD COLUMN key AS (substr(replace(replace(hex(zeroblob("
        "20000000 + length(k))), '0', '00'), '00', '0'), 1, 0) || k)",
    ],
    "meta has a generated column of gigabytes": [
        "CREATE TABLE meta (key TEXT, v TEXT, "
        "value AS (length(hex(zeroblob(400000000 + length(v)))) || v))",
        "INSERT INTO meta (key, v) VALUES ('owner', 'x')",
    ],
    "entries and files are views that never end": [
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "INSERT INTO meta VALUES ('owner', 'forged')",
        f"CREATE VIEW entries(id) AS SELECT 'x' || x FROM ({NEVER_ENDING})",
        f"CREATE VIEW files(path, error) AS SELECT 'p', 'e' || x FROM ({NEVER_ENDING})",
    ],
}


def _hostile_index(config: Config, statements: list[str]) -> None:
    config.cache_dir.mkdir(exist_ok=True)
    with sqlite3.connect(index_path(config)) as db:
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        for statement in statements:
            db.execute(statement)


@pytest.mark.parametrize("shape", sorted(HOSTILE_SCHEMAS))
def test_a_committed_index_with_a_hostile_schema_is_rebuilt_not_queried(
    tmp_path: Path, shape: str
) -> None:
    """An ``index.db`` that comes with a pull request is read through ``sqlite_schema``
    and its owner token only; before, a ``meta`` view that never ends hung every search.
    A child process with a deadline, so that a regression fails instead of hanging."""
    import resource
    import subprocess
    import sys

    config = copy_kb(tmp_path)
    _hostile_index(config, HOSTILE_SCHEMAS[shape])

    def limit() -> None:  # as CI's memory would: a string of gigabytes cannot be built
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    done = subprocess.run(
        [sys.executable, "-m", "kbtool", "search", "--root", str(config.root), "event loop"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1"},
        preexec_fn=limit,
    )
    assert done.returncode == 0, done.stderr
    assert "event-loop-closed-in-fixtures" in done.stdout
    assert "rebuilding it from the entries" in done.stderr
    with sqlite3.connect(index_path(config)) as db:  # the file is ours now
        kinds = {kind for (kind,) in db.execute("SELECT type FROM sqlite_schema")}
    assert kinds <= {"table", "index"}


def test_readers_that_never_build_skip_an_index_not_built_here(tmp_path: Path) -> None:
    """Shell completion and the unreadable files' notice open the index without building
    it: a committed one (views that never end behind a forged owner) gives them nothing."""
    import subprocess
    import sys

    config = copy_kb(tmp_path)
    _hostile_index(config, HOSTILE_SCHEMAS["entries and files are views that never end"])
    code = (
        "import sys, pathlib; from kbtool.completion import entry_ids;"
        "from kbtool.config import load_config;"
        "from kbtool.search.unreadable import unreadable_files;"
        "root = pathlib.Path(sys.argv[1]);"
        "print(entry_ids('', root), unreadable_files(load_config(root=root)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(config.root)], capture_output=True, text=True, timeout=60
    )
    assert done.stdout.split() == ["[]", "[]"], done.stderr
    search_entries(config, "event loop")  # now an index built here: both read it
    done = subprocess.run(
        [sys.executable, "-c", code, str(config.root)], capture_output=True, text=True, timeout=60
    )
    assert "event-loop-closed-in-fixtures" in done.stdout, done.stderr
