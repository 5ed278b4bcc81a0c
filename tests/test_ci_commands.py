"""Text from a hostile pull request never becomes a CI runner command (kbtool/cicommands.py).

A hostile repository puts runner command markers in every field kbtool echoes: an entry's
title, symptom, description, cause, step, code, check, tag and detector message, an attribute
value validate quotes, a file name, a fix report, a legacy Markdown note for ``migrate`` and a
log piped to ``match``. Each printing command runs as CI runs it (the console script in a
subprocess, its output a pipe) with ``GITHUB_ACTIONS=true``, ``TF_BUILD=True`` and
``TEAMCITY_VERSION`` set, and :func:`runner_commands` reads every line of stdout and stderr
by the runners' own rules (actions/runner ``ActionCommand.TryParseV2``/``TryParse`` with
``stop-commands``; azure-pipelines-agent ``Command.TryParse``; TeamCity service messages).
``pytest -s`` prints how many (command x hostile field) pairs leak.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers_ci import RUNNER_ENV, runner_commands
from hypothesis import example, given, settings
from hypothesis import strategies as st


def test_the_parser_reads_commands_as_the_runners_do() -> None:
    """The parser itself: what each runner takes for a command, and what it does not."""
    names = [
        (f.runner, f.name)
        for f in runner_commands(
            "::add-mask::x\n  \t::ERROR file=a::y\rx ##[warning]z\n"
            "log ##vso[task.setvariable variable=X]1\n##teamcity[message text='t']\n"
            "std::vector::x\n:: ::\n##[unknown]x\n##vso[nodot]x\n"
            "::stop-commands::T1\n::error::hidden\n::t1::\n::notice::shown"
        )
    ]
    assert names == [
        ("github", "add-mask"),
        ("github", "error"),
        ("github-v1", "warning"),
        ("azure", "task.setvariable"),
        ("teamcity", ""),
        ("github", "stop-commands"),
        ("github", "notice"),
    ]


# ----------------------------------------------------------------- the hostile repository

FIELDS = (
    "title",
    "symptom",
    "description",
    "cause",
    "step",
    "code",
    "check",
    "tag",
    "detector",
    "attribute",
    "carriage",
    "filename",
    "report",
    "legacy",
    "log",
    "config",
)


def markers(field: str) -> list[str]:
    """Each kind of command marker, carrying ``KBLEAK_<field>``."""
    tag = f"KBLEAK_{field}"
    return [
        f"::add-mask::{tag}",
        f"  ::error::{tag}",
        f"x ##[error]{tag}",
        f"##vso[task.setvariable variable={tag}]y",
        f"##teamcity[message text='{tag}']",
    ]


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def one_line(field: str) -> str:
    return _xml(" ".join(markers(field)))


def many_lines(field: str) -> str:
    return _xml("\n".join(markers(field)))


def _entry(entry_id: str, title: str, body: str = "", severity: str = "high") -> str:
    return f"""    <learning id="{entry_id}" severity="{severity}" status="active">
      <title>{title}</title>
      <date>2025-06-01</date>
      <category>Hostile</category>
      <description>Pool exhausted under load.{body}</description>
    </learning>
"""


def _category(*entries: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<specification schema-version="1">\n'
        "  <metadata>\n    <name>Learnings - Hostile</name>\n    <type>learnings</type>\n"
        "    <category>Hostile</category>\n    <version>1.0</version>\n"
        "    <last_updated>2025-06-01</last_updated>\n"
        "    <description>Hostile entries.</description>\n  </metadata>\n  <learnings>\n"
        + "".join(entries)
        + "  </learnings>\n</specification>\n"
    )


MAIN_ENTRY = f"""    <learning id="pool-exhausted" severity="high" status="active">
      <title>{one_line("title")}</title>
      <date>2025-06-01</date>
      <category>Hostile</category>
      <description>Connection pool exhausted.
{many_lines("description")}</description>
      <tags>
        <tag>{_xml(markers("tag")[3])}</tag>
      </tags>
      <symptoms>
        <symptom>QueuePool limit of size 5 overflow 10 reached, connection timed out</symptom>
        <symptom>Pool overflow {one_line("symptom")}</symptom>
      </symptoms>
      <root-causes>
        <cause>Sessions are never closed.
{many_lines("cause")}</cause>
      </root-causes>
      <solution>
        <step>Close every session.
{many_lines("step")}<code lang="python">with Session() as s:
{many_lines("code")}</code></step>
      </solution>
      <verification>
        <check>Load test passes.
{many_lines("check")}</check>
      </verification>
      <detectors>
        <detector kind="regex">
          <message>Session opened without a context manager {one_line("detector")}</message>
          <files>**/*.py</files>
          <pattern>\\bSession\\(\\)\\.query</pattern>
          <example kind="bad" path="app/db.py">Session().query(User)</example>
          <example kind="good" path="app/db.py">with Session() as s: s.query(User)</example>
        </detector>
      </detectors>
    </learning>
"""

REPORT = f"""# Pool exhausted Fix Report {one_line("report").replace("&amp;", "&")}

## Problem Statement
QueuePool limit reached.
{chr(10).join(markers("report"))}

## Root Cause Analysis - Five Whys

### Why #1: Why?
**Answer:** Sessions leak.
{chr(10).join(markers("report"))}

## Solution Implemented

### 1. Close them
{chr(10).join(markers("report"))}

## Related

- [pool-exhausted](../learnings/hostile.xml)
"""

LEGACY = f"""{" ".join(markers("legacy"))}
=====================

Date: 12/03/2024

Problem
-------

{chr(10).join(markers("legacy"))}

Fix
---

1. {markers("legacy")[0]}
2. {markers("legacy")[3]}
"""

LOG = "\n".join(
    [
        "Traceback (most recent call last):",
        *markers("log"),
        "sqlalchemy.exc.TimeoutError: QueuePool limit of size 5 overflow 10 reached, "
        "connection timed out " + markers("log")[3],
    ]
)

FILE_NAME = f"##vso[task.setvariable variable=KBLEAK_filename]x {markers('filename')[2]}.xml"


def build(root: Path) -> Path:
    (root / "learnings").mkdir(parents=True)
    (root / "reports").mkdir()
    (root / "legacy").mkdir()
    (root / "app").mkdir()
    (root / "kbtool.toml").write_text('learnings = "learnings"\nreports = "reports"\n')
    (root / "learnings" / "hostile.xml").write_text(
        _category(
            MAIN_ENTRY,
            _entry(
                "carriage-return",
                "Pool&#13;::add-mask::KBLEAK_carriage",
                "&#13;  ::error::KBLEAK_carriage",
            ),
            _entry(
                "bad-severity",
                "Pool bad severity",
                severity="##vso[task.setvariable variable=KBLEAK_attribute]y",
            ),
        )
    )
    (root / "learnings" / FILE_NAME).write_text(
        _category(_entry("named-file", "Pool in a hostile file name"))
    )
    # Shown at the start of a line when kbtool runs in the learnings folder.
    (root / "learnings" / "::add-mask::KBLEAK_filename.xml").write_text(
        _category(_entry("colon-file", "Pool in a file named with colons"))
    )
    (root / "reports" / "pool.md").write_text(REPORT)
    (root / "legacy" / "pool.md").write_text(LEGACY)
    (root / "app" / "db.py").write_text("Session().query(User)\n")
    (root / "log.txt").write_text(LOG + "\n")
    return root


# ----------------------------------------------------------------- the commands CI runs

COMMANDS: dict[str, tuple[list[str], str | None]] = {
    "validate": (["validate"], None),
    "validate-github": (["validate", "--format", "github"], None),
    "validate-json": (["validate", "--format", "json"], None),
    "validate-sarif": (["validate", "--format", "sarif"], None),
    "search": (["search", "pool"], None),
    "search-json": (["search", "pool", "--format", "json"], None),
    "list": (["list"], None),
    "match": (["match", "-"], LOG),
    "match-json": (["match", "-", "--format", "json"], LOG),
    "plan": (["plan", "--match", "-"], LOG),
    "plan-id": (["plan", "pool-exhausted"], None),
    "show": (["show", "pool-exhausted"], None),
    "show-json": (["show", "pool-exhausted", "--format", "json"], None),
    "show-named": (["show", "named-file"], None),
    "render": (["render", "fix-report.md.j2", "pool-exhausted"], None),
    "render-plan": (
        ["render", "remediation-plan.md.j2", "pool-exhausted", "carriage-return"],
        None,
    ),
    "render-index": (["render", "index.md.j2"], None),
    "links": (["links", "pool-exhausted"], None),
    "scan": (["scan", "app"], None),
    "scan-github": (["scan", "app", "--format", "github"], None),
    "import-report": (["import-report", "reports/pool.md", "--dry-run"], None),
    "migrate": (["migrate", "legacy", "--dry-run", "-o", "migrated"], None),
    "migrate-diff": (["migrate", "legacy", "--diff", "-o", "migrated"], None),
    "stats": (["stats"], None),
    "list-json": (["list", "--format", "json"], None),
    "links-json": (["links", "pool-exhausted", "--format", "json"], None),
    "scan-json": (["scan", "app", "--format", "json"], None),
    "scan-sarif": (["scan", "app", "--format", "sarif"], None),
    "import-report-json": (
        ["import-report", "reports/pool.md", "--dry-run", "--format", "json"],
        None,
    ),
    "migrate-json": (["migrate", "legacy", "--dry-run", "-o", "migrated", "-f", "json"], None),
}

#: Commands run in a repository whose kbtool.toml has a hostile key (an error names it).
CONFIG_COMMANDS = {"config-validate": ["validate"], "config-search": ["search", "pool"]}


def run(
    root: Path,
    args: list[str],
    stdin: str | None,
    env: dict[str, str],
    stdout: object = None,
    cwd: Path | None = None,
) -> tuple[str, str]:
    """(stdout, stderr) of the console script run in ``root`` (or ``cwd``) as CI runs it:
    into pipes, or stdout into the file ``stdout``."""
    base = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "KBTOOL_DEBUG")}
    base.update(NO_COLOR="1", XDG_CACHE_HOME=str(root.parent / "xdg"), COLUMNS="100", **env)
    proc = subprocess.run(
        [sys.executable, "-m", "kbtool", *args],
        cwd=cwd or root,
        env=base,
        input=stdin,
        stdout=stdout or subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        check=False,
    )
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    return proc.stdout or "", proc.stderr


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, str]]:
    """(stdout, stderr) of each command."""
    world = tmp_path_factory.mktemp("ci")
    root = build(world / "repo")
    found = {name: run(root, args, stdin, RUNNER_ENV) for name, (args, stdin) in COMMANDS.items()}
    bad = build(world / "badconfig")
    with (bad / "kbtool.toml").open("a") as toml:
        toml.write(f'"{markers("config")[3]}" = 1\n')
    for name, args in CONFIG_COMMANDS.items():
        found[name] = run(bad, args, None, RUNNER_ENV)
    inside = ["--root", "..", "validate"]
    found["validate-in-learnings"] = run(root, inside, None, RUNNER_ENV, cwd=root / "learnings")
    return found


def _leaks(name: str, text: str) -> set[str]:
    """The hostile fields whose text became a command in ``text``."""
    fields = set()
    for found in runner_commands(text):
        if name.endswith("-github") and found.runner == "github" and "KBLEAK_" not in found.name:
            continue  # kbtool's own annotation: its data is checked below
        for field in FIELDS:
            if f"KBLEAK_{field}" in found.line:
                fields.add(field)
        if not any(f"KBLEAK_{f}" in found.line for f in FIELDS):
            fields.add("(unattributed)")
    return fields


def test_no_hostile_field_becomes_a_runner_command(
    outputs: dict[str, tuple[str, str]],
) -> None:
    texts = {name: out + "\n" + err for name, (out, err) in outputs.items()}
    reached = {name: {f for f in FIELDS if f"KBLEAK_{f}" in text} for name, text in texts.items()}
    leaks = {name: _leaks(name, text) for name, text in texts.items()}
    pairs = sum(len(fields) for fields in reached.values())
    leaked = sum(len(fields) for fields in leaks.values())
    print(f"\nCI runner commands: {leaked} of {pairs} (command x hostile field) pairs leaked")
    for name, fields in leaks.items():
        if fields:
            print(f"  {name}: {', '.join(sorted(fields))}")
    # The battery must reach what it tests: each field is echoed by some command.
    assert set().union(*reached.values()) >= set(FIELDS) - {"attribute"}, reached
    assert leaked == 0, {name: sorted(f) for name, f in leaks.items() if f}


def test_deliberate_annotations_still_parse(outputs: dict[str, tuple[str, str]]) -> None:
    """``--format github`` still gives its annotations, their data escaped as the runner
    expects; the markers inside them give no other command."""
    for name in ("validate-github", "scan-github"):
        commands = runner_commands(outputs[name][0])
        annotations = [f for f in commands if f.runner == "github"]
        assert annotations, outputs[name]
        assert all(f.name in ("error", "warning") for f in commands), commands
        assert all("file=" in f.props for f in annotations), annotations
    scan = [f for f in runner_commands(outputs["scan-github"][0]) if f.runner == "github"]
    data = scan[0].data.replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")
    assert "Session opened without a context manager" in data
    assert "KBLEAK_detector" in data  # the hostile text is still there, as data


@pytest.mark.parametrize(
    "name", [n for n in COMMANDS if n.endswith(("-json", "-sarif")) and n != "migrate-json"]
)
def test_json_output_decodes_to_the_original_text(
    outputs: dict[str, tuple[str, str]], name: str
) -> None:
    """JSON writes a marker's ``#`` as ``\\u0023``: the same strings, no command in the bytes."""
    stdout = outputs[name][0]
    value = json.loads(stdout)
    assert runner_commands(stdout) == []  # and so the guard had nothing to break
    decoded = json.dumps(value, ensure_ascii=False)
    assert "KBLEAK_" in decoded, decoded[:500]  # the hostile text is there, decoded
    if name == "show-json":
        for marker in markers("description"):
            assert json.dumps(marker)[1:-1] in decoded


def test_a_regular_file_gets_the_bytes_unchanged(tmp_path: Path) -> None:
    """``kbtool plan > plan.md`` is no runner's log: its Markdown is kept byte for byte."""
    root = build(tmp_path / "repo")
    plain = run(root, ["plan", "pool-exhausted"], None, {})[0]
    out = tmp_path / "plan.md"
    with out.open("w") as stream:
        run(root, ["plan", "pool-exhausted"], None, RUNNER_ENV, stdout=stream)
    assert out.read_text() == plain
    assert "::add-mask::KBLEAK_step" in plain  # the file keeps the text as it is


# ----------------------------------------------------------------- the guard itself


class _Sink:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass


@pytest.mark.parametrize("cut", range(1, 12))
def test_a_marker_split_across_writes_and_flushes_is_still_broken(cut: int) -> None:
    from kbtool.cicommands import CommandGuard

    text = "  ::add-mask::x\nlog ##vso[task.setvariable variable=X]y\n\u3000::error::z\n"
    sink = _Sink()
    guard = CommandGuard(sink)  # type: ignore[arg-type]
    for at in range(0, len(text), cut):
        guard.write(text[at : at + cut])
        if at % 3 == 0:
            guard.flush()
    guard.flush()
    assert runner_commands(sink.text) == []
    assert sink.text.replace("\\", "") == text  # one backslash a marker, nothing else


def test_breaking_a_marker_reads_the_same_in_markdown() -> None:
    """A backslash before ``:`` or ``#`` is a Markdown escape: the rendered prose is the same."""
    from markdown_it import MarkdownIt

    from kbtool.cicommands import defuse

    md = MarkdownIt()
    for line in ["::add-mask::x", "see ##[error]x and ##vso[task.setvariable variable=X]y"]:
        assert md.render(defuse(line)) == md.render(line)
    assert defuse("std::vector and ## [heading]") == "std::vector and ## [heading]"


def test_json_dumps_is_the_same_value_without_markers() -> None:
    from kbtool.cicommands import json_dumps

    value = {"a": "###[x] ##vso[task.x]y \\##[z]", "b": ["::add-mask::x"]}
    text = json_dumps(value, indent=2)
    assert json.loads(text) == value
    assert "##[" not in text and "##vso[" not in text
    assert json_dumps("## What it does") == '"## What it does"'  # not a marker: as it was
    assert runner_commands(text) == []


def test_every_printed_json_document_goes_through_json_dumps() -> None:
    """A JSON printer that bypasses :func:`json_dumps` would leave ``##[`` in its bytes, and
    the guard's backslash would then make its output invalid JSON in CI."""
    kbtool = Path(__file__).resolve().parent.parent / "kbtool"
    printing = [*(kbtool / "cli").rglob("*.py"), *(kbtool / "reporters").rglob("*.py")]
    printing += [kbtool / "show.py", kbtool / "export" / "ndjson.py"]
    offenders = [
        f"{path.relative_to(kbtool)}:{number}"
        for path in printing
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "json.dump(" in line or "json.dumps(" in line
    ]
    assert offenders == []


_IGNORED = "\x01\x1f\u200b\u2066"  # skipped by a culture-sensitive .NET comparison
#: What commands are made of, to be put together in any order.
_PIECES = [
    *"::#[]. \t\n\rx\u3000",
    *_IGNORED,
    "::",
    "##",
    "error",
    "ADD-MASK",
    "stop-commands",
    "vso",
    "teamcity",
    "task.setvariable",
    "\r\n",
]


@given(
    text=st.lists(st.sampled_from(_PIECES), max_size=24).map("".join),
    cuts=st.lists(st.integers(min_value=0, max_value=60), max_size=8),
    flushes=st.lists(st.booleans(), max_size=9),
)
@settings(max_examples=400, deadline=None)
@example(text="#\x01#[x]\n\x1f:\u200b:a::b", cuts=[1, 3], flushes=[True, True])
def test_the_guard_leaves_no_command_however_the_text_is_written(
    text: str, cuts: list[int], flushes: list[bool]
) -> None:
    """Any text, written in any pieces with flushes between them: no line a runner reads
    (even skipping the characters .NET may ignore) is a command, and only backslashes were
    added."""
    from kbtool.cicommands import CommandGuard

    sink = _Sink()
    guard = CommandGuard(sink)  # type: ignore[arg-type]
    at = 0
    for n, cut in enumerate(sorted(cuts)):
        guard.write(text[at:cut])
        at = max(at, cut)
        if n < len(flushes) and flushes[n]:
            guard.flush()
    guard.write(text[at:])
    guard.flush()
    seen = sink.text.translate({ord(c): None for c in _IGNORED})
    assert runner_commands(seen) == [], repr(sink.text)
    assert sink.text.replace("\\", "") == text
