"""Lock and requirements files as real tools write them, and the versions each pins.

tests/fixtures/lockfiles/corpus/ holds one folder per tool and era (pip-compile 4 and 7, uv
pip compile, rye, pip freeze, PowerShell's UTF-16 freeze, Notepad's BOM and CRLF, nested
includes, pipenv 2020 and 2024, poetry lock formats 1.0 / 2.0 / 2.1, uv.lock, pdm 1 and 2,
PEP 751 pylock.toml, conda environment.yml and conda-lock.yml, pyproject.toml, setup.cfg,
``pip list --format=json``). Each folder's ``expected.json`` was written from the format, not
from kbtool's output: canonical name → the version, ``"?"`` when the file names the project
without a version kbtool can know, ``null`` when the project is not installed on the
interpreter the test assumes (Linux x86-64, CPython 3.11.7; its markers fail). ``_file``
names the file to read when the folder holds several; ``python`` is the interpreter version
the file itself states.
"""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path

import pytest

from kbtool.applies.lockfiles import read_lockfile

CORPUS = Path(__file__).resolve().parent / "fixtures" / "lockfiles" / "corpus"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "expected.json").is_file())
PYTHON = "3.11.7"

# the markers in expected.json assume this platform (sys_platform, platform_machine)
pytestmark = pytest.mark.skipif(
    sys.platform != "linux" or platform.machine() != "x86_64",
    reason="expectations for Linux x86-64",
)


def _expected(case: str) -> tuple[Path, dict[str, str | None]]:
    expected = json.loads((CORPUS / case / "expected.json").read_text())
    name = expected.pop("_file", None)
    if name is None:
        (path,) = [p for p in (CORPUS / case).iterdir() if p.name != "expected.json"]
    else:
        path = CORPUS / case / name
    return path, expected


def _misses(case: str) -> tuple[int, int, list[str]]:
    """(pins expected, pins missed, what went wrong) for one case; a refusal misses them
    all."""
    path, expected = _expected(case)
    try:
        env = read_lockfile(path, PYTHON)
    except Exception as exc:  # the figure counts a refusal as misses
        return len(expected), len(expected), [f"{case}: {type(exc).__name__}: {exc}"]
    wrong = []
    for key, version in expected.items():
        got = env.python if key == "python" else env.packages.get(key)
        if got != version:
            wrong.append(f"{case}: {key} expected {version!r}, read {got!r}")
    return len(expected), len(wrong), wrong


@pytest.mark.parametrize("case", CASES)
def test_each_real_format_gives_the_pins_it_holds(case: str) -> None:
    _, _, wrong = _misses(case)
    assert not wrong, "\n".join(wrong)


def test_the_corpus_figure(capsys: pytest.CaptureFixture[str]) -> None:
    total = missed = 0
    for case in CASES:
        count, miss, _ = _misses(case)
        total += count
        missed += miss
    with capsys.disabled():
        print(f"\nlock-file corpus: {total - missed}/{total} pins read right ({len(CASES)} files)")
    assert len(CASES) >= 20
