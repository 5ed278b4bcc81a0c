"""Issue 12, points 4-8: a new user's first day (broken files, wrong --root, init, new, edit,
option letters, output habits)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from search_kb import copy_kb
from test_search_cli import run

from kbtool.config import Config

BROKEN_ID = "cursor-pagination-skips-rows"  # in api_http.xml, which the tests break


@pytest.fixture
def broken(tmp_path: Path) -> Config:
    """The search fixture KB with api_http.xml made malformed (its entries stay in the text)."""
    config = copy_kb(tmp_path)
    path = config.learnings_dir / "api_http.xml"
    path.write_text(path.read_text().replace("</learnings>", "</learnings", 1))
    return config


# ------------------------------------------------------------------ 4: broken files


@pytest.mark.parametrize(
    "argv",
    [
        ["search", "session"],
        ["list"],
        ["stats"],
        ["links"],
        ["match", "RuntimeError: Event loop is closed"],
        ["show", "pool-exhaustion-under-load"],
        ["plan", "pool-exhaustion-under-load"],
    ],
    ids=lambda a: a[0],
)
def test_every_reading_command_says_files_could_not_be_read(
    argv: list[str],
    broken: Config,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(broken.root)
    code, _, err = run(argv, monkeypatch, capsys)
    assert code in (0, 1), err
    assert "warning: 1 file could not be read (learnings/api_http.xml)" in err
    assert "run 'kbtool validate' to see why" in err


def test_show_of_an_id_in_a_broken_file_says_where_it_is(
    broken: Config, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(broken.root)
    code, out, err = run(["show", BROKEN_ID], monkeypatch, capsys)
    line = next(
        n
        for n, text in enumerate((broken.learnings_dir / "api_http.xml").read_text().split("\n"), 1)
        if f'id="{BROKEN_ID}"' in text
    )
    assert (code, out) == (2, "")
    assert f"the entry '{BROKEN_ID}' is in learnings/api_http.xml:{line}, which could not" in err
    assert "kbtool validate learnings/api_http.xml" in err


def test_a_sound_kb_gets_no_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = copy_kb(tmp_path)
    monkeypatch.chdir(config.root)
    _, _, err = run(["list"], monkeypatch, capsys)
    assert "could not be read" not in err


# ------------------------------------------------------------------ 5: a wrong --root


def _kbtool(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kbtool", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1", **env},
        check=False,
    )


@pytest.mark.parametrize("command", [["search", "loop"], ["list"], ["show", "x"], ["stats"]])
def test_a_root_that_is_no_kb_is_an_error_and_creates_nothing(
    command: list[str], tmp_path: Path
) -> None:
    (tmp_path / "somewhere").mkdir()
    result = _kbtool(["--root", str(tmp_path / "somewhere"), *command], tmp_path)
    assert result.returncode == 3, result.stderr
    assert "not a knowledge base" in result.stderr and "kbtool init" in result.stderr
    assert list((tmp_path / "somewhere").iterdir()) == []


def test_validate_files_under_a_root_that_is_no_kb_writes_no_cache(tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_text("<specification>")
    result = _kbtool(["--root", str(tmp_path), "validate", str(tmp_path / "a.xml")], tmp_path)
    assert result.returncode == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xml"]


def test_a_kb_without_its_learnings_folder_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "kbtool.toml").write_text("")
    result = _kbtool(["search", "loop"], tmp_path)
    assert result.returncode == 3
    assert "no learnings folder at learnings" in result.stderr
    assert not (tmp_path / ".kbtool").exists()


def test_validate_a_bare_folder_checks_it_as_the_learnings_folder(tmp_path: Path) -> None:
    folder = tmp_path / "some" / "folder"
    shutil_copy = (copy_kb(tmp_path).learnings_dir / "testing_pytest.xml").read_bytes()
    folder.mkdir(parents=True)
    (folder / "testing_pytest.xml").write_bytes(shutil_copy)
    (folder / "bad.xml").write_text("<specification>")
    result = _kbtool(["validate", "some/folder/"], tmp_path)
    assert result.returncode == 1, result.stderr
    assert "checking some/folder as a learnings folder" in result.stderr
    assert "some/folder/bad.xml:1:" in result.stdout
    assert sorted(p.name for p in folder.iterdir()) == ["bad.xml", "testing_pytest.xml"]


# ------------------------------------------------------------------ 6: from zero


def test_init_then_new_from_an_error_then_validate(tmp_path: Path) -> None:
    made = _kbtool(["init", "--example"], tmp_path)
    assert made.returncode == 0, made.stderr
    for rel in ("kbtool.toml", "learnings", "learnings/reports", ".pre-commit-config.yaml"):
        assert (tmp_path / rel).exists(), rel
    assert ".kbtool/" in (tmp_path / ".gitignore").read_text().splitlines()
    again = _kbtool(["init"], tmp_path)  # idempotent: keeps everything
    assert again.returncode == 0 and "created" not in again.stdout
    log = (
        "INFO: starting\n"
        "Traceback (most recent call last):\n"
        '  File "app.py", line 3, in <module>\n'
        "sqlalchemy.exc.InvalidRequestError: greenlet_spawn has not been called\n"
        "INFO: done\n"
    )
    new = subprocess.run(
        [sys.executable, "-m", "kbtool", "new", "--from-error", "-", "-c", "Database"],
        cwd=tmp_path,
        input=log,
        capture_output=True,
        text=True,
        check=False,
    )
    assert new.returncode == 0, new.stderr
    assert "added 'invalidrequesterror-greenlet-spawn-has-not-been-called'" in new.stdout
    shown = _kbtool(
        ["show", "invalidrequesterror-greenlet-spawn-has-not-been-called", "-f", "json"], tmp_path
    )
    data = json.loads(shown.stdout)
    assert data["title"] == "InvalidRequestError: greenlet_spawn has not been called"
    assert [s["text"] for s in data["symptoms"]] == [
        "sqlalchemy.exc.InvalidRequestError: greenlet_spawn has not been called"
    ]
    checked = _kbtool(["validate"], tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_new_symptoms_repeated_title_and_tag_letter(tmp_path: Path) -> None:
    _kbtool(["init"], tmp_path)
    args = ["new", "Pool exhausted", "-c", "Database", "-t", "pool", "-t", "db"]
    first = _kbtool(
        [*args, "--symptom", "TimeoutError: QueuePool limit", "--symptom", "slow"], tmp_path
    )
    assert first.returncode == 0, first.stderr
    second = _kbtool(args, tmp_path)
    assert "added 'pool-exhausted-2'" in second.stdout
    assert (
        "the id 'pool-exhausted' is taken: this entry's id is 'pool-exhausted-2'" in second.stderr
    )
    data = json.loads(_kbtool(["show", "pool-exhausted", "-f", "json"], tmp_path).stdout)
    assert data["tags"] == ["pool", "db"]
    assert [s["text"] for s in data["symptoms"]] == ["TimeoutError: QueuePool limit", "slow"]


def test_edit_without_an_editor_writes_nothing(tmp_path: Path) -> None:
    _kbtool(["init"], tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("EDITOR", "VISUAL")}
    result = subprocess.run(
        [sys.executable, "-m", "kbtool", "new", "A title", "-c", "X", "--edit"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("kbtool: error: --edit: set $EDITOR")
    assert list((tmp_path / "learnings").glob("*.xml")) == []


def test_edit_opens_the_editor_at_the_line_and_validates(tmp_path: Path) -> None:
    _kbtool(["init"], tmp_path)
    _kbtool(["new", "A title", "-c", "X"], tmp_path)
    editor = tmp_path / "ed.py"  # records its arguments, then breaks the file's date
    editor.write_text(
        "import sys, pathlib\n"
        "pathlib.Path(sys.argv[0]).with_suffix('.args').write_text(' '.join(sys.argv[1:]))\n"
        "p = pathlib.Path(sys.argv[-1])\n"
        "p.write_text(p.read_text().replace('<date>', '<date>x', 1))\n"
    )
    result = _kbtool(["edit", "a-title"], tmp_path, EDITOR=f"{sys.executable} {editor}")
    assert (tmp_path / "ed.args").read_text() == str(tmp_path / "learnings" / "x.xml")
    assert result.returncode == 1
    assert "learnings/x.xml:" in result.stdout and "KB" in result.stdout
    vim = _kbtool(["edit", "a-title"], tmp_path, EDITOR="vim-not-installed")
    assert vim.returncode == 3 and "cannot start the editor" in vim.stderr


def test_import_report_takes_the_front_matter_category(tmp_path: Path) -> None:
    _kbtool(["init"], tmp_path)
    report = tmp_path / "learnings" / "reports" / "r.md"
    report.write_text(
        "---\ncategory: Messaging/Kafka\n---\n# Consumer lag after rebalance\n\n"
        "## Problem\n\nLag grows.\n\n## Root Cause\n\nSlow commits.\n\n"
        "## Solution\n\n1. Commit asynchronously.\n"
    )
    result = _kbtool(["import-report", str(report), "--dry-run", "-f", "json"], tmp_path)
    data = json.loads(result.stdout)
    assert data["category"] == "Messaging/Kafka", result.stderr
    assert data["category_how"] == "from the report's front matter"


def _letters(command: object, path: str, seen: dict[str, tuple[str, str]]) -> None:
    for param in getattr(command, "params", []):
        longs = [o for o in getattr(param, "opts", []) if o.startswith("--")]
        for short in (o for o in getattr(param, "opts", []) if len(o) == 2 and o[0] == "-"):
            if short == "-h" or not longs:
                continue
            first = seen.setdefault(short, (longs[-1], path))
            assert first[0] in longs, f"{short} is {first[0]} in {first[1]}, {longs[0]} in {path}"
    for name, sub in getattr(command, "commands", {}).items():
        _letters(sub, f"{path} {name}", seen)


def test_an_option_letter_means_one_thing_across_commands() -> None:
    import typer.main

    from kbtool.cli import app

    seen: dict[str, tuple[str, str]] = {}
    _letters(typer.main.get_command(app), "kbtool", seen)
    assert seen["-t"][0] == "--tag" and seen["-c"][0] == "--category"


# ------------------------------------------------------------------ 8: output habits


def test_search_ids_print_one_id_a_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = copy_kb(tmp_path)
    monkeypatch.chdir(config.root)
    code, out, _ = run(["search", "-l", "session"], monkeypatch, capsys)
    _, full, _ = run(["search", "session", "-f", "json"], monkeypatch, capsys)
    assert code == 0
    assert out.splitlines() == [h["id"] for h in json.loads(full)["hits"]]
    assert "**" not in run(["search", "session"], monkeypatch, capsys)[1]


def test_color_always_never_and_no_color(tmp_path: Path) -> None:
    config = copy_kb(tmp_path)
    always = _kbtool(["--color", "always", "list"], config.root)
    assert "\x1b[" in always.stdout
    after = _kbtool(["list", "--color=always"], config.root)  # after the command too
    assert after.stdout == always.stdout
    assert "\x1b[" not in _kbtool(["list", "--color", "never"], config.root, FORCE_COLOR="1").stdout
    assert "\x1b[" not in _kbtool(["list"], config.root, FORCE_COLOR="").stdout  # piped
    bad = _kbtool(["--color", "sometimes", "list"], config.root)
    assert bad.returncode == 2 and bad.stderr.startswith("kbtool: error: --color 'sometimes'")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["search", "--nope", "x"], "kbtool: error: No such option: --nope"),
        (["show"], "kbtool: error: Missing argument 'ID'."),
        (["search", "-n", "many", "x"], "kbtool: error: Invalid value for '--limit'"),
        (["frobnicate"], "kbtool: error: No such command 'frobnicate'."),
    ],
)
def test_usage_errors_have_the_one_error_style(
    argv: list[str], message: str, tmp_path: Path
) -> None:
    config = copy_kb(tmp_path)
    result = _kbtool(argv, config.root)
    assert result.returncode == 2
    assert result.stderr.startswith(message), result.stderr
    assert "Usage: kbtool" in result.stderr


def test_templates_folder_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    config = copy_kb(tmp_path)
    result = _kbtool(
        ["plan", "pool-exhaustion-under-load", "--templates", "no/such/dir"], config.root
    )
    assert result.returncode == 2
    assert "--templates no/such/dir" in result.stderr


def test_show_pages_on_a_terminal_only(tmp_path: Path) -> None:
    """Through a pseudo-terminal: a long entry goes to $PAGER; piped, it never does."""
    import pty

    config = copy_kb(tmp_path)
    pager = tmp_path / "pager.sh"
    pager.write_text(f"#!/bin/sh\ncat > {tmp_path / 'paged.txt'}\n")
    pager.chmod(0o755)
    env = {**os.environ, "PAGER": str(pager), "LINES": "5", "COLUMNS": "40", "NO_COLOR": "1"}
    env.pop("KBTOOL_PAGER", None)
    argv = [sys.executable, "-m", "kbtool", "show", "pool-exhaustion-under-load"]
    main, child = pty.openpty()
    proc = subprocess.Popen(argv, cwd=config.root, stdout=child, stderr=child, env=env)
    os.close(child)
    while True:
        try:
            if not os.read(main, 4096):
                break
        except OSError:
            break
    proc.wait()
    os.close(main)
    paged = (tmp_path / "paged.txt").read_text()
    assert "pool-exhaustion-under-load" in paged
    assert max(len(line) for line in paged.splitlines()) <= 40  # wrapped to the terminal
    (tmp_path / "paged.txt").unlink()
    piped = subprocess.run(argv, cwd=config.root, env=env, capture_output=True, text=True)
    assert "pool-exhaustion-under-load" in piped.stdout
    assert not (tmp_path / "paged.txt").exists()


def test_version_fast_and_through_typer_agree(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from kbtool import __version__

    fast = run(["--version"], monkeypatch, capsys)
    slow = run(["--version"], monkeypatch, capsys, typer_only=True)
    assert fast == slow == (0, f"kbtool {__version__}\n", "")


def _expect(fd: int, text: str, seen: list[str]) -> str:
    """Read the pseudo-terminal until ``text`` shows; all read so far."""
    import select
    import time

    deadline = time.monotonic() + 60
    while text not in seen[0]:
        assert time.monotonic() < deadline, f"no {text!r} in {seen[0]!r}"
        ready, _, _ = select.select([fd], [], [], 1)
        if ready:
            seen[0] += os.read(fd, 4096).decode(errors="replace")
    return seen[0]


def test_prompts_list_the_choices(tmp_path: Path) -> None:
    import pty

    _kbtool(["init", "--example"], tmp_path)
    _kbtool(["index"], tmp_path)
    main, child = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kbtool", "new"],
        cwd=tmp_path,
        stdin=child,
        stdout=child,
        stderr=child,
        env={**os.environ, "NO_COLOR": "1"},
    )
    os.close(child)
    seen = [""]
    try:
        _expect(main, "Title", seen)
        os.write(main, b"Pool exhausted\n")
        _expect(main, "Category (e.g. Example)", seen)
        os.write(main, b"Database\n")
        _expect(main, "Severity (critical, high, medium, low; empty for none)", seen)
        os.write(main, b"high\n")
        _expect(main, "Description", seen)
        os.write(main, b"\n")
        _expect(main, "added 'pool-exhausted'", seen)
    finally:
        proc.wait(timeout=60)
        os.close(main)
    assert proc.returncode == 0, seen[0]
