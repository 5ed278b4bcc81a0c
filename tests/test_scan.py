# ruff: noqa: E501  (code snippets read best on one line)
"""``kbtool scan``: files, suppressions, baselines, output formats, the fixture projects."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kbtool.cli import app
from kbtool.errors import KbError

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "scan"
FLAGSHIP = "async-context-manager-dependency-injection"

KB_XML = """<?xml version="1.0" encoding="UTF-8"?>
<specification schema-version="1">
  <metadata><name>Test</name><type>learnings</type><category>Test</category></metadata>
  <learnings>
    <learning id="async-context-manager-dependency-injection" severity="high">
      <title>Async context manager given to Depends</title>
      <date>2025-01-01</date>
      <category>Test</category>
      <description>d</description>
      <solution><step>Depend on a plain async generator that enters the context manager.</step></solution>
      <references><link href="https://example.org/kb/acm">more</link></references>
      <detectors>
        <detector kind="python-ast">
          <message>Depends() gets an @asynccontextmanager function</message>
          <match>
            <call callee="fastapi.Depends fastapi.Security">
              <arg pos="0" keyword="dependency">
                <refers-to><function><decorator name="contextlib.asynccontextmanager"/></function></refers-to>
              </arg>
            </call>
          </match>
          <example kind="bad">
            from contextlib import asynccontextmanager
            from fastapi import Depends
            @asynccontextmanager
            async def s():
                yield 1
            def r(db=Depends(s)): ...
          </example>
          <example kind="good">
            from fastapi import Depends
            async def s():
                yield 1
            def r(db=Depends(s)): ...
          </example>
        </detector>
      </detectors>
    </learning>
    <learning id="print-call" severity="low">
      <title>print() left in code</title>
      <date>2025-01-01</date>
      <category>Test</category>
      <description>d</description>
      <detectors>
        <detector kind="regex">
          <files>*.py</files>
          <pattern>^\\s*print\\(</pattern>
          <example kind="bad">print(1)</example>
          <example kind="good">log(1)</example>
        </detector>
      </detectors>
    </learning>
  </learnings>
</specification>
"""


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    root = tmp_path / "kb"
    (root / "learnings").mkdir(parents=True)
    (root / "learnings" / "test.xml").write_text(KB_XML, encoding="utf-8")
    return root


def scan(*args: str, root: Path | None = None) -> tuple[int, str, str]:
    runner = CliRunner()
    argv = (["--root", str(root)] if root else []) + ["scan", *args]
    result = runner.invoke(app, argv)
    if isinstance(result.exception, KbError):  # kbtool.cli.run turns these into exit codes
        return result.exception.exit_code, result.stdout, str(result.exception)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def lines(out: str) -> list[str]:
    return [line.split(": ", 1)[0] for line in out.splitlines() if not line.startswith("  ")]


# ------------------------------------------------------------------ the fixture projects, bundled KB


def test_buggy_fixture_reports_each_depends_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES / "buggy")
    code, out, _ = scan("--entry", FLAGSHIP, ".", root=REPO)
    assert code == 1
    assert lines(out) == [
        "app/auth.py:21:24",
        "app/routes/items.py:14:45",
        "app/routes/items.py:18:33",
    ]
    assert f" {FLAGSHIP} " in out
    assert "  hint: " in out


def test_fixed_fixture_reports_nothing() -> None:
    code, out, err = scan(str(FIXTURES / "fixed"), root=REPO)
    assert (code, out) == (0, ""), out
    assert "0 findings" in err


def test_bundled_kb_is_silent_on_the_buggy_fixture_except_for_the_flagship() -> None:
    code, out, _ = scan("-f", "json", str(FIXTURES / "buggy"), root=REPO)
    data = json.loads(out)
    assert {f["entry"] for f in data["findings"]} == {FLAGSHIP}
    assert code == 1


def test_only_the_changed_file_still_resolves_the_import(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pre-commit hook passes only changed files: app/dependencies.py is found on disk."""
    monkeypatch.chdir(FIXTURES / "buggy")
    code, out, _ = scan("--entry", FLAGSHIP, "app/auth.py", root=REPO)
    assert (code, lines(out)) == (1, ["app/auth.py:21:24"])


# ------------------------------------------------------------------ formats


def test_json_and_github_formats(kb: Path) -> None:
    code, out, _ = scan("-f", "json", str(FIXTURES / "buggy"), root=kb)
    data = json.loads(out)
    assert code == 1
    assert data["summary"]["findings"] == 3
    first = data["findings"][0]
    assert first["path"].endswith("app/auth.py")
    assert (first["line"], first["col"], first["entry"], first["severity"]) == (
        21,
        24,
        FLAGSHIP,
        "high",
    )
    assert first["hint"].startswith("Depend on a plain async generator")
    code, out, _ = scan("-f", "github", str(FIXTURES / "buggy" / "app" / "auth.py"), root=kb)
    assert code == 1
    assert out.startswith("::error file=")
    assert (
        ",line=21,col=24,title=async-context-manager-dependency-injection%3A Async context" in out
    )
    assert "function Hint: Depend on a plain async generator" in out


def test_unknown_format_and_entry(kb: Path) -> None:
    assert scan("-f", "xml", str(FIXTURES), root=kb)[0] == 2
    code, _, err = scan("--entry", "nope", str(FIXTURES), root=kb)
    assert code == 2 and "nope" in err


# ------------------------------------------------------------------ suppressions


def test_inline_suppression(kb: Path, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.py").write_text(
        "print(1)  # kbtool: ignore[print-call] CLI output on purpose\n"
        "# kbtool: ignore[print-call] the line below is a demo\n"
        "print(2)\n"
        "print(3)  # kbtool: ignore[print-call]\n"
        "print(4)  # kbtool: ignore\n"
        "print(5)  # kbtool: ignore[no-such-entry] typo\n"
        'doc = """a quoted # kbtool: ignore[print-call] in a string is no comment"""\n'
        "s = '# kbtool: ignore'\n",
        encoding="utf-8",
    )
    # no detector looks at Markdown files here: their comments are not read
    (src / "notes.md").write_text("<!-- kbtool: ignore -->\n", encoding="utf-8")
    code, out, err = scan("-f", "json", str(src), root=kb)
    data = json.loads(out)
    assert code == 1
    assert [f["line"] for f in data["findings"]] == [4, 5, 6]
    assert [(p["line"], p["code"]) for p in data["problems"]] == [
        (4, "KB511"),
        (5, "KB511"),
        (6, "KB512"),
    ]
    assert "2 suppressed" in err


# ------------------------------------------------------------------ baselines


def test_baseline_accepts_old_findings_and_survives_line_shifts(kb: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "buggy", project)
    base = project / "kbtool-baseline.json"
    code, _, err = scan("--write-baseline", str(base), str(project), root=kb)
    assert code == 0 and "3 findings recorded" in err
    recorded = json.loads(base.read_text())
    assert {r["path"] for r in recorded["findings"]} == {"app/auth.py", "app/routes/items.py"}
    assert scan("--baseline", str(base), str(project), root=kb)[0] == 0
    # shift every line, then add one new use of the bug
    auth = project / "app" / "auth.py"
    text = auth.read_text()
    auth.write_text(
        '"""Shifted."""\n\n\n' + text + "\n\nasync def other(db=Depends(get_db)) -> None: ...\n"
    )
    code, out, err = scan("--baseline", str(base), str(project), root=kb)
    assert code == 1
    assert lines(out) == [f"{auth}:{len(text.splitlines()) + 6}:20"]
    assert "3 in the baseline" in err


def test_bad_baseline_is_a_usage_error(kb: Path, tmp_path: Path) -> None:
    bad = tmp_path / "b.json"
    bad.write_text("[]")
    assert scan("--baseline", str(bad), str(FIXTURES), root=kb)[0] == 2
    assert scan("--baseline", str(tmp_path / "missing.json"), str(FIXTURES), root=kb)[0] == 2


# ------------------------------------------------------------------ what is read


def test_skips_binary_huge_outside_links_and_reports_unparsable(kb: Path, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "ok.py").write_text("print(1)\n")
    (src / "broken.py").write_text("print(2)\ndef f(:\n")
    (src / "blob.py").write_bytes(b"print(3)\n\0\0\0")
    (src / "huge.py").write_text("print(4)\n" + "x = 1\n" * 200_000)
    outside = tmp_path / "outside.py"
    outside.write_text("print(5)\n")
    (src / "link.py").symlink_to(outside)
    (src / "inner.py").symlink_to(src / "ok.py")  # inside: the same file, read once
    (src / "loop").symlink_to(src, target_is_directory=True)
    (src / "latin1.py").write_bytes(b"# -*- coding: latin-1 -*-\nx = '\xe9'\nprint(6)\n")
    code, out, _ = scan("-f", "json", "--max-file-size", "100000", str(src), root=kb)
    data = json.loads(out)
    assert code == 1
    found = sorted((Path(f["path"]).name, f["line"]) for f in data["findings"])
    assert found == [("broken.py", 1), ("latin1.py", 3), ("ok.py", 1)]
    assert [(Path(p["path"]).name, p["code"]) for p in data["problems"]] == [
        ("broken.py", "KB510"),
        ("huge.py", "KB515"),  # a detector looks at *.py: padding must not hide a file
    ]
    assert data["summary"]["files_skipped"] == {"binary": 1, "link-outside": 1, "too-large": 1}


def test_compiled_python_the_walk_reaches_is_a_problem(kb: Path, tmp_path: Path) -> None:
    """A sourceless ``.pyc`` is imported, and a committed ``__pycache__`` file compiled with
    an unchecked hash is imported instead of its source: neither can be scanned (KB516).
    An untracked ``__pycache__`` is a tool's folder, not entered."""
    import py_compile
    import subprocess

    src = tmp_path / "src"
    src.mkdir()
    (src / "app.py").write_text("x = 1\n")
    (src / "gone.py").write_text("import os\n")
    py_compile.compile(str(src / "gone.py"), cfile=str(src / "legacy.pyc"), doraise=True)
    (src / "gone.py").unlink()
    unchecked = py_compile.PycInvalidationMode.UNCHECKED_HASH
    cached = py_compile.compile(str(src / "app.py"), invalidation_mode=unchecked, doraise=True)
    assert cached is not None and "__pycache__" in cached

    def problems() -> tuple[int, list[tuple[str, str]]]:
        code, out, _ = scan("-f", "json", str(src), root=kb)
        found = [(Path(p["path"]).name, p["code"]) for p in json.loads(out)["problems"]]
        return code, sorted(found)

    assert problems() == (1, [("legacy.pyc", "KB516")])
    subprocess.run(["git", "init", "-q", str(src)], check=True)
    subprocess.run(["git", "-C", str(src), "add", "-f", "."], check=True)
    assert problems() == (1, [(Path(cached).name, "KB516"), ("legacy.pyc", "KB516")])


def test_a_large_file_no_detector_looks_at_is_only_counted(kb: Path, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "ok.py").write_text("x = 1\n")
    (src / "data.csv").write_text("a,b\n" * 100_000)  # the KB's detectors look at *.py only
    code, out, _ = scan("-f", "json", "--max-file-size", "100000", str(src), root=kb)
    data = json.loads(out)
    assert code == 0 and data["problems"] == []
    assert data["summary"]["files_skipped"] == {"too-large": 1}


def test_missing_path_is_a_usage_error(kb: Path, tmp_path: Path) -> None:
    assert scan(str(tmp_path / "nope"), root=kb)[0] == 2


def test_scan_skips_the_kbs_own_files_and_virtualenvs(kb: Path) -> None:
    (kb / "app.py").write_text("print(1)\n")
    venv = kb / "env"
    (venv / "lib").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr\n")
    (venv / "lib" / "x.py").write_text("print(2)\n")
    (kb / "learnings" / "notes.py").write_text("print(3)\n")  # code, not an entry: scanned
    (kb / "kbtool.toml").write_text('cache = "cache"\n')
    (kb / "cache").mkdir()
    (kb / "cache" / "x.py").write_text("print(4)\n")  # the cache folder: never scanned
    cwd = os.getcwd()
    try:
        os.chdir(kb)
        code, out, _ = scan(root=kb)
    finally:
        os.chdir(cwd)
    assert (code, lines(out)) == (1, ["app.py:1:1", "learnings/notes.py:1:1"])


# ------------------------------------------------------------------ SARIF


def _sarif_schema() -> dict[str, object]:
    found = sorted((REPO / "tests" / "schemas").glob("sarif*2.1.0*.json"))
    assert found, "the SARIF 2.1.0 schema is expected under tests/schemas/"
    data: dict[str, object] = json.loads(found[0].read_text(encoding="utf-8"))
    return data


def test_sarif_validates_and_links_each_rule_to_its_entry(kb: Path, tmp_path: Path) -> None:
    import jsonschema

    src = tmp_path / "src"
    shutil.copytree(FIXTURES / "buggy", src)
    (src / "broken.py").write_text("def f(:\n")
    (src / "tool.py").write_text("print(1)\nprint(2)  # kbtool: ignore[print-call] on purpose\n")
    code, out, _ = scan("-f", "sarif", str(src), root=kb)
    assert code == 1
    log = json.loads(out)
    schema = _sarif_schema()
    validator = jsonschema.validators.validator_for(schema)
    validator(schema, format_checker=validator.FORMAT_CHECKER).validate(log)
    run = log["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert set(rules) == {FLAGSHIP, "print-call", "KB510"}
    flagship = rules[FLAGSHIP]
    assert flagship["shortDescription"]["text"] == "Async context manager given to Depends"
    assert flagship["helpUri"] == "https://example.org/kb/acm"  # the entry's first URL
    assert "Depend on a plain async generator" in flagship["help"]["markdown"]
    assert rules["print-call"]["helpUri"].startswith("file://")  # no URL: the KB file
    assert rules["print-call"]["defaultConfiguration"]["level"] == "warning"  # severity low
    results = [r for r in run["results"] if r["ruleId"] == FLAGSHIP]
    assert len(results) == 3
    assert all(len(r["partialFingerprints"]["kbtoolFindingHash/v1"]) == 32 for r in results)
    region = results[0]["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (21, 24)
    prints = [r for r in run["results"] if r["ruleId"] == "print-call"]
    assert [r.get("suppressions") for r in prints] == [
        None,
        [{"kind": "inSource", "justification": "on purpose", "status": "accepted"}],
    ]


def test_sarif_marks_baselined_findings_as_suppressed(kb: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "buggy", project)
    base = project / "kbtool-baseline.json"
    assert scan("--write-baseline", str(base), str(project), root=kb)[0] == 0
    code, out, _ = scan("-f", "sarif", "--baseline", str(base), str(project), root=kb)
    results = json.loads(out)["runs"][0]["results"]
    assert code == 0 and len(results) == 3
    assert all(r["suppressions"][0]["kind"] == "external" for r in results)


def test_help_uri_template_from_the_configuration(kb: Path) -> None:
    (kb / "kbtool.toml").write_text(
        '[tool.kbtool]\nhelp-uri = "https://git.example/kb/blob/main/{path}#L{line}"\n'
    )
    _, out, _ = scan("-f", "sarif", str(FIXTURES / "buggy"), root=kb)
    rules = json.loads(out)["runs"][0]["tool"]["driver"]["rules"]
    assert rules[0]["helpUri"] == "https://git.example/kb/blob/main/learnings/test.xml#L5"


def test_odd_file_names_fifos_and_link_loops(kb: Path, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    odd = os.fsencode(src) + b"/bad\xffname.py"
    with open(odd, "wb") as fh:
        fh.write(b"print(1)\n")
    os.mkfifo(src / "fifo.py")
    (src / "loop1.py").symlink_to("loop2.py")
    (src / "loop2.py").symlink_to("loop1.py")
    for fmt in ("text", "json", "sarif", "github"):
        code, out, _ = scan("-f", fmt, str(src), root=kb)
        assert code == 1, fmt
        assert ("bad%EF%BF%BDname.py" if fmt == "sarif" else "bad\ufffdname.py") in out, fmt
    base = tmp_path / "baseline.json"
    assert scan("--write-baseline", str(base), str(src), root=kb)[0] == 0
    assert scan("--baseline", str(base), str(src), root=kb)[0] == 0


def test_worker_processes_give_the_same_findings(kb: Path, tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(FIXTURES / "buggy", src)
    for i in range(12):
        (src / "app" / f"extra{i}.py").write_text(
            "from fastapi import Depends\nfrom app.dependencies import "
            f"get_request_scoped_db_session as g\nx{i} = Depends(g)\nprint({i})\n"
        )
    (src / "app" / "broken.py").write_text("def f(:\n")
    one = scan("-f", "json", "--jobs", "1", str(src), root=kb)
    two = scan("-f", "json", "--jobs", "3", str(src), root=kb)
    assert one == two
    data = json.loads(one[1])
    assert data["summary"]["findings"] == 3 + 12 + 12
    assert [p["code"] for p in data["problems"]] == ["KB510"]


DEBUG_KB = KB_XML.replace("print-call", "debug-on").replace(
    "<pattern>^\\s*print\\(</pattern>", "<pattern>^DEBUG = True$</pattern>"
)


@pytest.mark.parametrize(
    "source",
    [
        b"import os\rDEBUG = True\rx = 1\r",  # classic Mac line ends: Python reads three lines
        b"import os\r\nDEBUG = True\r\nx = 1\r\n",  # Windows line ends: "$" is before the \r
        b"import os\n\x0cDEBUG = True\nx = 1\n",  # a form feed: no indentation to Python
        b"import os\n  \x0c\x0cDEBUG = True\nx = 1\n",  # nor after blanks (it resets the count)
    ],
)
def test_lines_are_read_as_python_reads_them(tmp_path: Path, source: bytes) -> None:
    """A regex detector anchored at a line's start or end must see the lines Python runs: a
    pull request could otherwise hide ``DEBUG = True`` behind a line ending or a form feed."""
    root = tmp_path / "kb"
    (root / "learnings").mkdir(parents=True)
    (root / "learnings" / "test.xml").write_text(DEBUG_KB, encoding="utf-8")
    src = tmp_path / "src"
    src.mkdir()
    (src / "settings.py").write_bytes(source)
    code, out, _ = scan("-f", "json", str(src), root=root)
    found = [(f["entry"], f["line"], f["snippet"]) for f in json.loads(out)["findings"]]
    assert found == [("debug-on", 2, "DEBUG = True")]
    assert code == 1
