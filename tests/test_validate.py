"""The validation engine: example folders, caching, selection, plug-ins, hostile files.

``tests/examples/valid/<case>/`` must give no finding at all. Each
``tests/examples/invalid/<case>/`` has an ``expected.txt`` of ``path:line:col: CODE`` lines:
exactly the KB1xx-KB3xx findings of that case (KB4xx/KB5xx belong to other test files).
Regenerate them with ``KBTOOL_UPDATE_GOLDEN=1 pytest tests/test_validate.py`` and review
the diff.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers_text import UPDATE
from hypothesis import example, given
from hypothesis import strategies as st

from kbtool import codes
from kbtool.config import load_config
from kbtool.diagnostics import Severity
from kbtool.validate import FileContext, KbContext, ValidationResult, registry, validate

EXAMPLES = Path(__file__).resolve().parent / "examples"
TODAY = dt.date(2026, 6, 1)
MY_RANGES = ("KB1", "KB2", "KB3")


@pytest.fixture(autouse=True)
def _isolated_cache_secret(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg")))


def cases(kind: str) -> list[Path]:
    return sorted(p for p in (EXAMPLES / kind).iterdir() if p.is_dir())


def run(
    root: Path, monkeypatch: pytest.MonkeyPatch, *paths: Path, **kw: object
) -> ValidationResult:
    monkeypatch.chdir(root)
    kw.setdefault("use_cache", False)
    return validate(load_config(root=root), paths, today=TODAY, **kw)  # type: ignore[arg-type]


def lines(result: ValidationResult) -> list[str]:
    return [f"{d.path}:{d.line}:{d.col}: {d.code}" for d in result.diagnostics]


@pytest.mark.parametrize("case", cases("valid"), ids=lambda p: p.name)
def test_valid_example_has_no_findings(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(case, monkeypatch)
    assert [d.format() for d in result.diagnostics] == []
    assert result.files and result.entries > 0
    assert result.exit_code() == 0


@pytest.mark.parametrize("case", cases("invalid"), ids=lambda p: p.name)
def test_invalid_example_gives_expected_findings(
    case: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(case, monkeypatch)
    assert result.internal_errors == []
    got = [line for line in lines(result) if line.split(": ")[-1].startswith(MY_RANGES)]
    expected_file = case / "expected.txt"
    if UPDATE:
        expected_file.write_text("".join(f"{line}\n" for line in got), encoding="utf-8")
    expected = expected_file.read_text(encoding="utf-8").splitlines()
    assert got == expected
    assert result.exit_code() == (1 if result.errors else 0)


def test_examples_cover_every_kb1_to_kb3_code() -> None:
    seen = {
        line.rsplit(" ", 1)[-1]
        for case in cases("invalid")
        for line in (case / "expected.txt").read_text(encoding="utf-8").splitlines()
    }
    # KB100/KB104/KB106 need links and FIFOs (tests below); KB209 is the fallback for a
    # schema error with no better code, which the current XSD cannot produce.
    elsewhere = {"KB100", "KB104", "KB106", "KB209"}
    elsewhere |= {"KB325"}  # kbtool migrate's finding (tests/test_migrate_shapes.py)
    elsewhere |= {"KB107"}  # a tree 100 folders deep (tests/test_safexml.py, built at run time)
    mine = {c for c in codes.all_codes() if c.startswith(MY_RANGES)}
    assert mine - elsewhere <= seen, sorted(mine - elsewhere - seen)


def test_severity_comes_from_the_code_page(monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(EXAMPLES / "invalid" / "kb314_duplicates", monkeypatch)
    assert {d.severity for d in result.diagnostics} == {Severity.WARNING}
    assert result.exit_code() == 0
    assert result.exit_code(strict=True) == 1


# ------------------------------------------------------------------ files that fight back


def make_kb(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (tmp_path / "learnings").mkdir(exist_ok=True)
    return tmp_path


def category_file(category: str, *entries: tuple[str, str]) -> str:
    body = "".join(
        f'<learning id="{ident}"><title>{title}</title><date>2025-01-01</date>'
        f"<category>{category}</category><description>d</description>{extra}</learning>\n"
        for ident, title, extra in ((e[0], e[1], e[2] if len(e) > 2 else "") for e in entries)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<specification>\n<metadata>'
        f"<name>n</name><type>learnings</type><category>{category}</category></metadata>\n"
        f"<learnings>\n{body}</learnings>\n</specification>\n"
    )


def test_links_fifos_and_paths_outside_the_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "outside.xml"
    outside.write_text(category_file("Outside", ("secret", "s")))
    kb = make_kb(tmp_path / "kb", {"learnings/a_b.xml": category_file("A/B", ("ok", "fine"))})
    (kb / "learnings" / "leak.xml").symlink_to(outside)
    (kb / "learnings" / "dangling.xml").symlink_to(kb / "nowhere.xml")
    os.mkfifo(kb / "learnings" / "pipe.xml")
    (kb / "other").mkdir()
    (kb / "other" / "c_d.xml").write_text(category_file("C/D", ("linked", "t")))
    (kb / "learnings" / "c_d.xml").symlink_to(kb / "other" / "c_d.xml")  # inside: read
    (kb / "learnings" / "e_f.xml").write_bytes(b"<" * 2_000_000)  # over the 1 MB cap
    result = run(kb, monkeypatch)
    expected = [
        "learnings/dangling.xml:0:0: KB100",
        "learnings/e_f.xml:0:0: KB105",
        "learnings/leak.xml:0:0: KB104",
        "learnings/pipe.xml:0:0: KB106",
    ]
    assert lines(result) == expected and result.entries == 2
    assert "secret" not in " ".join(d.message for d in result.diagnostics)
    named = run(kb, monkeypatch, outside)
    assert [d.code for d in named.diagnostics] == ["KB104"]
    # Read by worker processes (which send back what they cannot read): the same findings.
    forks = _forced_workers(monkeypatch)
    parallel = run(kb, monkeypatch)
    assert forks and parallel.diagnostics == result.diagnostics and parallel.entries == 2


def test_a_broken_file_does_not_stop_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = make_kb(
        tmp_path,
        {
            "learnings/a.xml": "<specification><metadata>",
            "learnings/b_c.xml": category_file("B/C", ("x", "t", '<supersedes ref="nope"/>')),
        },
    )
    result = run(kb, monkeypatch)
    assert [d.code for d in result.diagnostics] == ["KB101", "KB305"]
    assert result.files == ["learnings/a.xml", "learnings/b_c.xml"]


# ------------------------------------------------------------------ selection


def test_named_paths_are_checked_against_the_whole_kb(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = make_kb(
        tmp_path,
        {
            "learnings/a_b.xml": category_file(
                "A/B", ("same", "one"), ("bad-a", "x", '<supersedes ref="gone"/>')
            ),
            "learnings/c_d.xml": category_file(
                "C/D", ("same", "two"), ("bad-c", "y", '<supersedes ref="gone"/>')
            ),
        },
    )
    result = run(kb, monkeypatch, kb / "learnings" / "c_d.xml")
    assert result.files == ["learnings/c_d.xml"]
    assert lines(result) == ["learnings/c_d.xml:5:1: KB303", "learnings/c_d.xml:6:125: KB305"]
    assert "also at learnings/a_b.xml:5" in result.diagnostics[0].message


def test_select_and_ignore_take_codes_and_prefixes(monkeypatch: pytest.MonkeyPatch) -> None:
    case = EXAMPLES / "invalid" / "kb302_ids"
    assert {d.code for d in run(case, monkeypatch, select=["KB305"]).diagnostics} == {"KB305"}
    assert {
        d.code for d in run(case, monkeypatch, select=["kb30"], ignore=["KB302"]).diagnostics
    } == {"KB305"}
    assert run(case, monkeypatch, ignore=["KB3"]).diagnostics == []
    with pytest.raises(ValueError, match="KB399"):
        run(case, monkeypatch, select=["KB399"])


# ------------------------------------------------------------------ cache


def test_cache_serves_unchanged_files_and_rechecks_changed_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = make_kb(
        tmp_path,
        {
            "learnings/a_b.xml": category_file("A/B", ("one", "t1")),
            "learnings/c_d.xml": category_file("C/D", ("two", "t2", '<supersedes ref="one"/>')),
        },
    )
    first = run(kb, monkeypatch, use_cache=True)
    assert first.cached_files == 0
    assert lines(first) == ["learnings/a_b.xml:5:1: KB311"]  # 'one' is superseded, still active
    assert (kb / ".kbtool" / ".gitignore").read_text().splitlines()[-1] == "*"

    second = run(kb, monkeypatch, use_cache=True)
    assert second.cached_files == 2 and lines(second) == lines(first)

    # changed file re-checked; KB-wide checks see the new facts together with the cached ones
    (kb / "learnings" / "a_b.xml").write_text(category_file("A/B", ("two", "t1")))
    third = run(kb, monkeypatch, use_cache=True)
    assert third.cached_files == 1
    assert lines(third) == [
        "learnings/a_b.xml:5:1: KB303",
        "learnings/c_d.xml:5:1: KB303",
        "learnings/c_d.xml:5:124: KB305",
    ]


@pytest.mark.parametrize("library", ["lxml", "regex"])
def test_cache_is_not_served_after_a_library_upgrade(
    library: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whether a file parses, and whether a detector's pattern compiles (KB506), are the
    libraries' answers: another lxml or ``regex`` must check every file again."""
    from lxml import etree

    from kbtool.validate import cache

    kb = make_kb(tmp_path, {"learnings/a_b.xml": category_file("A/B", ("one", "t1"))})
    run(kb, monkeypatch, use_cache=True)
    assert run(kb, monkeypatch, use_cache=True).cached_files == 1
    if library == "lxml":
        monkeypatch.setattr(etree, "LXML_VERSION", (*etree.LXML_VERSION[:-1], 99))
    else:
        module = tmp_path / "site" / "regex.py"
        module.parent.mkdir()
        module.write_text("# another version\n")
        monkeypatch.syspath_prepend(str(module.parent))
        monkeypatch.delitem(sys.modules, "regex", raising=False)  # find_spec looks here first
    stamp = cache._library_stamp()
    assert run(kb, monkeypatch, use_cache=True).cached_files == 0, stamp


def test_cache_deleted_file_is_not_served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kb = make_kb(
        tmp_path,
        {
            "learnings/a_b.xml": category_file("A/B", ("one", "t1")),
            "learnings/c_d.xml": category_file(
                "C/D", ("two", "t2", '<references><learning ref="one"/></references>')
            ),
        },
    )
    assert run(kb, monkeypatch, use_cache=True).diagnostics == []
    (kb / "learnings" / "a_b.xml").unlink()
    assert [d.code for d in run(kb, monkeypatch, use_cache=True).diagnostics] == ["KB305"]


@pytest.mark.parametrize("garbage", [b"", b"not a cache", b"\x00" * 64, os.urandom(4096)])
def test_corrupt_cache_is_ignored_and_rewritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, garbage: bytes
) -> None:
    kb = make_kb(tmp_path, {"learnings/a_b.xml": category_file("A/B", ("one", "t", "<bogus/>"))})
    expected = lines(run(kb, monkeypatch, use_cache=True))
    cache = kb / ".kbtool" / "validate.cache"
    cache.write_bytes(garbage)
    again = run(kb, monkeypatch, use_cache=True)
    assert lines(again) == expected and again.cached_files == 0
    assert run(kb, monkeypatch, use_cache=True).cached_files == 1


def test_cache_from_elsewhere_cannot_hide_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache that arrives with the KB (signed with another secret) is not trusted."""
    good = category_file("A/B", ("one", "t"))
    bad = category_file("A/B", ("one", "t", "<bogus/>"))
    kb = make_kb(tmp_path / "kb", {"learnings/a_b.xml": good})
    run(kb, monkeypatch, use_cache=True)
    forged = (kb / ".kbtool" / "validate.cache").read_bytes()
    (kb / "learnings" / "a_b.xml").write_text(bad)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "other-machine"))
    run(kb, monkeypatch, use_cache=True)  # cache now holds the bad file, signed by other-machine
    (kb / "learnings" / "a_b.xml").write_text(good)
    (kb / ".kbtool" / "validate.cache").write_bytes(forged)
    (kb / "learnings" / "a_b.xml").write_text(bad)
    assert [d.code for d in run(kb, monkeypatch, use_cache=True).diagnostics] == ["KB201"]


def test_no_cache_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kb = make_kb(tmp_path, {"learnings/a_b.xml": category_file("A/B", ("one", "t"))})
    run(kb, monkeypatch, use_cache=False)
    assert not (kb / ".kbtool").exists()


# ------------------------------------------------------------------ plug-ins


@pytest.fixture
def plugin() -> Iterator[list[str]]:
    calls: list[str] = []

    def per_file(ctx: FileContext) -> None:
        calls.append(ctx.rel)
        for entry in ctx.root.iterfind("learnings/learning"):
            if entry.get("id") == "crash":
                raise RuntimeError("boom")
            ctx.report(entry, "KB314", "from a plug-in", attr="id")
        ctx.facts["test-plugin"] = {
            "ids": [e.get("id") for e in ctx.root.iterfind("learnings/learning")]
        }

    def kb_wide(kb: KbContext) -> None:
        ids = [i for f in kb.files for i in f.facts.get("test-plugin", {}).get("ids", [])]
        kb.report("learnings/a_b.xml", 1, 1, "KB317", f"seen {sorted(ids)}")

    registry.file_check(per_file)
    registry.kb_check(kb_wide)
    try:
        yield calls
    finally:
        registry.FILE_CHECKS.remove(per_file)
        registry.KB_CHECKS.remove(kb_wide)


def test_plugins_run_per_file_and_kb_wide_from_cached_facts(
    plugin: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = make_kb(
        tmp_path,
        {
            "learnings/a_b.xml": category_file("A/B", ("one", "t1")),
            "learnings/c_d.xml": category_file("C/D", ("two", "t2")),
        },
    )
    first = run(kb, monkeypatch, use_cache=True)
    assert [d.format() for d in first.diagnostics] == [
        "learnings/a_b.xml:1:1: KB317 seen ['one', 'two']",
        "learnings/a_b.xml:5:11: KB314 from a plug-in",
        "learnings/c_d.xml:5:11: KB314 from a plug-in",
    ]
    assert sorted(plugin) == ["learnings/a_b.xml", "learnings/c_d.xml"]
    second = run(kb, monkeypatch, use_cache=True)
    assert second.diagnostics == first.diagnostics and sorted(plugin) == sorted(plugin[:2])


def test_a_crashing_check_is_an_internal_error_not_a_stop(
    plugin: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = make_kb(
        tmp_path,
        {
            "learnings/a_b.xml": category_file("A/B", ("crash", "t1")),
            "learnings/c_d.xml": category_file("C/D", ("two", "t2", '<supersedes ref="gone"/>')),
        },
    )
    result = run(kb, monkeypatch)
    assert len(result.internal_errors) == 1 and "RuntimeError: boom" in result.internal_errors[0]
    assert "KB305" in {d.code for d in result.diagnostics}
    assert result.exit_code() == 3


def test_importing_the_validate_package_stays_light() -> None:
    import subprocess
    import sys

    code = (
        "import sys, kbtool.validate, kbtool.codes, kbtool.reporters; "
        "print(sorted(m for m in ('lxml', 'pydantic', 'jinja2', 'rich', 'typer') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_example_folders_are_not_written_to(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    case = tmp_path / "copy"
    shutil.copytree(EXAMPLES / "valid" / "full_featured", case)
    run(case, monkeypatch, use_cache=True)
    assert (case / ".kbtool").is_dir()
    assert not any((EXAMPLES / "valid").glob("*/.kbtool/validate.cache"))


def test_unchanged_old_files_are_not_even_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file whose inode, size, mtime and ctime match the cache is served without reading it;
    an edit that keeps the size and puts the old mtime back still changes the ctime."""
    import kbtool.validate.engine as engine

    kb = make_kb(tmp_path, {"learnings/a_b.xml": category_file("A/B", ("one", "title-1"))})
    path = kb / "learnings" / "a_b.xml"
    old = (1_600_000_000, 1_600_000_000)
    os.utime(path, old)
    run(kb, monkeypatch, use_cache=True)
    reads: list[Path] = []
    real_read = engine.read_capped

    def counting_read(p: Path, root: Path, limit: int, **kw: Path | None) -> bytes | object:
        reads.append(p)
        return real_read(p, root, limit, **kw)

    monkeypatch.setattr(engine, "read_capped", counting_read)
    assert run(kb, monkeypatch, use_cache=True).diagnostics == [] and reads == []

    size = path.stat().st_size
    path.write_text(category_file("A/B", ("ONE", "title-1")))  # same size, now an invalid id
    os.utime(path, old)
    assert path.stat().st_size == size
    assert [d.code for d in run(kb, monkeypatch, use_cache=True).diagnostics] == ["KB302"]
    assert reads == [path]


_PARENT = os.getpid()


def _forced_workers(monkeypatch: pytest.MonkeyPatch, workers: int = 2) -> list[int]:
    """Worker processes however small the KB; the pids of the children forked."""
    import kbtool.validate.engine as engine

    monkeypatch.setattr(engine, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setattr(engine, "_workers", lambda: workers)
    forks: list[int] = []
    real_fork = os.fork

    def counting_fork() -> int:
        pid = real_fork()
        if pid:
            forks.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", counting_fork)
    return forks


def test_worker_processes_give_the_same_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kbtool.validate.engine as engine

    files = {
        f"learnings/c{n}_d.xml": category_file(
            f"C{n}/D", (f"e{n}", f"t{n}", "<bogus/>"), ("same", "x")
        )
        for n in range(6)
    }
    kb = make_kb(tmp_path, files)
    sequential = lines(run(kb, monkeypatch))
    forks = _forced_workers(monkeypatch)
    assert lines(run(kb, monkeypatch)) == sequential
    assert len(forks) == 1
    assert len(sequential) == 6 + 6 + 5  # KB201 and KB303 in each file, KB317 in 5 of the 6
    monkeypatch.setattr(engine, "_TOKENS", 2)  # the queue holds batches of 3 files
    assert lines(run(kb, monkeypatch)) == sequential
    monkeypatch.setattr(engine, "_workers", lambda: 3)  # two children share the queue
    assert lines(run(kb, monkeypatch)) == sequential
    assert len(forks) == 4

    real_check = engine._check_item

    def dies_in_a_child(item: object, config: object) -> object:
        if os.getpid() != _PARENT:
            os._exit(9)
        return real_check(item, config)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "_check_item", dies_in_a_child)  # the child dies: finish here
    assert lines(run(kb, monkeypatch)) == sequential


_OPS = st.sampled_from(["==", "!=", "<=", ">=", "<", ">", "~=", "===", "=", "=>"])
_VERSION = st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3}){0,3}(\.\*|a1|rc2|\.post1)?", fullmatch=True)
_SPEC = st.builds(lambda op, sp, v: f"{op}{sp}{v}", _OPS, st.sampled_from(["", " "]), _VERSION)
_CHUNK = st.builds(
    lambda name, specs: name + ",".join(specs),
    st.sampled_from(["", "fastapi", "pydantic-core", "Zope.Interface", "a_b ", "-bad", "x[y]"]),
    st.lists(_SPEC, min_size=0, max_size=3),
)


@given(_CHUNK)
@example("!=0,<=0")  # 0.dev0: below 0 and not 0 (found by a random run)
def test_the_plain_versions_fast_path_agrees_with_packaging(chunk: str) -> None:
    """What the regex accepts without packaging, packaging accepts too, and the range
    check of plain releases agrees with the one that tries versions through packaging."""
    from packaging.specifiers import SpecifierSet

    from kbtool import versionspec

    for _name, spec in versionspec.split(chunk):
        if spec and versionspec._PLAIN.fullmatch(spec):
            specset = SpecifierSet(spec)  # raises if the fast path let a bad one through
            if "," in spec:
                assert versionspec._plain_satisfiable(spec) == versionspec.satisfiable(specset)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("fastapi<0.123.10", True),
        ("fastapi>=0.100,<0.123.10, pydantic>=2", True),
        ("~=1.4.2", True),
        ("~=1", False),
        ("==1.*", True),
        ("fastapi===weird", True),
        ("fastapi", False),
        ("fastapi<1, FastAPI>2", False),
        ("<1, >2", False),  # never matches (KB328)
        (">2, <3", True),
        ("fastapi<1,", False),
    ],
)
def test_versions_values(value: str, ok: bool) -> None:
    from kbtool.versionspec import versions_problem

    assert (versions_problem(value) is None) is ok, versions_problem(value)


class _Reports:
    """Stands in for a FileContext: records the codes reported."""

    def __init__(self) -> None:
        self.codes: list[str] = []

    def report(self, where: object, code: str, message: str, **kw: object) -> None:
        self.codes.append(code)


_DATE_TEXT = st.one_of(
    st.dates().map(str),
    st.from_regex(r"[ \t\n]?[0-9]{4}-[0-9]{2}-[0-9]{2}[ \t\n]?", fullmatch=True),
    st.text(alphabet="0123456789- Tx", max_size=12),
)


@given(_DATE_TEXT)
def test_a_date_is_judged_the_same_when_seen_again(text: str) -> None:
    """Valid dates are remembered (a KB holds few distinct ones): the second look must agree
    with the first and with the rule itself."""
    from lxml import etree

    from kbtool.validate import semantics

    el = etree.fromstring(f"<date>{text}</date>")
    first, second = _Reports(), _Reports()
    seen = semantics._date(first, el), semantics._date(second, el)  # type: ignore[arg-type]
    stripped = text.strip()
    try:
        valid = bool(semantics.DATE_RE.fullmatch(stripped)) and bool(
            dt.date.fromisoformat(stripped)
        )
    except ValueError:
        valid = False
    assert seen == ((stripped, stripped) if valid else (None, None))
    assert first.codes == second.codes == ([] if valid else ["KB301"])


def test_the_run_leaves_its_objects_out_of_the_young_generation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a run made with the collector off must not all land in the first young
    collection after it; objects the process froze itself stay frozen."""
    import gc

    files = {
        f"learnings/c{n}_d.xml": category_file(
            f"C{n}/D", *((f"e{n}-{i}", f"t{n} {i}") for i in range(40))
        )
        for n in range(5)
    }
    kb = make_kb(tmp_path, files)
    gc.collect()
    startup = gc.get_freeze_count()  # CPython 3.12 starts with objects of its own frozen
    result = run(kb, monkeypatch)
    assert result.entries == 200 and gc.isenabled()
    young = len(gc.get_objects(generation=0))
    if startup == 0:
        assert young < 500, young  # 200 entries' facts alone are more than 1,000 objects
    else:  # aging would thaw the interpreter's frozen objects: not done
        assert young > 1000 and gc.get_freeze_count() == startup, young

    held = [[n] for n in range(100)]
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        run(kb, monkeypatch)
        assert gc.get_freeze_count() == frozen and gc.isenabled()
    finally:
        gc.unfreeze()
    del held
