"""KB5xx: ``kbtool validate`` compiles every detector and runs it on its examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from kbtool.config import load_config
from kbtool.validate import validate

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<specification schema-version="1">
  <metadata><name>Test</name><type>learnings</type><category>Test</category></metadata>
  <learnings>
    <learning id="one">
      <title>t</title>
      <date>2025-01-01</date>
      <category>Test</category>
      <description>d</description>
      <detectors>
"""
TAIL = """      </detectors>
    </learning>
  </learnings>
</specification>
"""

DETECTORS = """\
        <detector kind="regex">
          <pattern>print\\(</pattern>
          <example kind="bad">log(1)</example>
          <example kind="good">x = 1
print(1)</example>
        </detector>
        <detector kind="regex">
          <pattern>(unclosed</pattern>
          <example kind="bad">x</example>
          <example kind="good">y</example>
        </detector>
        <detector kind="regex">
          <pattern>(a+)+$</pattern>
          <example kind="bad">aaa</example>
          <example kind="good">b</example>
        </detector>
        <detector kind="python-ast">
          <match><call callee="eval"><frob/></call></match>
          <example kind="bad">eval(x)</example>
          <example kind="good">x</example>
        </detector>
        <detector kind="python-ast">
          <match><call callee="eval"/></match>
          <example kind="bad">
            def f(:
                eval(x)
          </example>
          <example kind="good">
            x = 1
          </example>
        </detector>
        <detector kind="python-ast">
          <match><call callee="eval"/></match>
          <example kind="bad"><file path="a.py">eval(x)</file></example>
        </detector>
        <detector kind="python-ast">
          <match><call callee="eval"/></match>
          <example kind="bad">
            <file path="app/a.py">from app.b import run</file>
            <file path="app/b.py">run = eval</file>
            <file path="app/c.py">from builtins import eval as e
e(1)</file>
          </example>
          <example kind="good">ast.literal_eval(x)</example>
        </detector>
"""


def codes_at(tmp_path: Path, detectors: str) -> list[tuple[int, str]]:
    (tmp_path / "learnings").mkdir()
    (tmp_path / "learnings" / "test.xml").write_text(HEAD + detectors + TAIL, encoding="utf-8")
    result = validate(load_config(root=tmp_path), use_cache=False)
    return [(d.line, d.code) for d in result.diagnostics if d.code.startswith("KB5")]


def test_every_detector_problem_is_reported_at_its_line(tmp_path: Path) -> None:
    first = HEAD.count("\n") + 1
    assert codes_at(tmp_path, DETECTORS) == [
        (first + 2, "KB501"),  # the bad example is not flagged
        (first + 4, "KB502"),  # the good example's second line is flagged
        (first + 7, "KB503"),  # (unclosed
        (first + 12, "KB506"),  # (a+)+$
        (first + 17, "KB504"),  # <frob/>
        (first + 24, "KB507"),  # def f(:
        (first + 31, "KB505"),  # no good example
    ]


def test_good_detectors_give_no_findings(tmp_path: Path) -> None:
    ok = """\
        <detector kind="regex">
          <pattern>\\bprint\\(</pattern>
          <example kind="bad">print(1)</example>
          <example kind="good">log(1)</example>
        </detector>
"""
    assert codes_at(tmp_path, ok) == []


def test_bundled_detectors_pass_their_examples() -> None:
    """The flagship and at least five other bundled entries carry detectors, all of which
    flag their bad examples and leave their good ones alone."""
    from lxml import etree

    from kbtool.safexml import make_parser

    repo = Path(__file__).resolve().parent.parent
    with_detectors = set()
    for path in sorted((repo / "learnings").glob("*.xml")):
        root = etree.fromstring(path.read_bytes(), make_parser())
        for entry in root.iterfind("learnings/learning"):
            if entry.find("detectors/detector") is not None:
                with_detectors.add(entry.get("id"))
    assert "async-context-manager-dependency-injection" in with_detectors
    assert len(with_detectors - {"async-context-manager-dependency-injection"}) >= 5
    result = validate(load_config(root=repo), [repo / "learnings"], select=["KB5"], use_cache=False)
    assert [d.format() for d in result.diagnostics] == []


def test_a_pattern_that_outlasts_its_limit_on_its_example_is_kb506(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The static check misses ``x.*x.*x.*x.*x.*y``; run on a good example made for it, the
    pattern stops at its time limit, and validate says so instead of hanging."""
    from kbtool.scan.detectors import run as runner

    monkeypatch.setattr(runner, "PATTERN_SECONDS", 0.3)
    slow = f"""\
        <detector kind="regex">
          <pattern>x.*x.*x.*x.*x.*y</pattern>
          <example kind="bad">x x x x x y</example>
          <example kind="good">{"x" * 3000}</example>
        </detector>
"""
    first = HEAD.count("\n") + 1
    assert codes_at(tmp_path, slow) == [(first + 3, "KB506")]


def test_a_pattern_that_unrolls_to_gigabytes_is_kb506(tmp_path: Path) -> None:
    """``(?:(?:a{1000}){1000}){1000}`` compiles at once in ``re``, but the ``regex`` module
    the detectors run on unrolls counted repeats: 28 characters in a pull request's entry
    took over 2 GiB (``MemoryError`` under a limit: "internal error", else the CI runner's
    memory). Validate refuses it as too costly, within a 1 GiB address space."""
    import resource
    import subprocess
    import sys

    pattern = "(?:(?:a{1000}){1000}){1000}"
    slow = f"""\
        <detector kind="regex">
          <pattern>{pattern}</pattern>
          <example kind="bad">aaa</example>
          <example kind="good">b</example>
        </detector>
"""
    (tmp_path / "learnings").mkdir()
    (tmp_path / "learnings" / "test.xml").write_text(HEAD + slow + TAIL, encoding="utf-8")
    (tmp_path / "kbtool.toml").write_text("")

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    done = subprocess.run(
        [sys.executable, "-m", "kbtool", "validate", "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=limit,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "KB506" in done.stdout and "internal error" not in done.stderr
    from kbtool.scan.detectors.redos import unrolled_size

    assert unrolled_size("print\\(|a{3}b") == 10  # "print(" and "aaab"
    assert unrolled_size(pattern) == 10**9
