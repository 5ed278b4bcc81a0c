"""Shell completion (issue 12, point 7): the scripts, commands and options through typer,
entry ids from the index, and the fast path that answers ids without typer or pydantic."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from search_kb import copy_kb

from kbtool.config import Config


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Config:
    config = copy_kb(tmp_path_factory.mktemp("completion"))
    subprocess.run(
        [sys.executable, "-m", "kbtool", "index"], cwd=config.root, check=True, capture_output=True
    )
    return config


def complete(shell: str, line: str, cwd: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """Run kbtool as the shell's completion script does after ``line`` was typed."""
    env = {**os.environ, "_KBTOOL_COMPLETE": f"complete_{shell}"}
    if shell == "bash":
        words = line.split()
        env["COMP_WORDS"] = line
        env["COMP_CWORD"] = str(len(words) if line.endswith(" ") else len(words) - 1)
    else:
        env["_TYPER_COMPLETE_ARGS"] = line
        env["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
    return subprocess.run(
        [sys.executable, *extra, "-m", "kbtool"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_script_of_each_shell(shell: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kbtool", "completion", shell],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "_KBTOOL_COMPLETE=complete_" in result.stdout.replace("%s", "")
    assert "kbtool" in result.stdout


def test_an_unknown_shell_is_a_usage_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kbtool", "completion", "tcsh"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2 and "expected one of bash, zsh, fish" in result.stderr


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("kbtool show p", ["pgdump-version-mismatch", "pool-exhaustion-under-load"]),
        ("kbtool links re", ["retry-storm-after-timeout"]),
        ("kbtool edit pool", ["pool-exhaustion-under-load"]),
        ("kbtool report new pg", ["pgdump-version-mismatch"]),
        ("kbtool render index.md.j2 pg", ["pgdump-version-mismatch"]),
        ("kbtool --root . show pg", ["pgdump-version-mismatch"]),
        ("kbtool show zzz", []),
    ],
)
def test_entry_ids_from_the_index_without_typer(line: str, expected: list[str], kb: Config) -> None:
    result = complete("bash", line, kb.root, "-X", "importtime")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == expected
    imported = {row.split("|")[-1].strip() for row in result.stderr.splitlines()}
    assert not imported & {"typer", "pydantic", "lxml.etree"}, "the fast path stays light"


def test_ids_after_options_and_commands_and_options_through_typer(kb: Config) -> None:
    assert complete("bash", "kbtool show -f json p", kb.root).stdout.split() == [
        "pgdump-version-mismatch",
        "pool-exhaustion-under-load",
    ]
    assert "show" in complete("bash", "kbtool sh", kb.root).stdout.split()
    assert "--format" in complete("bash", "kbtool search --form", kb.root).stdout.split()
    assert "--statistics" in complete("bash", "kbtool scan --sta", kb.root).stdout.split()


def test_zsh_and_fish_formats(kb: Config) -> None:
    zsh = complete("zsh", "kbtool show pg", kb.root).stdout
    assert zsh.strip() == "_arguments '*: :((\"pgdump-version-mismatch\"))'"
    fish = complete("fish", "kbtool show pg", kb.root).stdout
    assert fish.split() == ["pgdump-version-mismatch"]


def test_completion_writes_nothing_outside_or_inside_a_kb(tmp_path: Path) -> None:
    config = copy_kb(tmp_path)  # never indexed: no ids, and no index gets built
    assert complete("bash", "kbtool show p", config.root).stdout.split() == []
    assert not config.cache_dir.exists()
    assert complete("bash", "kbtool show p", tmp_path).stdout.split() == []
