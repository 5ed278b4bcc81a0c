"""One test per hole of issue 10 (each failed on the code before the fix); the whole attack
is tests/hostile/test_hostile_suite.py. docs/security.md maps each defence to its test."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import hostile_repo as h
import pytest

from kbtool.config import MAX_FILE_BYTES_CEILING, load_config
from kbtool.errors import ConfigError
from kbtool.reports.parser import MAX_FIELD_CHARS, parse_report


def small_world(tmp_path: Path, *, plant: bool = True, toml: str = "") -> h.World:
    world = h.World(
        tmp_path, tmp_path / "repo", tmp_path / "outside", tmp_path / "markers", tmp_path / "home"
    )
    for folder in (world.repo, world.outside, world.markers, world.home):
        folder.mkdir(parents=True)
    (world.repo / "kbtool.toml").write_text("[tool.kbtool]\n" + toml)
    learnings = world.repo / "learnings"
    learnings.mkdir()
    (learnings / "security_hostile.xml").write_text(
        h.category_file(
            h.entry("pool-exhausted"), h.entry("retry-storm", "Retry storm after deploy")
        )
    )
    (world.outside / "keep.txt").write_text(h.SECRET)
    if plant:
        h._plant(world.repo, world.markers)
    return world


def old(path: Path) -> None:
    """Make a file look written long ago (no racy-timestamp re-reads)."""
    os.utime(path, (time.time() - 86400, time.time() - 86400))


# ------------------------------------------------------------------ 1. code execution


def test_render_child_does_not_import_from_the_kb(tmp_path: Path) -> None:
    world = small_world(tmp_path, toml='templates = "templates"\n')
    (world.repo / "templates").mkdir()
    (world.repo / "templates" / "remediation-plan.md.j2").write_text(
        '{% extends "default:remediation-plan.md.j2" %}\n'
    )
    result = h.run(["plan", "pool-exhausted"], world)
    assert result.code == 0, result.err
    assert "# Remediation plan" in result.out
    assert world.planted_ran() == []


@pytest.mark.parametrize("args", [["plan", "pool-exhausted"], ["validate"], ["search", "pool"]])
def test_python_m_kbtool_from_a_hostile_folder(tmp_path: Path, args: list[str]) -> None:
    """``python -m kbtool`` puts the working folder first on sys.path: planted copies of
    kbtool's dependencies there must not be imported (a planted ``kbtool/`` itself cannot be
    guarded against by kbtool: docs/security.md says to run the console script)."""
    world = small_world(tmp_path, plant=False)
    h._plant(world.repo, world.markers)
    shutil.rmtree(world.repo / "kbtool")
    env = h.run_env(world)
    env.pop("PYTHONSAFEPATH", None)
    result = h.run(args, world, env=env, command=[sys.executable, "-m", "kbtool"])
    assert result.code == 0, result.err
    assert world.planted_ran() == []


# ------------------------------------------------------------------ 2. forged caches


def test_unsigned_links_cache_is_not_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Covered end to end by the suite; here the library: an unsigned copy is ignored."""
    import json

    from kbtool.reports import links

    world = small_world(tmp_path, plant=False)
    config = load_config(root=world.repo)
    config.cache_dir.mkdir()
    (config.cache_dir / "links-reports.json").write_text(
        json.dumps({"version": links._cache_key(), "reports": {"ab" * 32: {"title": "x"}}})
    )
    monkeypatch.setenv("XDG_CACHE_HOME", str(world.home))
    assert links.ReportCache(config).data == {}


def test_committed_index_is_not_trusted(tmp_path: Path) -> None:
    world = small_world(tmp_path, plant=False)
    for path in (world.repo / "learnings").iterdir():
        old(path)
    (world.repo / ".kbtool").mkdir()
    h.forge_index(world, h.run_env(world))
    result = h.run(["search", "zanzibar"], world)
    assert "forged-entry" not in result.out
    assert "no entries match" in result.err
    assert "not built here" in result.err


# ------------------------------------------------------------------ 3. YAML


def test_yaml_aliases_refused_and_fields_capped() -> None:
    report = parse_report(h.ALIAS_BOMB + "# Title\n", "bomb.md")
    assert [(d.code, d.line) for d in report.errors] == [("KB406", 2)]
    assert "anchors or aliases" in report.errors[0].message
    long = parse_report(
        f"---\ntitle: {'x' * 40_000}\ntags: [{', '.join(['t'] * 5000)}]\n---\n", "r.md"
    )
    assert len(long.front_matter["title"]) == MAX_FIELD_CHARS
    assert len(long.front_matter["tags"]) == 256


# ------------------------------------------------------------------ 5. caps


def test_repository_config_cannot_lift_the_size_ceiling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = small_world(tmp_path, plant=False, toml="max-file-bytes = 104857600\n")
    monkeypatch.delenv("KBTOOL_MAX_FILE_BYTES", raising=False)
    assert load_config(root=world.repo).max_file_bytes == MAX_FILE_BYTES_CEILING
    monkeypatch.setenv("KBTOOL_MAX_FILE_BYTES", str(200 << 20))
    assert load_config(root=world.repo).max_file_bytes == 104857600
    monkeypatch.setenv("KBTOOL_MAX_FILE_BYTES", "lots")
    with pytest.raises(ConfigError, match="KBTOOL_MAX_FILE_BYTES"):
        load_config(root=world.repo)


def test_snippet_of_a_huge_entry_is_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kbtool.search.fulltext import SNIPPET_MAX_CHARS, search

    world = small_world(tmp_path, plant=False)
    words = " connection pool" * (SNIPPET_MAX_CHARS // 8)
    (world.repo / "learnings" / "big.xml").write_text(
        h.category_file(h.entry("big-entry", "Big", words, "Big/Entry"), category="Big/Entry")
    )
    monkeypatch.setenv("XDG_CACHE_HOME", str(world.home))
    hits = {hit.id: hit for hit in search(load_config(root=world.repo), "connection pool").hits}
    assert hits["big-entry"].snippet.startswith("What big-entry teaches")
    assert hits["big-entry"].highlights == ()  # not FTS5's snippet(): its cost is quadratic
    assert hits["pool-exhausted"].highlights  # small entries keep theirs


def test_config_file_linked_out_is_refused(tmp_path: Path) -> None:
    world = small_world(tmp_path, plant=False)
    config = world.repo / "kbtool.toml"
    config.unlink()
    config.symlink_to(world.outside / "keep.txt")
    result = h.run(["validate"], world, timeout=30)
    assert result.code == 3, result.err
    assert "kbtool.toml: refused" in result.err
    assert h.SECRET not in result.both


def test_endless_config_file_is_not_read(tmp_path: Path) -> None:
    world = small_world(tmp_path, plant=False)
    config = world.repo / "kbtool.toml"
    config.unlink()
    config.symlink_to("/dev/zero")  # not a regular file: not a config file at all
    assert h.run(["validate"], world, timeout=30).code == 0
    (world.repo / "pyproject.toml").write_text("[tool.kbtool]\n" + "# padding\n" * 200_000)
    config.unlink()
    result = h.run(["validate"], world, timeout=30)
    assert result.code == 3 and "over 1 MiB" in result.err, result.err


# ------------------------------------------------------------------ 6. the cache folder


@pytest.mark.parametrize("cache", [".git", ".git/kbtool", "learnings/../.hg", "."])
def test_cache_folder_is_never_a_vcs_folder(tmp_path: Path, cache: str) -> None:
    world = small_world(tmp_path, plant=False, toml=f'cache = "{cache}"\n')
    subprocess.run(["git", "init", "-q", str(world.repo)], check=True)
    before = sorted(p.name for p in (world.repo / ".git").rglob("*"))
    for args in (["search", "pool"], ["validate"], ["index"]):
        result = h.run(args, world)
        assert result.code == 3, (args, result.out, result.err)
        assert "cache" in result.err
    assert sorted(p.name for p in (world.repo / ".git").rglob("*")) == before
    assert not (world.repo / ".git" / "index.lock").exists()


def test_linked_cache_folder_is_not_used(tmp_path: Path) -> None:
    world = small_world(tmp_path, plant=False)
    target = world.outside / "cache"
    target.mkdir()
    (world.repo / ".kbtool").symlink_to(target)
    broken = h.category_file(h.entry("Bad-Id"))
    (world.repo / "learnings" / "broken.xml").write_text(broken)
    search = h.run(["search", "retry"], world)
    assert search.code == 0 and "retry-storm" in search.out, search.err
    assert "temporary search index" in search.err
    validate = h.run(["validate"], world)
    assert validate.code == 1 and "KB302" in validate.out
    assert list(target.iterdir()) == []


def test_links_inside_the_cache_folder_are_not_followed(tmp_path: Path) -> None:
    world = small_world(tmp_path, plant=False)
    cache = world.repo / ".kbtool"
    cache.mkdir()
    (world.outside / "other-kb").mkdir()
    other_index = world.outside / "other-kb" / "index.db"
    other_index.write_bytes(b"another KB's index")
    (cache / ".gitignore").symlink_to(world.outside / "ignore")
    (cache / "index.lock").symlink_to(world.outside / "lock")
    (cache / "index.db").symlink_to(other_index)
    (cache / "validate.cache").symlink_to(world.outside / "keep.txt")
    os.mkfifo(cache / "links-reports.json")
    before = world.snapshot_outside()
    for args in (["search", "pool"], ["validate"], ["links"], ["index", "--full"]):
        result = h.run(args, world, timeout=30)
        assert result.code == 0, (args, result.err)
    assert world.snapshot_outside() == before
    assert not (world.outside / "ignore").exists() and not (world.outside / "lock").exists()
    assert other_index.read_bytes() == b"another KB's index"


def test_cache_files_that_are_folders(tmp_path: Path) -> None:
    world = small_world(tmp_path, plant=False)
    cache = world.repo / ".kbtool"
    for name in (
        "index.lock",
        "index.db-shm",
        "validate.cache",
        "links-reports.json",
        ".gitignore",
    ):
        (cache / name).mkdir(parents=True)
    for args in (["search", "retry"], ["validate"], ["links"]):
        result = h.run(args, world, timeout=30)
        assert result.code == 0, (args, result.err)
    assert "retry-storm" in h.run(["search", "retry"], world).out


# ------------------------------------------------------------------ 7. robustness


def _built(tmp_path: Path) -> h.World:
    world = small_world(tmp_path, plant=False)
    for path in (world.repo / "learnings").iterdir():
        old(path)
    assert h.run(["index"], world).code == 0
    return world


def test_zeroed_index_pages_are_rebuilt(tmp_path: Path) -> None:
    world = _built(tmp_path)
    db = world.repo / ".kbtool" / "index.db"
    data = bytearray(db.read_bytes())
    page = int.from_bytes(data[16:18], "big") or 65536
    data[page:] = bytes(len(data) - page)  # every page but the header's
    db.write_bytes(bytes(data))
    result = h.run(["search", "retry"], world)
    assert result.code == 0, result.err
    assert "retry-storm" in result.out
    assert "rebuilding" in result.err


def test_index_that_is_a_folder_is_replaced(tmp_path: Path) -> None:
    world = small_world(tmp_path, plant=False)
    (world.repo / ".kbtool" / "index.db").mkdir(parents=True)
    result = h.run(["search", "retry"], world)
    assert result.code == 0, result.err
    assert "retry-storm" in result.out


def _read_only(world: h.World) -> list[str]:
    """A command prefix that runs kbtool with the repository mounted read-only."""
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare(1) for a read-only mount")
    unshare = ["unshare", "-m"] if os.geteuid() == 0 else ["unshare", "-rm"]
    script = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'
    probe = subprocess.run(
        [*unshare, "sh", "-c", script, str(world.repo), "true"], capture_output=True
    )
    if probe.returncode != 0:
        pytest.skip(f"cannot mount read-only here: {probe.stderr.decode()[:200]}")
    return [*unshare, "sh", "-c", script, str(world.repo), h.kbtool_command()]


def test_read_only_kb_is_searchable(tmp_path: Path) -> None:
    world = _built(tmp_path)
    readonly = _read_only(world)
    fresh = h.run(["search", "retry"], world, command=readonly)
    assert fresh.code == 0 and "retry-storm" in fresh.out, fresh.err
    assert fresh.err == ""
    entries = world.repo / "learnings" / "security_hostile.xml"
    entries.write_text(entries.read_text().replace("Retry storm", "Retry flood"))
    stale = h.run(["search", "retry"], world, command=readonly)
    assert stale.code == 0 and "retry-storm" in stale.out, stale.err
    assert "read-only: searching what it has" in stale.err
    shutil.rmtree(world.repo / ".kbtool")
    (world.repo / ".kbtool").mkdir()
    missing = h.run(["search", "flood"], world, command=readonly)
    assert missing.code == 0 and "retry-storm" in missing.out, missing.err
    assert not (world.repo / ".kbtool" / "index.db").exists()


def test_two_rebuilds_give_the_same_index_bytes(tmp_path: Path) -> None:
    world = _built(tmp_path)
    db = world.repo / ".kbtool" / "index.db"
    digests = []
    for _ in range(2):
        assert h.run(["index", "--full"], world).code == 0
        digests.append(db.read_bytes())
    assert digests[0] == digests[1]


def test_match_does_not_echo_a_long_line(tmp_path: Path) -> None:
    world = small_world(tmp_path, plant=False)
    result = h.run(["match", "-"], world, stdin=b"E" * (20 << 20))  # one 20 MB line
    assert result.code == 1  # nothing matches: exit 1, as documented
    assert len(result.both) < 2000, len(result.both)


def test_fmt_removes_its_own_stale_temp_files(tmp_path: Path) -> None:
    world = small_world(tmp_path, plant=False)
    learnings = world.repo / "learnings"
    stale = learnings / ".security_hostile.xml.k3j_9x0a.tmp"
    fresh = learnings / ".security_hostile.xml.zz9_1b2c.tmp"
    foreign = learnings / ".notes.txt.k3j_9x0a.tmp"
    for path in (stale, fresh, foreign):
        path.write_text("half-written")
    old(stale)
    old(foreign)
    assert h.run(["fmt", "--check"], world).code in (0, 1)
    assert stale.exists()  # --check writes (and removes) nothing
    assert h.run(["fmt"], world).code == 0
    assert not stale.exists()
    assert fresh.exists() and foreign.exists()  # maybe another run's; not fmt's file


def test_reserved_ids_are_never_minted() -> None:
    from kbtool.kbwrite import make_id
    from kbtool.model import ID_RE

    for title in ("CON", "nul", "Com1", "lpt9"):
        minted = make_id(title, ())
        assert ID_RE.match(minted), minted
        assert minted.endswith("-entry")
    assert not ID_RE.match("con") and not ID_RE.match("aux") and ID_RE.match("console")


# ------------------------------------------------------------------ python-ast rules

#: A python-ast detector as a pull request's entry may carry one: ``MATCH`` is its rule, and
#: ``BAD`` an example it must flag.
AST_DETECTOR = """
      <detectors>
        <detector kind="python-ast">
          <message>rule under test</message>
          <match>{match}</match>
          <example kind="bad">{bad}</example>
          <example kind="good">x = 1</example>
        </detector>
      </detectors>"""


def ast_world(tmp_path: Path, match: str, bad: str, code: dict[str, str]) -> h.World:
    """A repository whose one entry has a python-ast detector, and code under ``app/``."""
    world = small_world(tmp_path, plant=False)
    detector = AST_DETECTOR.format(match=match, bad=bad)
    entry = h.entry("rule-under-test").replace("    </learning>", detector + "\n    </learning>")
    (world.repo / "learnings" / "security_hostile.xml").write_text(h.category_file(entry))
    for rel, text in code.items():
        (world.repo / "app" / rel).parent.mkdir(parents=True, exist_ok=True)
        (world.repo / "app" / rel).write_text(text)
    return world


def fanned_out_classes(levels: int, fan: int) -> str:
    """Classes ``C0`` … whose each level names every class of the next ``fan`` times; the
    last derives from pydantic's BaseModel, so every class has it as a base."""
    lines = ["from pydantic import BaseModel"]
    for level in range(levels):
        lines.append(f"class C{level}({', '.join([f'C{level + 1}'] * fan)}):\n    pass")
    lines.append(f"class C{levels}(BaseModel):\n    pass")
    return "\n".join(lines) + "\n"


def test_classes_that_fan_out_cannot_hold_the_scan(tmp_path: Path) -> None:
    """``<class base=…>`` (the bundled KB's pydantic detectors use it) followed every path
    of bases: a 2 KB file of 15 classes, each naming the next 50 times, held ``kbtool scan``
    for good (50^12 paths). Each class is now looked at once."""
    world = ast_world(
        tmp_path,
        '<class base="pydantic.BaseModel"/>',
        "from pydantic import BaseModel\nclass A(BaseModel):\n    pass",
        {"models.py": fanned_out_classes(14, 50)},
    )
    run = h.run(["scan", "app", "--format", "json"], world, timeout=30)
    assert run.code == 1, run.both
    found = {f["line"] for f in json.loads(run.out)["findings"]}
    assert len(found) == 15  # every class, C0 through 14 levels of bases


#: ``<contains>`` three deep around a constant no module has: every node's descendants'
#: descendants' descendants are walked, n^4 on a chain ``a + a + …`` of n terms.
NESTED_CONTAINS = (
    '<contains><contains><contains><constant value="nowhere"/></contains></contains></contains>'
)
LONG_SUM = "y = " + " + ".join(["a"] * 2000) + "\n"


def test_a_rule_that_walks_too_many_nodes_ends_the_scan_in_failure_not_a_hang(
    tmp_path: Path,
) -> None:
    """A pull request's entry whose rule nests ``<contains>``, and a file of one sum of 2,000
    terms: the scan hung (python-ast rules had no time limit). Now the rule stops at the
    regex detectors' limit, KB514 is reported at the file and the scan fails."""
    world = ast_world(tmp_path, NESTED_CONTAINS, "x = 1", {"sum.py": LONG_SUM})
    run = h.run(["scan", "app", "--format", "json"], world, timeout=30)
    assert run.code == 1, run.both
    [problem] = json.loads(run.out)["problems"]
    assert (problem["path"], problem["code"], problem["severity"]) == (
        "app/sum.py",
        "KB514",
        "error",
    )
    assert run.seconds < 20


def test_a_rule_that_walks_too_many_nodes_on_its_own_example_is_kb506(tmp_path: Path) -> None:
    """The same rule with the long sum as its own bad example hung ``kbtool validate``."""
    world = ast_world(tmp_path, NESTED_CONTAINS, LONG_SUM.strip(), {})
    run = h.run(["validate", "--no-cache"], world, timeout=30)
    assert run.code == 1, run.both
    assert "KB506 detector 1 of 'rule-under-test' stopped at its time limit" in run.out
    assert run.seconds < 20


def test_a_module_python_compiles_is_not_too_deep_for_the_scan(tmp_path: Path) -> None:
    """``ast.parse`` counts its recursion from its caller's depth: a module that CPython
    compiles and runs from the top (one sum of 2,990 terms) did not parse some frames down
    in kbtool, and the scan skipped it with a warning, exit 0: a pull request could hide
    any call behind such a line."""
    code = "import os\ny = " + " + ".join(["1"] * 2990) + "\nos.system('x')\n"
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert ran.returncode == 0, ran.stderr  # CPython compiles and runs it
    world = ast_world(
        tmp_path,
        '<call callee="os.system"/>',
        "import os\nos.system('x')",
        {"deep.py": code},
    )
    run = h.run(["scan", "app", "--format", "json"], world, timeout=30)
    assert run.code == 1, run.both
    report = json.loads(run.out)
    assert [f["line"] for f in report["findings"]] == [3]
    assert report["problems"] == []


# ------------------------------------------------------------------ the cache-signing secret


def test_a_secret_the_repository_can_commit_signs_nothing(tmp_path: Path) -> None:
    """A CI job that keeps its caches in the workspace (``XDG_CACHE_HOME=$PWD/.cache``, as a
    cache step may want) reads the signing secret from the checkout, where the pull request
    can commit one: an index it built with that secret, carrying an entry no file has, was
    trusted. A secret inside the knowledge base root, a link, or a short one signs nothing."""
    world = small_world(tmp_path, plant=False)
    key = b"k" * 32
    attacker = tmp_path / "attacker-home"
    for home in (world.repo / ".cache", attacker):
        (home / "kbtool").mkdir(parents=True)
        (home / "kbtool" / "cache-secret").write_bytes(key)
    env = h.run_env(world)
    built = h.run(["index"], world, env=dict(env, XDG_CACHE_HOME=str(attacker)))
    assert built.code == 0, built.both
    import sqlite3

    with sqlite3.connect(world.repo / ".kbtool" / "index.db") as db:
        db.execute(
            "INSERT INTO entries (rowid, id, path, line, title, category, status, date, tags) "
            "VALUES (9999999, 'forged-entry', 'learnings/security_hostile.xml', 1, "
            "'Forged zanzibar entry', 'Security/Hostile', 'active', '2025-06-01', '')"
        )
        db.execute(
            "INSERT INTO entries_fts (rowid, title, symptoms, tags, category) "
            "VALUES (9999999, 'Forged zanzibar entry', '', '', '')"
        )
    run = h.run(
        ["search", "zanzibar"], world, env=dict(env, XDG_CACHE_HOME=str(world.repo / ".cache"))
    )
    assert "forged-entry" not in run.out, run.both
    assert run.code == 0 and "no entries match" in run.both
