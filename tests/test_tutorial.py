"""docs/tutorial.md runs as written: every ``$ command`` of its console blocks, in order, in
one empty folder, with the exit code its comment states (``# exits N``; 0 otherwise) and
every output line it shows (``…`` stands for what it leaves out)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TUTORIAL = REPO / "docs" / "tutorial.md"


def steps() -> list[tuple[str, list[str]]]:
    """(command, the output lines shown after it) for each ``$`` line, in order."""
    found: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", TUTORIAL.read_text(encoding="utf-8"), re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                found.append((line[2:], []))
            elif found:
                found[-1][1].append(line)
    return found


def test_the_tutorial_covers_the_first_day() -> None:
    commands = " ".join(command for command, _ in steps())
    for step in (
        "kbtool init",
        "--from-error",
        "kbtool validate",
        "kbtool search",
        "kbtool match",
        "kbtool plan",
        "kbtool scan",
    ):
        assert step in commands, step


def test_the_tutorial_runs_as_written(tmp_path: Path) -> None:
    shims = tmp_path / "bin"
    shims.mkdir()
    for name, target in (
        ("kbtool", f'"{sys.executable}" -m kbtool'),
        ("python3", f'"{sys.executable}"'),
    ):
        (shims / name).write_text(f'#!/bin/sh\nexec {target} "$@"\n')
        (shims / name).chmod(0o755)
    work = tmp_path / "project"
    work.mkdir()
    env = {**os.environ, "PATH": f"{shims}{os.pathsep}{os.environ['PATH']}", "NO_COLOR": "1"}
    for name in ("COLUMNS", "FORCE_COLOR", "KBTOOL_DEBUG", "PAGER", "EDITOR", "VISUAL"):
        env.pop(name, None)
    for command, shown in steps():
        result = subprocess.run(
            ["bash", "-c", command],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=120,
            check=False,
        )
        exits = re.search(r"#\s*exits (\d)", command)
        expected = int(exits.group(1)) if exits else 0
        output = (result.stdout + result.stderr).splitlines()
        assert result.returncode == expected, (command, result.stdout, result.stderr)
        for line in shown:
            if line.strip() != "…":
                assert line in output, f"{command!r} did not print {line!r}:\n" + "\n".join(output)
    assert (work / "plan.md").read_text().startswith("# Remediation plan")
