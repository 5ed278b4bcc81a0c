"""What a new user's first day found: real pytest output, hand-written XML and a first
kbtool.toml, read the way the tutorial and README use them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers_cli import cli

ENTRY = """<?xml version="1.0" encoding="UTF-8"?>
<specification schema-version="1">
  <metadata>
    <name>Learnings - FastAPI</name>
    <type>learnings</type>
    <category>FastAPI</category>
    <version>1.0</version>
    <last_updated>2026-12-01</last_updated>
  </metadata>
  <learnings>
    <learning id="session-dependency" severity="high">
      <title>Depends() given a @contextmanager session</title>
      <date>2026-12-01</date>
      <category>FastAPI</category>
      <description>The route fails.</description>
      <solution>
        {steps}
      </solution>
    </learning>
  </learnings>
</specification>
"""


def _kb(tmp_path: Path, steps: str) -> Path:
    root = tmp_path / "kb"
    (root / "learnings").mkdir(parents=True)
    (root / "kbtool.toml").write_text("")
    (root / "learnings" / "fastapi.xml").write_text(ENTRY.format(steps=steps))
    return root


# ------------------------------------------------------------------ a step's prose


def test_prose_after_code_or_a_comment_in_a_step_is_kept(tmp_path: Path) -> None:
    """A step is mixed content: prose written after its <code>, or after a comment, is the
    step's too. It used to vanish from show, plans, fix reports and JSON."""
    steps = (
        '<step><!-- from the incident -->Drop the decorator:<code lang="python">'
        "def get_session():\n    yield s\n</code>\nThen run the tests again.</step>"
    )
    root = _kb(tmp_path, steps)
    assert cli("--root", str(root), "validate").code == 0
    shown = cli("--root", str(root), "show", "session-dependency", "--format", "json")
    step = json.loads(shown.out)["solution"][0]
    assert step["title"] == "Drop the decorator"
    assert "Then run the tests again." in step["text"]
    kinds = [(b["kind"], b["text"].split("\n")[0]) for b in step["blocks"]]
    assert kinds == [("code", "def get_session():"), ("text", "Then run the tests again.")]
    for argv in (["plan", "session-dependency"], ["render", "fix-report", "session-dependency"]):
        out = cli("--root", str(root), *argv).out
        assert out.index("def get_session") < out.index("Then run the tests again."), argv


# ------------------------------------------------------------------ pytest's output

PYTEST_OUT = """\
============================= test session starts ==============================
collected 1 item

tests/test_items.py F                                                    [100%]

=================================== FAILURES ===================================
__________________________________ test_list ___________________________________

    def test_list():
        c = TestClient(app)
>       assert c.get("/items").json() == []

self = <contextlib._GeneratorContextManager object at 0x7f3a2c1d5e50>

    def __enter__(self):
        try:
>           return next(self.gen)
                   ^^^^^^^^^^^^^^
E           TypeError: '_GeneratorContextManager' object is not an iterator

/usr/lib/python3.11/contextlib.py:137: TypeError
=========================== short test summary info ============================
FAILED tests/test_items.py::test_list - TypeError: '_GeneratorContextManager'...
============================== 1 failed in 1.42s ===============================
"""
FULL = "TypeError: '_GeneratorContextManager' object is not an iterator"


def test_new_from_a_pytest_failure_takes_the_whole_error_line(tmp_path: Path) -> None:
    """Piped, pytest cuts its summary line to 80 columns ("..."); the E line says the error
    whole. `pytest 2>&1 | kbtool new --from-error -` took the cut one as symptom and title."""
    root = tmp_path / "kb"
    assert cli("init", str(root)).code == 0
    added = cli(
        "--root",
        str(root),
        "new",
        "--from-error",
        "-",
        "-c",
        "FastAPI",
        "-s",
        "high",
        "--format",
        "json",
        stdin=PYTEST_OUT,
    )
    assert added.code == 0, added.err
    entry = json.loads(cli("--root", str(root), "list", "--format", "json").out)[0]
    assert entry["title"] == FULL
    shown = json.loads(cli("--root", str(root), "show", entry["id"], "--format", "json").out)
    assert [s["text"] for s in shown["symptoms"]] == [FULL]
    matched = cli("--root", str(root), "match", "-", stdin=PYTEST_OUT)
    assert matched.code == 0 and "exact match" in matched.out
    assert f"line 19: E           {FULL}" in matched.out


def test_a_plan_from_a_log_says_the_error_line_selected_it(tmp_path: Path) -> None:
    """The tutorial's `kbtool plan --match - < run.log` said "Selected by: `INFO exiting`",
    the log's last line, not the error that chose the entry."""
    root = tmp_path / "kb"
    assert cli("init", str(root)).code == 0
    cli(
        "--root",
        str(root),
        "new",
        "--from-error",
        "-",
        "-c",
        "FastAPI",
        "-s",
        "high",
        stdin=PYTEST_OUT,
    )
    log = "INFO starting\n" + PYTEST_OUT + "INFO exiting\n"
    plan = cli("--root", str(root), "plan", "--match", "-", stdin=log)
    assert plan.code == 0, plan.err
    assert f"Selected by: `{FULL}`\n" in plan.out


# ------------------------------------------------------------------ XML written by hand


@pytest.mark.parametrize(
    ("title", "said"),
    [
        ("Pool & timeout", "a bare '&' in text: write &amp;"),
        ("AT&T timeout", "'&' starts an entity reference that no ';' ends: write a literal '&'"),
        ("Pool&nbsp;timeout", "'&nbsp;' is not an XML entity: XML has only &amp; &lt;"),
        ("x < y", "a bare '<' in text: write &lt;"),
        ("List<int> here", "<int> (line 12) is closed by </title>: make the names agree"),
        ("<![CDATA[x]>", "a <![CDATA[ section that no ]]> closes"),
        ("x<!-- a -- b -->", "'--' inside a comment"),
    ],
)
def test_xml_mistakes_are_said_with_what_to_write(tmp_path: Path, title: str, said: str) -> None:
    """libxml2's "xmlParseEntityRef: no name" tells a newcomer nothing; the finding says
    what is wrong and what to write."""
    root = _kb(tmp_path, "<step>Fix it.</step>")
    path = root / "learnings" / "fastapi.xml"
    text = path.read_text().replace("Depends() given a @contextmanager session", title)
    path.write_text(text)
    checked = cli("--root", str(root), "validate")
    assert checked.code == 1
    first = checked.out.splitlines()[0]
    assert "fastapi.xml:" in first and " KB101 " + said in first, first


# ------------------------------------------------------------------ a first kbtool.toml


@pytest.mark.parametrize(
    ("toml", "said"),
    [
        (
            'learnigs = "notes"\n',
            "kbtool.toml: unknown key(s) learnigs (did you mean learnings?); known keys: ",
        ),
        ('max-file-bytes = "big"\n', 'kbtool.toml: max-file-bytes = "big": expected a positive'),
        ("learnings = 5\n", "kbtool.toml: learnings = 5: expected a folder"),
        ('path-map = "x"\n', 'kbtool.toml: path-map = "x": expected a table of strings'),
        ("help-uri = 3\n", "kbtool.toml: help-uri = 3: expected a string"),
        # the template goes into SARIF links and through str.format: no attribute, index or
        # format spec (a width of a billion allocates a gigabyte), no field it cannot fill
        (
            'help-uri = "javascript:alert(1)"\n',
            'help-uri = "javascript:alert(1)": expected an http(s) URL',
        ),
        ('help-uri = "https://kb/{id.__class__}"\n', "may name {id}, {path}, {line} only"),
        ('help-uri = "https://kb/{id:>999999999}"\n', "may name {id}, {path}, {line} only"),
        ('help-uri = "https://kb/{nope}"\n', "may name {id}, {path}, {line} only"),
        ('help-uri = "https://kb/{id"\n', "not a valid template"),
        ('cache = ""\n', 'kbtool.toml: cache = "": expected a folder'),
    ],
)
def test_a_kbtool_toml_mistake_names_the_file_key_and_value(
    tmp_path: Path, toml: str, said: str
) -> None:
    """A typo'd key or a wrong type: the error names the file, the key as written there
    (no "[tool.kbtool]" in a kbtool.toml), the value, and what was expected; exit 3."""
    root = _kb(tmp_path, "<step>Fix it.</step>")
    (root / "kbtool.toml").write_text(toml)
    listed = cli("--root", str(root), "list")
    assert listed.code == 3
    assert said in listed.err, listed.err
    assert "[tool.kbtool]" not in listed.err


def test_a_pyproject_mistake_names_its_table(tmp_path: Path) -> None:
    root = _kb(tmp_path, "<step>Fix it.</step>")
    (root / "kbtool.toml").unlink()
    (root / "pyproject.toml").write_text("[tool.kbtool]\nmax-file-bytes = -1\n")
    listed = cli("--root", str(root), "list")
    assert listed.code == 3
    assert "pyproject.toml: [tool.kbtool] max-file-bytes = -1: expected a positive" in listed.err


def test_kb404_says_the_href_to_add(tmp_path: Path) -> None:
    """`kbtool render fix-report ID -o learnings/reports/x.md` writes a report that cites
    its entry; KB404 then asked for `<fix-report href="..."/>`: it says the href now."""
    root = _kb(tmp_path, "<step>Fix it.</step>")
    report = "learnings/reports/session.md"
    out = cli(
        "--root", str(root), "render", "fix-report", "session-dependency", "-o", str(root / report)
    )
    assert out.code == 0, out.err
    checked = cli("--root", str(root), "validate", "--strict")
    assert checked.code == 1
    assert (
        '<fix-report href="reports/session.md"/> to its <references> in learnings/fastapi.xml:11'
        in checked.out
    )


def test_stats_of_a_new_kb_says_how_to_add_an_entry(tmp_path: Path) -> None:
    """Right after `kbtool init`, stats printed five headings with nothing under them."""
    root = tmp_path / "kb"
    assert cli("init", str(root)).code == 0
    stats = cli("--root", str(root), "stats")
    assert stats.code == 0
    lines = stats.out.splitlines()
    assert lines[0].startswith("0 entries in 0 files (as of ")
    assert lines[1:] == [
        "",
        'Add the first: kbtool new "Title" -c Category, '
        "or: pytest 2>&1 | kbtool new --from-error - -c Category",
    ]


def test_validate_of_a_file_that_is_not_xml_says_so(tmp_path: Path) -> None:
    root = _kb(tmp_path, "<step>Fix it.</step>")
    (root / "app.py").write_text("def f():\n    pass\n")
    checked = cli("--root", str(root), "validate", str(root / "app.py"))
    assert checked.code == 1
    assert "app.py:1:1: KB101 not XML: the file does not begin with a tag" in checked.out


def test_the_kbtool_toml_init_writes_says_the_defaults(tmp_path: Path) -> None:
    """Its comment says "these are the defaults": uncommented, every line must change
    nothing (templates = "templates" turned a folder on)."""
    from kbtool.config import load_config

    root = tmp_path / "kb"
    assert cli("init", str(root)).code == 0
    toml = root / "kbtool.toml"
    bare = load_config(root=root)
    lines = toml.read_text().splitlines()[1:]
    assert lines and all(line.startswith("# ") for line in lines)
    toml.write_text("\n".join(line[2:] for line in lines) + "\n")
    uncommented = load_config(root=root)
    for name in ("learnings_dir", "reports_dir", "templates_dir", "cache_dir", "max_file_bytes"):
        assert getattr(uncommented, name) == getattr(bare, name), name


def test_import_report_counts_one_code_block_in_the_singular(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    assert cli("init", str(root)).code == 0
    report = root / "learnings" / "reports" / "r.md"
    report.write_text(
        "# Session leak\n\n## Problem\n\nIt fails.\n\n## Solution\n\n"
        "Use a generator:\n\n```python\ndef f():\n    yield 1\n```\n"
    )
    out = cli("--root", str(root), "import-report", str(report), "-c", "FastAPI")
    assert out.code == 0, out.err
    assert "; 1 code block\n" in out.out
