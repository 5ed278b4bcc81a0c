"""kbtool.simpletoml: for every text, None or exactly what tomllib reads."""

from __future__ import annotations

import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbtool.simpletoml import loads


def _tomllib(text: str) -> object:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return "error"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", {}),
        (
            '[tool.kbtool]\nlearnings = "learnings"\n',
            {"tool": {"kbtool": {"learnings": "learnings"}}},
        ),
        (
            "# a KB\n\n[tool.kbtool]  # ours\nlearnings = 'spec/learnings' # literal\n"
            'max-file-bytes = 2097152\ncache=".cache"\n',
            {
                "tool": {
                    "kbtool": {
                        "learnings": "spec/learnings",
                        "max-file-bytes": 2097152,
                        "cache": ".cache",
                    }
                }
            },
        ),
        (
            "a = true\nb = false\nc = -7\nd = +0\ne = ''\n",
            {"a": True, "b": False, "c": -7, "d": 0, "e": ""},
        ),
        ("[a]\nx = 1\n[a.b]\ny = 'é #'\n", {"a": {"x": 1, "b": {"y": "é #"}}}),
    ],
)
def test_the_subset_reads_as_tomllib_does(text: str, expected: object) -> None:
    assert loads(text) == expected == tomllib.loads(text)


@pytest.mark.parametrize(
    "text",
    [
        'a = "tab\\tescape"',  # escapes: tomllib's
        "a = 1_000",
        "a = 1.5",
        "a = 2025-01-01",
        "a = [1, 2]",
        "a = {b = 1}",
        "a.b = 1",
        '"quoted key" = 1',
        'a = """multi"""',
        "a = '''multi'''",
        "[[array]]",
        "[ spaced ]",
        "[a.b]\n[a]",  # a super-table after its sub-table: valid TOML, left to tomllib
        "a = 1\r\n",
        "a = 0777",  # invalid TOML: tomllib says so
        "a = 1\na = 2",  # invalid TOML
        "[a]\n[a]",  # invalid TOML
        "a = 1\n[a]",  # invalid TOML
        'a = "unclosed',
        "a = 1 2",
        "a =",
        "a = 1234567890123456789",
    ],
)
def test_anything_else_is_left_to_tomllib(text: str) -> None:
    assert loads(text) is None


_PIECES = st.sampled_from(
    [
        "[tool.kbtool]",
        "[tool]",
        "[a.b]",
        "[a]",
        "[[a]]",
        "[ a ]",
        "key",
        "a",
        "b",
        "-",
        " = ",
        "=",
        '"',
        "'",
        '"text"',
        "'lit'",
        '"a\\"b"',
        "#",
        "# note",
        "1",
        "-1",
        "+1",
        "01",
        "1_0",
        "true",
        "false",
        "True",
        " ",
        "\t",
        "\n",
        "\r\n",
        "\x00",
        "é",
        ".",
        "\u2028",
        "\x7f",
        "[",
        "]",
        "{",
        "}",
        ",",
        "1.0",
        "inf",
        "nan",
        '""',
        "''",
        '"""',
    ]
)


@settings(max_examples=600, deadline=None)
@given(st.lists(_PIECES, max_size=14).map("".join))
def test_every_text_is_none_or_what_tomllib_reads(text: str) -> None:
    ours = loads(text)
    assert ours is None or ours == _tomllib(text), text


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_arbitrary_text_is_none_or_what_tomllib_reads(text: str) -> None:
    ours = loads(text)
    assert ours is None or ours == _tomllib(text), text


_KEY = st.sampled_from(["a", "b", "learnings", "max-file-bytes", "x_1", "9"])
_VALUE = st.one_of(
    st.integers(-(10**18) + 1, 10**18 - 1).map(str),
    st.sampled_from(["true", "false", '""', "''"]),
    st.text(
        st.characters(whitelist_categories=("L", "N", "P", "S", "Zs")).filter(str.isprintable),
        max_size=8,
    ).map(lambda s: '"' + s.replace('"', "").replace("\\", "") + '"'),
    st.text(
        st.characters(whitelist_categories=("L", "N", "P", "S", "Zs")).filter(str.isprintable),
        max_size=8,
    ).map(lambda s: "'" + s.replace("'", "") + "'"),
)
_LINE = st.one_of(
    st.tuples(
        _KEY, st.sampled_from(["=", " = ", "\t=  "]), _VALUE, st.sampled_from(["", " # c", "#c"])
    ).map("".join),
    st.lists(_KEY, min_size=1, max_size=3).map(lambda keys: "[" + ".".join(keys) + "]"),
    st.sampled_from(["", "# comment", "   "]),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_LINE, max_size=8).map("\n".join))
def test_documents_of_the_subset_read_as_tomllib_reads_them(text: str) -> None:
    ours = loads(text)
    theirs = _tomllib(text)
    assert ours is None or ours == theirs, text
    if theirs != "error" and "[" not in text:  # header-free valid documents are all in it
        assert ours == theirs, text
