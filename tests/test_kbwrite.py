"""Writing entries into a KB (kbtool.kbwrite), `kbtool new` and `kbtool report new`."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from helpers_cli import cli
from hypothesis import given, settings
from hypothesis import strategies as st

from kbtool.config import load_config
from kbtool.errors import UnsafePathError, UsageError
from kbtool.kbwrite import add_learning, add_reference, make_id, slugify
from kbtool.model import ID_RE, Learning, Reference

HERE = Path(__file__).resolve().parent
LINKS_KB = HERE / "fixtures" / "links_kb"

ODD_FILE = (
    '\ufeff<?xml version="1.0" encoding="UTF-8"?>\r\n'
    "<!-- a comment before the root -->\r\n"
    "<specification schema-version='1'>\r\n"
    "\t<metadata>\r\n"
    "\t\t<name>Learnings - Python/AsyncIO</name>\r\n"
    "\t\t<type>learnings</type>\r\n"
    "\t\t<category>Python/AsyncIO</category>\r\n"
    "\t\t<last_updated>2025-01-01</last_updated>\r\n"
    "\t</metadata>\r\n"
    "\t<learnings>\r\n"
    "\t\t<!-- keep this comment -->\r\n"
    '\t\t<learning id="first" severity="low">\r\n'
    "\t\t\t<title>A &amp; B with a &gt; in it</title>\r\n"
    "\t\t\t<date>2025-01-01</date>\r\n"
    "\t\t\t<category>Python/AsyncIO</category>\r\n"
    "\t\t\t<description><![CDATA[kept <as> CDATA]]></description>\r\n"
    "\t\t\t<review-by>2026-01-01</review-by>\r\n"
    "\t\t</learning>\r\n"
    "\t</learnings>\r\n"
    "</specification>\r\n"
)


def make_kb(tmp_path: Path) -> Path:
    root = tmp_path / "kb"
    (root / "learnings").mkdir(parents=True)
    (root / "kbtool.toml").write_text('[tool.kbtool]\nlearnings = "learnings"\n')
    return root


def learning(entry_id: str = "second", category: str = "Python/AsyncIO") -> Learning:
    return Learning(
        id=entry_id,
        title="Second <entry> & more",
        date=dt.date(2025, 2, 3),
        category=category,
        description="Line one\nline two",
    )


# ------------------------------------------------------------------ ids


def test_make_id_examples() -> None:
    assert make_id("Pool exhausted (v2)!", set()) == "pool-exhausted-v2"
    assert make_id("Ünïcödé — title", set()) == "unicode-title"
    assert make_id("!!!", set()) == "entry"
    assert make_id("Pool exhausted", {"pool-exhausted"}) == "pool-exhausted-2"
    assert make_id("Pool exhausted", {"pool-exhausted", "pool-exhausted-2"}) == "pool-exhausted-3"
    assert len(slugify("word " * 40)) <= 60


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=200),
    st.sets(st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}", fullmatch=True), max_size=20),
)
def test_make_id_is_valid_and_new(title: str, taken: set[str]) -> None:
    new = make_id(title, taken)
    assert ID_RE.match(new)
    assert new not in taken


# ------------------------------------------------------------------ add_learning


def test_new_file_gets_metadata_and_validates(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    config = load_config(root=root)
    result = add_learning(config, learning(category="Database/AsyncIO"))
    assert result.created and result.path.name == "database_asyncio.xml"
    text = result.path.read_text()
    assert "<name>Learnings - Database/AsyncIO</name>" in text
    assert "<last_updated>2025-02-03</last_updated>" in text
    assert cli("--root", str(root), "validate", "--no-cache").code == 0


def test_existing_file_keeps_everything_else(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    path = root / "learnings" / "python_asyncio.xml"
    path.write_bytes(ODD_FILE.encode("utf-8"))
    config = load_config(root=root)
    result = add_learning(config, learning(), taken={"first"})
    assert not result.created
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    assert "\n" not in text.replace("\r\n", "")  # CRLF kept everywhere
    new_block = (
        '\t\t<learning id="second">\r\n'
        "\t\t\t<title>Second &lt;entry> &amp; more</title>\r\n"
        "\t\t\t<date>2025-02-03</date>\r\n"
        "\t\t\t<category>Python/AsyncIO</category>\r\n"
        "\t\t\t<description>Line one\r\nline two</description>\r\n"
        "\t\t</learning>\r\n"
    )
    expected = ODD_FILE.replace("<last_updated>2025-01-01", "<last_updated>2025-02-03")
    expected = expected.replace("\t</learnings>", new_block + "\t</learnings>")
    assert text == expected.lstrip("\ufeff")
    assert result.line == 19


def test_duplicate_id_and_outside_paths_are_refused(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    path = root / "learnings" / "python_asyncio.xml"
    path.write_bytes(ODD_FILE.encode("utf-8"))
    config = load_config(root=root)
    with pytest.raises(UsageError, match="already"):
        add_learning(config, learning("first"))
    outside = tmp_path / "outside.xml"
    outside.write_text("<x/>")
    (root / "learnings" / "ops.xml").symlink_to(outside)
    with pytest.raises(UnsafePathError):
        add_learning(config, learning(category="Ops"))
    assert outside.read_text() == "<x/>"


def test_unparsable_file_is_left_alone(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    path = root / "learnings" / "python_asyncio.xml"
    path.write_text("<specification><metadata>")
    with pytest.raises(UsageError, match="does not parse"):
        add_learning(load_config(root=root), learning())
    assert path.read_text() == "<specification><metadata>"


def test_add_reference_in_schema_position(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    path = root / "learnings" / "python_asyncio.xml"
    path.write_bytes(ODD_FILE.encode("utf-8"))
    config = load_config(root=root)
    ref = Reference(kind="fix-report", target="reports/first.md")
    assert add_reference(config, "first", ref).changed
    text = path.read_bytes()[3:].decode()
    assert (
        '\t\t\t<references>\r\n\t\t\t\t<fix-report href="reports/first.md"/>\r\n'
        "\t\t\t</references>\r\n\t\t\t<review-by>"
    ) in text
    assert not add_reference(config, "first", ref).changed
    add_reference(config, "first", Reference(kind="learning", target="other"))
    assert (
        '<fix-report href="reports/first.md"/>\r\n\t\t\t\t<learning ref="other"/>'
        in path.read_bytes()[3:].decode()
    )
    with pytest.raises(UsageError, match="no entry"):
        add_reference(config, "nope", ref)


# ------------------------------------------------------------------ kbtool new / report new


def test_new_command(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    result = cli(
        "--root",
        str(root),
        "new",
        "--title",
        "Session used after close",
        "--category",
        "Database/SQLAlchemy",
        "--severity",
        "high",
        "--tag",
        "sqlalchemy",
        "--format",
        "json",
    )
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["id"] == "session-used-after-close" and data["created_file"]
    text = (root / "learnings" / "database_sqlalchemy.xml").read_text()
    assert f"<date>{dt.date.today().isoformat()}</date>" in text
    assert '<learning id="session-used-after-close" severity="high">' in text
    again = cli(
        "--root",
        str(root),
        "new",
        "--title",
        "Session used after close",
        "-c",
        "Database/SQLAlchemy",
        "-s",
        "low",
    )
    assert "'session-used-after-close-2'" in again.out
    assert cli("--root", str(root), "validate", "--no-cache").code == 0


def test_new_takes_the_title_as_words(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    args = ("--root", str(root), "new", "Pool", "exhausted", "at", "night", "-c", "Ops")
    result = cli(*args, "-f", "json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["id"] == "pool-exhausted-at-night"
    both = cli(*args, "--title", "Other")
    assert both.code == 2 and "give the title once" in both.err


def test_new_without_terminal_needs_options(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    result = cli("--root", str(root), "new", "--category", "X")
    assert result.code == 2 and "--title is needed" in result.err
    assert cli("--root", str(root), "new", "--title", "T", "-c", "X", "-s", "urgent").code == 2


def test_new_reads_piped_answers(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    answers = "Tasks leak on cancel\nPython/AsyncIO\nmedium\n\n"  # empty: description = title
    result = cli("--root", str(root), "new", "--format", "json", stdin=answers)
    assert result.code == 0, result.err
    assert json.loads(result.out)["id"] == "tasks-leak-on-cancel"
    text = (root / "learnings" / "python_asyncio.xml").read_text()
    assert '<learning id="tasks-leak-on-cancel" severity="medium">' in text
    assert "<description>Tasks leak on cancel</description>" in text
    short = cli("--root", str(root), "new", "-c", "X", stdin="")  # nothing piped: still needed
    assert short.code == 2 and "--title is needed" in short.err
    bad = cli("--root", str(root), "new", stdin="T\nX\nurgent\n")
    assert bad.code == 2 and "'urgent'" in bad.err


def test_report_new_links_both_ways(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    shutil.copytree(LINKS_KB, root)
    result = cli("--root", str(root), "report", "new", "idle-in-transaction-timeout")
    assert result.code == 0, result.err
    report = root / "learnings" / "reports" / "idle-in-transaction-timeout.md"
    text = report.read_text()
    # the title's code-like words are in code spans, as in every rendered title
    assert text.startswith("# `idle_in_transaction_session_timeout` kills")
    assert "### Why #5: _Why …?_" in text  # skeleton placeholders
    entry = "learnings/database_postgres.xml#idle-in-transaction-timeout"
    assert f"- Learning entry: [{entry}](../database_postgres.xml#L24)" in text
    xml = (root / "learnings" / "database_postgres.xml").read_text()
    assert '<fix-report href="reports/idle-in-transaction-timeout.md"/>' in xml
    validate = cli("--root", str(root), "validate", "--no-cache")
    assert "reports/idle-in-transaction-timeout.md" not in validate.out  # no KB401/KB405
    again = cli("--root", str(root), "report", "new", "idle-in-transaction-timeout")
    assert again.code == 2 and "--force" in again.err
    assert (
        cli("--root", str(root), "report", "new", "idle-in-transaction-timeout", "--force").code
        == 0
    )


def test_report_new_dry_run_writes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    shutil.copytree(LINKS_KB, root)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    args = ("--root", str(root), "report", "new", "idle-in-transaction-timeout", "--dry-run")
    text = cli(*args)
    assert text.code == 0, text.err
    assert "### Why #5: _Why …?_" in text.out and "would write" in text.err
    data = json.loads(cli(*args, "-f", "json").out)
    assert data["dry_run"] and data["linked"] and data["text"] == text.out
    after = {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and ".kbtool" not in p.parts}
    assert after == {p: b for p, b in before.items() if ".kbtool" not in p.parts}


def test_new_opens_the_editor_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_kb(tmp_path)
    log = tmp_path / "editor.log"
    script = tmp_path / "fake-editor"
    script.write_text(f'#!/bin/sh\necho "$@" > {log}\n')
    script.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(script))
    monkeypatch.delenv("VISUAL", raising=False)
    result = cli("--root", str(root), "new", "--title", "Edit me", "-c", "X", "--edit")
    assert result.code == 0, result.err
    assert log.read_text().strip().endswith("learnings/x.xml")
