"""Output escaping (kbtool.textsafe): hidden characters never reach a terminal as themselves,
and JSON written through the escaping stream stays valid JSON with the same strings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from search_kb import copy_kb

from kbtool.textsafe import _pattern, escape_hidden

HIDDEN_SAMPLES = "\u00ad\u202e\u200b\u2028\ufeff\U000e0041\U000e007f\u009b\u009d\u0085"
#: C1 control characters (U+0080-U+009F) are allowed in XML 1.0, and a terminal reads them
#: as ESC sequences: U+009B is CSI (colours, cursor moves), U+009D OSC (OSC 8 links, OSC 52
#: clipboard writes), U+009C ends an OSC.
C1_TITLE = "Retry storm \u009b2J\u009d8;;https://evil.example/\u009cafter\u009d52;c;cHduZWQ=\u009c"


@given(st.text(alphabet=st.sampled_from(list(HIDDEN_SAMPLES) + list('ab "\\\n\u00e9\u65e5'))))
def test_escaped_json_reads_back_as_the_same_strings(text: str) -> None:
    escaped = escape_hidden(json.dumps({"t": text}, ensure_ascii=False))
    assert _pattern("_HIDDEN").search(escaped) is None
    assert not any("\x80" <= c <= "\x9f" for c in escaped)
    assert json.loads(escaped) == {"t": text}


def test_list_json_with_a_soft_hyphen_and_a_tag_character_is_valid_json(tmp_path: Path) -> None:
    config = copy_kb(tmp_path)
    path = config.learnings_dir / "api_http.xml"
    text = path.read_text(encoding="utf-8")
    title = "Retry\u00adstorm \U000e0041 after"
    path.write_text(text.replace("Retry storm after", title, 1), encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "kbtool", "list", "--format", "json"],
        cwd=config.root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "\u00ad" not in out and "\\u00ad" in out and "\\udb40\\udc41" in out
    titles = [e["title"] for e in json.loads(out)]
    assert any(t.startswith(title) for t in titles), titles


@pytest.mark.parametrize(
    "args",
    [
        ["show", "retry-storm-after-timeout"],
        ["show", "retry-storm-after-timeout", "--format", "json"],
        ["show", "retry-storm-after-timeout", "--format", "md"],
        ["show", "retry-storm-after-timeout", "--format", "xml"],
        ["search", "retry", "--format", "json"],
        ["list", "--format", "json"],
        ["plan", "retry-storm-after-timeout"],
    ],
)
def test_c1_controls_in_an_entry_never_reach_the_terminal(tmp_path: Path, args: list[str]) -> None:
    config = copy_kb(tmp_path)
    path = config.learnings_dir / "api_http.xml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Retry storm after", C1_TITLE, 1), encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "kbtool", *args],
        cwd=config.root,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PAGER": "cat"},
    ).stdout
    assert "retry" in out.lower()
    assert not [c for c in out if "\x80" <= c <= "\x9f"], out[:500]
    if "json" in args:  # escaped the JSON way: the same strings
        assert C1_TITLE in json.dumps(json.loads(out), ensure_ascii=False)


def _display_path_by_pathlib(path: object) -> str:
    """display_path as it was written before its string fast path."""
    import os
    from pathlib import Path

    p = Path(path)  # type: ignore[arg-type]
    try:
        inside = p.is_absolute() and (p.relative_to(Path.cwd()) is not None)
    except ValueError:
        inside = False
    return os.path.relpath(p) if inside else os.fsdecode(p)


def test_display_path_fast_path_says_what_pathlib_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kbtool.textsafe import display_path

    (tmp_path / "kb" / "learnings").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "kb")
    for path in [
        tmp_path / "kb",
        tmp_path / "kb" / "learnings" / "a.xml",
        str(tmp_path / "kb" / "learnings" / "a.xml"),
        tmp_path / "kbx" / "a.xml",  # a sibling whose name starts like the working folder
        tmp_path / "other.xml",
        f"{tmp_path}/kb//learnings/./a.xml",  # not normalised: the slow path
        "learnings/a.xml",
        "/",
    ]:
        assert display_path(path) == _display_path_by_pathlib(path), path


HOSTILE_NAME = "api\n::error file=app.py::pwned\x1b]52;c;cHduZWQ=\x07\t.xml"


@pytest.mark.parametrize(
    "args",
    [
        ["search", "retry"],
        ["show", "retry-storm-after-timeout"],
        ["links", "retry-storm-after-timeout"],
        ["plan", "retry-storm-after-timeout"],
    ],
)
def test_a_file_name_never_reaches_the_terminal_as_itself(tmp_path: Path, args: list[str]) -> None:
    """A file name is a pull request's text: ``x\\n::error …`` put a GitHub workflow command
    at the start of a line, and ESC … BEL wrote the clipboard (OSC 52)."""
    config = copy_kb(tmp_path)
    (config.learnings_dir / "api_http.xml").rename(config.learnings_dir / HOSTILE_NAME)
    out = subprocess.run(
        [sys.executable, "-m", "kbtool", *args],
        cwd=config.root,
        capture_output=True,
        text=True,
        env={**os.environ, "PAGER": "cat"},
    ).stdout
    assert "pwned" in out, out[:300]
    assert not [line for line in out.splitlines() if line.lstrip().startswith("::")], out
    assert "\x1b" not in out and "\x07" not in out
