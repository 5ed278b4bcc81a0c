"""docs/json-output.md is checked against real output.

Each documented JSON example is preceded by a marker naming the command line that prints
it: ``<!-- output of: kbtool stats --format json | free keys: by_category -->``. The test
runs that command on a copy of the bundled knowledge base and checks that what it prints has
the documented shape: the same keys in every object (except those listed as free keys,
whose names are data), the same kinds of values (string, number, boolean, object, array;
``null`` stands for "may be absent"), array items shaped like the documented first item.
Every command with ``--format json`` must have at least one documented example.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kbtool.cli.commands import COMMANDS

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "json-output.md"
MARKER = re.compile(
    r"^<!-- output of: kbtool (?P<args>[^|>]*?)(?: \| free keys: (?P<free>[^>]*?))? -->\n"
    r"```json\n(?P<body>(?:.*\n)*?)```",
    re.MULTILINE,
)


def documented() -> list[tuple[list[str], set[str], Any]]:
    found = []
    for m in MARKER.finditer(DOC.read_text(encoding="utf-8")):
        free = set((m.group("free") or "").split())
        found.append((shlex.split(m.group("args")), free, json.loads(m.group("body"))))
    return found


EXAMPLES = documented()


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("kb")
    shutil.copytree(REPO / "learnings", root / "learnings")
    one = root / "learnings" / "pytest.xml"  # one finding, so validate's diagnostics are checked
    text = one.read_text(encoding="utf-8")
    one.write_text(re.sub(r"<date>[^<]*</date>", "<date>2026-02-30</date>", text, count=1))
    (root / "kbtool.toml").write_text('learnings = "learnings"\nreports = "learnings/reports"\n')
    report = REPO / "tests" / "fixtures" / "reports" / "variants" / "bold-lines.md"
    shutil.copy(report, root / "learnings" / "reports" / "imported.md")
    shutil.copytree(REPO / "tests" / "fixtures" / "scan" / "buggy" / "app", root / "app")
    shutil.copytree(REPO / "tests" / "fixtures" / "lockfiles", root / "lockfiles")
    legacy = root / "legacy"
    legacy.mkdir()
    for name in ("canonical_ok.xml", "ids_missing_a.xml", "links_and_dates.xml"):
        shutil.copy(REPO / "tests" / "fixtures" / "legacy" / name, legacy)
    return root


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "kbtool", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
        env=env,
    )


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def check_shape(doc: Any, real: Any, where: str, free: set[str]) -> None:
    """``real`` has the shape of the documented example ``doc``."""
    if doc is None or real is None:  # documented null: a value that may be absent
        return
    assert _kind(real) == _kind(doc), f"{where}: documented {_kind(doc)}, printed {_kind(real)}"
    if isinstance(doc, dict):
        name = where.rsplit(".", 1)[-1]
        if name in free:
            proto = next(iter(doc.values()), None)
            for key, value in real.items():
                check_shape(proto, value, f"{where}.{key}", free)
            return
        assert set(real) == set(doc), (
            f"{where}: documented keys {sorted(doc)}, printed {sorted(real)}"
        )
        for key in doc:
            check_shape(doc[key], real[key], f"{where}.{key}", free)
    elif isinstance(doc, list) and doc:
        for n, item in enumerate(real):
            check_shape(doc[0], item, f"{where}[{n}]", free)


@pytest.mark.parametrize(("args", "free", "doc"), EXAMPLES, ids=[" ".join(e[0]) for e in EXAMPLES])
def test_documented_json_matches_real_output(
    args: list[str], free: set[str], doc: Any, kb: Path
) -> None:
    proc = _run(args, kb)
    assert proc.returncode in (0, 1), proc.stderr
    real = json.loads(proc.stdout)
    check_shape(doc, real, "$", free)
    if args[0] == "validate":
        assert real["diagnostics"], "the fixture KB has a finding to check the shape of"


def test_every_command_with_json_output_is_documented() -> None:
    shown = {" ".join(args[:2]) if args[0] == "report" else args[0] for args, _, _ in EXAMPLES}
    with_json = {
        command.name
        for command in COMMANDS
        if any("json" in opt.choices for opt in command.parts()[0] if opt.name == "fmt")
    }
    assert with_json - shown == set()


def test_the_shape_check_catches_a_renamed_key() -> None:
    doc = {"hits": [{"id": "x", "score": 1.0}], "note": None}
    check_shape(doc, {"hits": [{"id": "a", "score": 2}], "note": "n"}, "$", set())
    with pytest.raises(AssertionError, match="documented keys"):
        check_shape(doc, {"hits": [{"ident": "a", "score": 2}], "note": None}, "$", set())
    with pytest.raises(AssertionError, match="documented number, printed str"):
        check_shape(doc, {"hits": [{"id": "a", "score": "2"}], "note": None}, "$", set())
