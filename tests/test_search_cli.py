"""``kbtool search/match/list/show/stats/index``: golden transcripts, exit codes, the fast
path (same behaviour as typer, lean imports).

Goldens live in tests/golden/search/; regenerate with ``KBTOOL_UPDATE_GOLDEN=1 pytest …``.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest
from helpers_text import check_golden
from search_kb import FIXTURES, copy_kb

from kbtool.config import Config

GOLDEN = Path(__file__).resolve().parent / "golden" / "search"
OLD_FASTAPI = "AttributeError: '_AsyncGeneratorContextManager' object has no attribute 'execute'"
NEW_FASTAPI = "TypeError: '_AsyncGeneratorContextManager' object is not an async iterator"


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Config:
    config = copy_kb(tmp_path_factory.mktemp("cli"))
    from kbtool.search.index import open_index

    with open_index(config):  # built once, so no command below prints the build notice
        pass
    return config


def run(
    argv: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *,
    stdin: str = "",
    typer_only: bool = False,
) -> tuple[int, str, str]:
    """Run kbtool in this process, as the console script would (fast path included)."""
    from kbtool.__main__ import main
    from kbtool.cli import run as typer_run

    monkeypatch.setattr(sys, "argv", ["kbtool", *argv])
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    for name in ("NO_COLOR", "FORCE_COLOR", "KBTOOL_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        (typer_run if typer_only else main)()
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def _mask(text: str) -> str:
    text = re.sub(r"\(\d+\.\d\d s\)", "(S s)", text)
    return re.sub(r'"seconds": \d+(\.\d+)?', '"seconds": S', text)


def _masked(result: tuple[int, str, str]) -> tuple[int, str, str]:
    return result[0], _mask(result[1]), _mask(result[2])


def check_transcript(name: str, argv: list[str], code: int, out: str, err: str) -> None:
    transcript = (
        f"$ kbtool {' '.join(argv)}\n--- exit {code}\n--- stdout\n{_mask(out)}"
        f"--- stderr\n{_mask(err)}"
    )
    check_golden(GOLDEN / f"{name}.txt", transcript)


CASES = {
    "search_text": (["search", "pagination"], 0),
    "search_filters": (["search", "session", "--category", "Database", "-n", "2"], 0),
    "search_json": (["search", "-f", "json", "session", "--tag", "sqlalchemy", "-n", "2"], 0),
    "search_jsonl": (["search", "--format=jsonl", "event", "loop"], 0),
    "search_did_you_mean": (["search", "contxt", "managr"], 0),
    "search_most_words": (["search", "pool", "timeout", "session", "-n", "3"], 0),
    "search_show_sql": (["search", "--show-sql", "pool", "-s", "critical", "--since", "2024"], 0),
    "search_nothing_searchable": (["search", "***"], 2),
    "search_only_excluded": (["search", "--", "-session"], 2),
    "search_bad_severity": (["search", "pool", "--severity", "urgent"], 2),
    "match_text": (["match", OLD_FASTAPI], 0),
    "match_json": (["match", "-f", "json", NEW_FASTAPI], 0),
    "match_nothing": (["match", "the weather is nice"], 1),
    "list_text": (["list"], 0),
    "list_json": (["list", "--category", "testing", "-f", "json"], 0),
    "show_text": (["show", "async-context-manager-dependency-injection"], 0),
    "show_json": (["show", "event-loop-closed-in-fixtures", "-f", "json"], 0),
    "show_xml": (["show", "pgdump-version-mismatch", "--format", "xml"], 0),
    "show_unknown": (["show", "async-context"], 2),
    "stats_text": (["stats", "--as-of", "2025-09-01"], 0),
    "stats_json": (["stats", "--as-of", "2025-09-01", "-f", "json"], 0),
    "index_text": (["index"], 0),
    "index_json": (["index", "--format", "json"], 0),
}


@pytest.mark.parametrize("name", CASES)
def test_golden(
    name: str, kb: Config, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv, expected = CASES[name]
    monkeypatch.chdir(kb.root)
    code, out, err = run(argv, monkeypatch, capsys)
    assert code == expected, err
    check_transcript(name, argv, code, out, err)


def test_match_reads_a_log_from_stdin(
    kb: Config, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(kb.root)
    log = (FIXTURES / "pytest_log.txt").read_text(encoding="utf-8")
    code, out, err = run(["match", "-"], monkeypatch, capsys, stdin=log)
    assert code == 0
    check_transcript("match_stdin", ["match", "-", "< pytest_log.txt"], code, out, err)


def test_match_says_when_stdin_is_cut(
    kb: Config, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from kbtool.cli import errorinput

    monkeypatch.chdir(kb.root)
    monkeypatch.setattr(errorinput, "MAX_INPUT_CHARS", 100)
    code, _, err = run(["match", "-"], monkeypatch, capsys, stdin=f"{NEW_FASTAPI}\n" * 5)
    assert code == 0
    assert "kbtool: stdin is longer than" in err and "only its start is matched" in err


def test_match_plan_and_new_read_a_log_file_given_by_its_path(
    kb: Config,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """``kbtool match build.log`` reads the log (it matched the words "build.log" and found
    nothing); so do ``plan --match build.log`` and ``new --from-error build.log``."""
    monkeypatch.chdir(kb.root)
    log = tmp_path / "build.log"
    log.write_text((FIXTURES / "pytest_log.txt").read_text(encoding="utf-8"), encoding="utf-8")
    code, piped, _ = run(["match", "-"], monkeypatch, capsys, stdin=log.read_text("utf-8"))
    assert code == 0
    code, given, _ = run(["match", str(log)], monkeypatch, capsys)
    assert code == 0 and given == piped
    code, plan, _ = run(["plan", "--match", str(log)], monkeypatch, capsys)
    assert code == 0 and plan.startswith("#")
    code, _, err = run(["match", str(tmp_path / "missing.log")], monkeypatch, capsys)
    assert code == 1 and "no entry has a symptom" in err  # not a file: words, as before


@pytest.mark.parametrize(
    ("argv", "stdin", "hint"),
    [
        (["match", "greenlet"], "", "try: kbtool search greenlet\n"),
        (["match", "it's", "gone"], "", "try: kbtool search 'it'\"'\"'s' gone\n"),
        (["match", "one two three four five"], "", None),  # reads as a message
        (["match", "-"], "weather\nnice\n", None),  # a log
    ],
)
def test_match_points_a_few_words_at_search(
    kb: Config,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    stdin: str,
    hint: str | None,
) -> None:
    monkeypatch.chdir(kb.root)
    code, out, err = run(argv, monkeypatch, capsys, stdin=stdin)
    assert (code, out) == (1, "")  # nothing matched: exit 1, as plan --match
    assert err.startswith("kbtool: no entry has a symptom that matches this text")
    if hint is None:
        assert "kbtool search" not in err
    else:
        assert err.endswith(hint)


def test_list_says_when_nothing_matches(
    kb: Config, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(kb.root)
    code, out, err = run(["list", "--category", "nope"], monkeypatch, capsys, typer_only=True)
    assert (code, out, err) == (0, "", "kbtool: no entries in category 'nope' (--category)\n")
    # each filter leaves some entries, together none: the filters, not one of them
    code, out, err = run(["list", "-c", "testing", "-s", "critical"], monkeypatch, capsys)
    assert (code, out, err) == (0, "", "kbtool: no entries match these filters\n")
    code, out, err = run(["search", "session", "-t", "nope"], monkeypatch, capsys)
    assert (code, out, err) == (0, "", "kbtool: no entries with tag 'nope' (--tag)\n")


def test_show_markdown_uses_the_fix_report_template(
    kb: Config, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(kb.root)
    code, out, _ = run(["show", "pool-exhaustion-under-load", "-f", "md"], monkeypatch, capsys)
    assert code == 0
    assert out.startswith("# Connection pool exhausted under load\n")
    assert "QueuePool limit of size 5" in out


def test_show_lists_backlinks_from_entries(
    kb: Config, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    monkeypatch.chdir(kb.root)
    _, out, _ = run(["show", "session-leak-in-background-task", "-f", "json"], monkeypatch, capsys)
    backlinks = json.loads(out)["backlinks"]
    assert [(b["kind"], b["source"]) for b in backlinks] == [
        ("supersedes", "event-loop-closed-in-fixtures")
    ]


def test_show_lists_backlinks_from_fix_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    config = copy_kb(tmp_path)
    config.reports_dir.mkdir(parents=True)
    (config.reports_dir / "pool.md").write_text(
        "# Pool exhaustion\n\nSee learnings/database_asyncio.xml#pool-exhaustion-under-load.\n"
    )
    monkeypatch.chdir(config.root)
    _, out, _ = run(["show", "pool-exhaustion-under-load", "-f", "json"], monkeypatch, capsys)
    kinds = {(b["kind"], b["source"]) for b in json.loads(out)["backlinks"]}
    assert ("report", "learnings/reports/pool.md") in kinds
    assert ("learning", "async-context-manager-dependency-injection") in kinds


# ------------------------------------------------------------------ the fast path

SAME = [
    ["search", "session", "-n", "3"],
    ["search", "--format", "json", "pool", "--category=Database", "-t", "sqlalchemy"],
    ["search", "session", "--status", "active,superseded", "--since", "2020", "-n1"],
    ["search", "loop", "--file", "learnings"],
    ["search", "--show-sql", "a", "b"],
    ["search", "***"],
    ["match", "-f", "jsonl", OLD_FASTAPI],
    ["match", "-n", "1", "RuntimeError:", "Event", "loop", "is", "closed"],
    ["index"],
    ["index", "--format", "json"],
    ["list", "-c", "database", "-n", "2"],
    ["list", "--format", "jsonl", "--severity", "high"],
    ["show", "pool-exhaustion-under-load"],
    ["show", "-f", "json", "pool-exhaustion-under-load"],
    ["show", "pool-exhaustion-under-load", "--no-pager", "--format=xml"],
    ["stats", "--as-of", "2026-01-01"],
    ["stats", "-f", "json", "--as-of", "2026-01-01"],
    ["links"],
    ["links", "pool-exhaustion-under-load", "--format", "mermaid"],
]


@pytest.mark.parametrize("argv", SAME)
def test_fast_path_behaves_like_typer(
    argv: list[str], kb: Config, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from kbtool.cli.fast import run_fast

    monkeypatch.chdir(kb.root)
    fast = _masked(run(argv, monkeypatch, capsys))
    slow = _masked(run(argv, monkeypatch, capsys, typer_only=True))
    assert fast == slow
    with_root = _masked(run(["--root", str(kb.root), *argv], monkeypatch, capsys))
    assert with_root == fast
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert run_fast(argv) is not None  # really taken


@pytest.mark.parametrize(
    "argv",
    [
        ["search", "--help"],
        ["search", "-h"],
        ["search", "--limit", "x", "a"],
        ["search", "--nope", "a"],
        ["search", "--format", "yaml", "a"],
        ["search", "a", "--limit"],
        ["--version", "search"],
        ["search", "--show-sql=yes", "a"],
        ["list", "extra"],
        ["show"],
        ["show", "a", "b"],
        ["show", "a", "--format", "yaml"],
        ["stats", "--as-of"],
        ["links", "-f", "svg"],
        ["no-such-command", "a"],
    ],
)
def test_fast_path_steps_aside_when_unsure(argv: list[str]) -> None:
    from kbtool.cli.fast import run_fast

    assert run_fast(argv) is None


def test_typer_reports_what_the_fast_path_left(
    kb: Config, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(kb.root)
    code, _, err = run(["search", "--limit", "many", "x"], monkeypatch, capsys)
    assert code == 2 and "Invalid value for '--limit'" in err
    code, _, err = run(["search", "--format", "yaml", "x"], monkeypatch, capsys)
    assert code == 2 and "--format 'yaml': expected one of text, json, jsonl" in err
    code, out, _ = run(["search", "--help"], monkeypatch, capsys)
    assert code == 0 and "--show-sql" in out and "--category" in out


def test_help_lists_every_shared_option(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from kbtool.cli.commands import BY_NAME

    for command in ("search", "match", "list", "index"):
        opts = BY_NAME[command].parts()[0]
        _, out, _ = run([command, "--help"], monkeypatch, capsys)
        for opt in opts:
            for flag in opt.flags:
                assert flag in out, (command, flag)


def _imports_of(argv: list[str], cwd: Path) -> tuple[str, list[str]]:
    from helpers_cli import imported_modules

    out, modules = imported_modules(argv, cwd)
    heavy = ("typer", "lxml", "jinja2", "pydantic", "rich", "markdown_it")
    return out, sorted(m for m in heavy if m in modules)


def test_search_process_imports_no_heavy_module(kb: Config) -> None:
    out, modules = _imports_of(["search", "event", "loop"], kb.root)
    assert "event-loop-closed-in-fixtures" in out
    assert modules == []
    out, modules = _imports_of(["match", "RuntimeError: Event loop is closed"], kb.root)
    assert "event-loop-closed-in-fixtures" in out
    assert modules == []


def test_help_imports_neither_lxml_nor_jinja2_nor_pydantic(kb: Config) -> None:
    out, modules = _imports_of(["--help"], kb.root)
    assert "search" in out
    assert not {"lxml", "jinja2", "pydantic"} & set(modules)


def test_only_cli_imports_typer() -> None:
    package = Path(__file__).resolve().parent.parent / "kbtool"
    offenders = [
        str(p.relative_to(package))
        for p in package.rglob("*.py")
        if p.relative_to(package).as_posix() != "cli/typerapp.py"
        and re.search(r"^\s*(import typer|from typer)", p.read_text(), re.MULTILINE)
    ]
    assert offenders == []
