"""The exit-code contract, for every command: 0 clean, 1 findings, 2 usage, 3 config.

Commands are discovered from the typer app, so a new command is covered without editing
this file. Each runs as a real process through the console entry point (the fast path for
search, match, index and validate included), and no run may print a traceback.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from kbtool.cli import app

REPO = Path(__file__).resolve().parent.parent


def _commands() -> list[tuple[str, ...]]:
    root = typer.main.get_command(app)
    found: list[tuple[str, ...]] = []
    for name, command in sorted(root.commands.items()):  # type: ignore[attr-defined]
        subs = getattr(command, "commands", None)
        if subs:
            found.extend((name, sub) for sub in sorted(subs))
        else:
            found.append((name,))
    return found


def _format_commands() -> list[tuple[str, ...]]:
    root = typer.main.get_command(app)
    result = []
    for path in _commands():
        command = root
        for part in path:
            command = command.commands[part]  # type: ignore[attr-defined]
        if any("--format" in p.opts for p in command.params):
            result.append(path)
    return result


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("KBTOOL_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "kbtool", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
        env=env,
    )


def test_every_command_is_discovered() -> None:
    names = {p[0] for p in _commands()}
    assert {"validate", "search", "match", "scan", "migrate", "fmt", "render"} <= names


@pytest.mark.parametrize("command", _commands(), ids=" ".join)
def test_help_exits_0_and_an_unknown_option_exits_2(command: tuple[str, ...]) -> None:
    ok = _run([*command, "--help"], REPO)
    assert ok.returncode == 0, ok.stderr
    assert "Usage:" in ok.stdout
    bad = _run([*command, "--no-such-option"], REPO)
    assert bad.returncode == 2, (bad.stdout, bad.stderr)
    assert "Traceback" not in bad.stderr + bad.stdout


@pytest.mark.parametrize("command", _format_commands(), ids=" ".join)
def test_an_unknown_format_exits_2(command: tuple[str, ...]) -> None:
    result = _run([*command, "--format", "no-such-format", "x"], REPO)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    "args",
    [["validate"], ["search", "asyncio"], ["list"], ["stats"], ["scan", "."], ["links"]],
    ids=" ".join,
)
def test_outside_any_knowledge_base_exits_3(args: list[str], tmp_path: Path) -> None:
    result = _run(args, tmp_path)
    assert result.returncode == 3, (result.stdout, result.stderr)
    assert "no knowledge base found" in result.stderr
    assert "Traceback" not in result.stderr


def test_findings_exit_1_and_clean_exits_0(tmp_path: Path) -> None:
    kb = tmp_path / "learnings"
    kb.mkdir()
    clean = (REPO / "tests" / "examples" / "valid" / "issue_example").resolve()
    for source in sorted((clean / "learnings").glob("*.xml")):
        (kb / source.name).write_bytes(source.read_bytes())
    assert _run(["validate"], tmp_path).returncode == 0
    first = sorted(kb.glob("*.xml"))[0]
    first.write_text(first.read_text(encoding="utf-8").replace("</title>", "</titel>", 1))
    result = _run(["validate"], tmp_path)
    assert result.returncode == 1
    assert "KB101" in result.stdout


@pytest.mark.parametrize(
    "args", [["search", "pool"], ["list", "-f", "json"], ["stats"], ["validate"]], ids=" ".join
)
def test_root_after_the_command_works(args: list[str], tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(REPO / "learnings", kb / "learnings")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert _run(["--root", str(kb), "index"], elsewhere).returncode == 0  # built: no notice
    after = _run([*args, "--root", str(kb)], elsewhere)
    before = _run(["--root", str(kb), *args], elsewhere)
    assert after.returncode == before.returncode == 0, after.stderr
    assert (after.stdout, after.stderr) == (before.stdout, before.stderr)
    assert after.stdout + after.stderr


def test_published_hooks_run_what_they_say() -> None:
    import yaml

    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"kbtool-validate", "kbtool-scan"}
    assert all(h["language"] == "python" for h in hooks.values())
    scan = hooks["kbtool-scan"]["entry"].split()
    assert scan[0] == "kbtool" and hooks["kbtool-scan"].get("pass_filenames", True)
    fixtures = REPO / "tests" / "fixtures" / "scan"
    buggy = _run([*scan[1:], str(fixtures / "buggy" / "app" / "auth.py")], REPO)
    assert buggy.returncode == 1 and "async-context-manager-dependency-injection" in buggy.stdout
    fixed = _run([*scan[1:], str(fixtures / "fixed" / "app" / "auth.py")], REPO)
    assert (fixed.returncode, fixed.stdout, fixed.stderr) == (0, "", "")
    validate = hooks["kbtool-validate"]["entry"].split()
    assert _run(validate[1:], REPO).returncode == 0
