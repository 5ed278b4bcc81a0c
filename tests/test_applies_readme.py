"""The README's ``kbtool applies --upgrade`` transcript is what the command prints.

The block between ``<!-- begin/end: kbtool applies transcript -->`` holds commands (``$ …``)
and their output (stdout, then stderr); ``$ echo $?`` is the previous command's exit code.
Run at the repository root, on the bundled KB and the fixture requirements file.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from helpers_cli import cli

REPO = Path(__file__).resolve().parent.parent
BEGIN = "<!-- begin: kbtool applies transcript -->\n```console\n"
END = "```\n<!-- end: kbtool applies transcript -->"


def _transcript() -> list[tuple[str, str]]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text[text.index(BEGIN) + len(BEGIN) : text.index(END)]
    steps: list[tuple[str, str]] = []
    for line in block.splitlines(keepends=True):
        if line.startswith("$ "):
            steps.append((line[2:].strip(), ""))
        else:
            command, output = steps[-1]
            steps[-1] = (command, output + line)
    return steps


def test_the_readme_transcript_is_real_output(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    steps = _transcript()
    assert [c.split()[:2] for c, _ in steps] == [["kbtool", "applies"], ["echo", "$?"]]
    (command, expected), (_, code) = steps
    assert "--upgrade" in command
    result = cli(*shlex.split(command)[1:])
    assert result.out + result.err == expected
    assert str(result.code) == code.strip()
