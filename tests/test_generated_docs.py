"""Derived files stay in sync with their sources (CONTRIBUTING.md, "Derived files").

- ``spec/learning.schema.json`` is the JSON Schema of the Pydantic models;
- ``docs/cli.md`` is every command's ``--help``, and every command and option has help text.

Regenerate both with ``python scripts/generate.py``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import jsonschema
import pytest
from lxml import etree

from kbtool import entry_xml
from kbtool.model import json_schema
from kbtool.resources import json_schema_path
from kbtool.safexml import make_parser

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = Path(__file__).parent / "examples" / "valid"
REGENERATE = "run `python scripts/generate.py` and commit the result"


def _generate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate", REPO / "scripts" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------ JSON Schema


def test_json_schema_is_current() -> None:
    committed = (REPO / "spec" / "learning.schema.json").read_text(encoding="utf-8")
    assert committed == _generate().schema_text(), (
        f"spec/learning.schema.json is stale: {REGENERATE}"
    )


def test_shipped_json_schema_is_the_committed_one() -> None:
    """The copy kbtool finds at run time (inside the wheel, or the checkout's) is current."""
    assert json.loads(json_schema_path().read_text(encoding="utf-8")) == json_schema()


def _example_files() -> list[Path]:
    return sorted(EXAMPLES.glob("*/learnings/*.xml"))


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads((REPO / "spec" / "learning.schema.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


@pytest.mark.parametrize("path", _example_files(), ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_valid_examples_match_the_json_schema(
    validator: jsonschema.protocols.Validator, path: Path
) -> None:
    doc = entry_xml.file_from_element(etree.fromstring(path.read_bytes(), make_parser()))
    errors = [e.message for e in validator.iter_errors(doc.model_dump(mode="json"))]
    assert errors == []


def test_json_schema_rejects_what_the_xsd_rejects(
    validator: jsonschema.protocols.Validator,
) -> None:
    path = _example_files()[0]
    data = entry_xml.file_from_element(
        etree.fromstring(path.read_bytes(), make_parser())
    ).model_dump(mode="json")
    learning = data["learnings"][0]
    for field, bad in (
        ("severity", "urgent"),
        ("status", "draft"),
        ("id", "Bad Id"),
        ("date", "2023-02-30"),
        ("title", ""),
    ):
        broken = json.loads(json.dumps(data))
        broken["learnings"][0] = {**learning, field: bad}
        assert not validator.is_valid(broken), field


# ------------------------------------------------------------------ CLI reference


@pytest.mark.parametrize(("target", "path"), [("cli", "docs/cli.md"), ("help", "kbtool/help.json")])
def test_cli_reference_is_current(target: str, path: str) -> None:
    """docs/cli.md, and kbtool/help.json (served by ``kbtool --help`` before typer loads),
    are what the commands print, whatever the terminal's width."""
    env = {**os.environ, "COLUMNS": "37", "TERMINAL_WIDTH": "37"}
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "generate.py"), target, "--check"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
    )
    assert result.returncode == 0, (
        f"{path} is stale (a command or its help changed): run "
        f"`python scripts/generate.py {target}` and commit {path}\n{result.stderr}"
    )


def test_every_command_and_option_has_help() -> None:
    missing = []
    for name, cmd, _ctx in _generate().commands():
        if not (cmd.help or cmd.short_help or "").strip():
            missing.append(f"{name}: no help text (give the command a docstring or help=)")
        for param in cmd.params:
            if getattr(param, "hidden", False) or param.name == "help":
                continue
            if not (getattr(param, "help", None) or "").strip():
                flag = "/".join(param.opts) if param.param_type_name == "option" else param.name
                missing.append(f"{name} {flag}: no help text")
    assert missing == [], "\n".join(missing)


def test_cli_reference_covers_every_command() -> None:
    text = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    names = [name for name, _cmd, _ctx in _generate().commands()]
    assert len(names) > 5
    for name in names:
        assert f"\n## {name}\n" in text, f"{name} is missing from docs/cli.md: {REGENERATE}"


# ------------------------------------------------------------------ --help without typer


@pytest.mark.parametrize("argv", [["--help"], ["show", "-h"], ["report", "new", "--help"]])
def test_help_from_the_cache_is_what_typer_prints(argv: list[str], tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "TERMINAL_WIDTH")}
    fast = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "kbtool", *argv],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    code = f"import sys; sys.argv = ['kbtool', *{argv!r}]; from kbtool.cli import run; run()"
    slow = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert (fast.returncode, fast.stdout) == (slow.returncode, slow.stdout)
    assert fast.stdout.startswith("Usage: kbtool")
    imported = {row.split("|")[-1].strip() for row in fast.stderr.splitlines()}
    assert "typer" not in imported, "served from kbtool/help.json"
