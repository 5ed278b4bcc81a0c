"""``kbtool validate`` and ``kbtool explain`` on the command line: golden transcripts,
exit codes, and the SARIF / JUnit output checked against their official schemas.

Transcripts live in ``tests/golden/validate/<name>.txt``. After an intended change of
output, regenerate them with ``KBTOOL_UPDATE_GOLDEN=1 pytest tests/test_validate_cli.py``
and review the diff.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from helpers_cli import subprocess_kbtool
from helpers_text import check_golden
from lxml import etree

TESTS = Path(__file__).resolve().parent
GOLDEN = TESTS / "golden" / "validate"
SCHEMAS = TESTS / "schemas"
GOLDEN_KB = TESTS / "fixtures" / "validate" / "golden_kb"
VALID_KB = TESTS / "examples" / "valid" / "full_featured"


@pytest.fixture
def kbtool(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path):
    """Run the CLI in this process (fast), as ``kbtool.__main__`` would: (args, cwd) -> result."""
    from kbtool import cli

    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))

    def invoke(
        args: list[str], cwd: Path, _tmp: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        monkeypatch.chdir(cwd)
        monkeypatch.setattr(sys, "argv", ["kbtool", *args])
        code: int | str | None = 0
        try:
            cli.run()
        except SystemExit as exc:
            code = exc.code
        out = capsys.readouterr()
        return subprocess.CompletedProcess(args, int(code or 0), out.out, out.err)

    return invoke


def transcript(args: list[str], proc: subprocess.CompletedProcess[str]) -> str:
    return (
        f"$ kbtool {' '.join(args)}\nexit: {proc.returncode}\n"
        f"--- stdout\n{proc.stdout}--- stderr\n{proc.stderr}"
    )


@pytest.fixture
def golden_kb(tmp_path: Path) -> Path:
    return Path(shutil.copytree(GOLDEN_KB, tmp_path / "kb"))


CASES = {
    "text": ["validate", "--no-cache"],
    "json": ["validate", "--no-cache", "--format", "json"],
    "github": ["validate", "--no-cache", "--format", "github"],
    "sarif": ["validate", "--no-cache", "--format", "sarif"],
    "junit": ["validate", "--no-cache", "--format", "junit"],
    "select_warnings": ["validate", "--no-cache", "--select", "KB314"],
    "strict": ["validate", "--no-cache", "--select", "KB314", "--strict"],
    "ignore_prefix": ["validate", "--no-cache", "--ignore", "KB2,KB30", "--ignore", "KB314"],
    "bad_format": ["validate", "--format", "xml"],
    "unknown_code": ["validate", "--select", "KB39"],
}
EXIT = {
    "text": 1,
    "json": 1,
    "github": 1,
    "sarif": 1,
    "junit": 1,
    "select_warnings": 0,
    "strict": 1,
    "ignore_prefix": 1,
    "bad_format": 2,
    "unknown_code": 2,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_validate_transcript(name: str, golden_kb: Path, tmp_path: Path, kbtool) -> None:
    proc = kbtool(CASES[name], golden_kb, tmp_path)
    assert proc.returncode == EXIT[name], proc.stderr
    assert "Traceback" not in proc.stderr
    check_golden(GOLDEN / f"validate_{name}.txt", transcript(CASES[name], proc))


def test_clean_kb_exits_zero(tmp_path: Path, kbtool) -> None:
    kb = Path(shutil.copytree(VALID_KB, tmp_path / "kb"))
    args = ["validate"]
    proc = kbtool(args, kb, tmp_path)
    assert proc.returncode == 0
    check_golden(GOLDEN / "validate_clean.txt", transcript(args, proc))
    assert (kb / ".kbtool" / "validate.cache").is_file()  # the default run caches
    again = kbtool(args, kb, tmp_path)
    assert (again.returncode, again.stdout, again.stderr) == (0, proc.stdout, proc.stderr)


def test_sarif_output_matches_the_sarif_2_1_0_schema(
    golden_kb: Path, tmp_path: Path, kbtool
) -> None:
    proc = kbtool(["validate", "--no-cache", "-f", "sarif"], golden_kb, tmp_path)
    log = json.loads(proc.stdout)
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).validate(log)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted({r["ruleId"] for r in run["results"]})
    for result in run["results"]:
        rule = rules[result["ruleIndex"]]
        assert rule["id"] == result["ruleId"]
        assert rule["helpUri"].endswith(result["ruleId"])
        assert "## Why is this bad?" in rule["help"]["markdown"]
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith(
            "learnings/"
        )


def test_junit_output_matches_the_junit_schema(golden_kb: Path, tmp_path: Path, kbtool) -> None:
    for extra in ([], ["--strict"], ["--select", "KB314"]):
        proc = kbtool(["validate", "--no-cache", "-f", "junit", *extra], golden_kb, tmp_path)
        doc = etree.fromstring(proc.stdout.encode())
        schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "junit-10.xsd")))
        assert schema.validate(doc), schema.error_log
        cases = doc.findall("testsuite/testcase")
        assert [c.get("name") for c in cases] == [
            "learnings/asyncio_tasks.xml",
            "learnings/pytest_fixtures.xml",
        ]


def test_output_file_gets_the_report(golden_kb: Path, tmp_path: Path, kbtool) -> None:
    out = tmp_path / "reports" / "kb.sarif"
    out.parent.mkdir()
    proc = kbtool(
        ["validate", "--no-cache", "-f", "sarif", "--output", str(out)], golden_kb, tmp_path
    )
    assert proc.returncode == 1 and proc.stdout == ""
    sarif = kbtool(["validate", "--no-cache", "-f", "sarif"], golden_kb, tmp_path).stdout
    assert out.read_text(encoding="utf-8") == sarif


def test_root_is_found_from_the_first_path_from_any_folder(golden_kb: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = subprocess_kbtool(
        ["validate", "--no-cache", str(golden_kb / "learnings")], elsewhere, tmp_path
    )
    assert proc.returncode == 1
    first = proc.stdout.splitlines()[0]
    assert first.startswith(str(golden_kb / "learnings" / "pytest_fixtures.xml") + ":10:37: KB203")
    one = subprocess_kbtool(
        ["validate", "--no-cache", str(golden_kb / "learnings" / "asyncio_tasks.xml")],
        elsewhere,
        tmp_path,
    )
    assert (one.returncode, one.stdout) == (0, "")


def test_no_knowledge_base_is_a_configuration_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = subprocess_kbtool(["validate"], empty, tmp_path)
    assert proc.returncode == 3
    assert proc.stderr.startswith("kbtool: error: no knowledge base found")
    assert "Traceback" not in proc.stderr


def test_explain(tmp_path: Path, kbtool) -> None:
    text = kbtool(["explain", "KB303"], tmp_path, tmp_path)
    assert text.returncode == 0
    check_golden(GOLDEN / "explain_text.txt", transcript(["explain", "KB303"], text))
    as_json = json.loads(
        kbtool(["explain", "kb303", "--format", "json"], tmp_path, tmp_path).stdout
    )
    assert as_json["code"] == "KB303" and as_json["severity"] == "error"
    assert set(as_json["sections"]) >= {
        "What it does",
        "Why is this bad?",
        "Example",
        "Use instead",
    }
    unknown = kbtool(["explain", "KB3O3"], tmp_path, tmp_path)
    assert unknown.returncode == 2
    check_golden(GOLDEN / "explain_unknown.txt", transcript(["explain", "KB3O3"], unknown))
    listing = kbtool(["explain"], tmp_path, tmp_path)
    assert listing.returncode == 0 and "KB303  error    duplicate-id" in listing.stdout


def test_missing_learnings_folder_is_a_configuration_error(tmp_path: Path, kbtool) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "kbtool.toml").write_text('[tool.kbtool]\nlearnings = "notes"\n')
    proc = kbtool(["validate"], kb)
    assert proc.returncode == 3
    assert proc.stderr == (
        "kbtool: error: no learnings folder at notes (set 'learnings' in [tool.kbtool], "
        "or name the files to check)\n"
    )
