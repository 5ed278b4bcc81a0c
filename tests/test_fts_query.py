"""kbtool.search.query.convert: what a person types becomes safe FTS5 syntax."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from search_kb import FIXTURES

from kbtool.search.query import MAX_TERMS, convert

CASES = [
    # plain words: each must appear
    ("async context", '"async" AND "context"'),
    ("  spaced   out  ", '"spaced" AND "out"'),
    # phrases, and an unbalanced quote running to the end
    ('"context manager"', '"context manager"'),
    ('"context manager', '"context manager"'),
    ('foo"bar', '"foo" AND "bar"'),
    ('"a ""b"" c"', '"a" AND "b" AND "c"'),
    # exclusion
    ("session -leak", '"session" NOT "leak"'),
    ('session -"background task"', '"session" NOT "background task"'),
    ("NOT leak session", '"session" NOT "leak"'),
    # OR binds tighter than the implicit AND
    ("a OR b c", '("a" OR "b") AND "c"'),
    ("a OR b OR c", '("a" OR "b" OR "c")'),
    ("foo OR OR bar", '("foo" OR "bar")'),
    ("OR a", '"a"'),
    ("a OR", '"a"'),
    ("a -bb OR c", '"a" AND "c" NOT "bb"'),
    # a dash before one letter is a command's option (pip install -e .), not an exclusion
    ("pip install -e .", '"pip" AND "install" AND "e"'),
    ("a or b", '"a" AND "or" AND "b"'),  # lower-case or is a word
    ("foo AND", '"foo"'),
    # prefixes
    ("sess*", '"sess" *'),
    ('"context man"*', '"context man" *'),
    # punctuation inside words becomes a phrase of the tokens, as the index split them
    ("foo-bar", '"foo bar"'),
    ("ubuntu 20.04", '"ubuntu" AND "20 04"'),
    ("C++", '"C"'),
    ("it's", '"it s"'),
    ("_AsyncGeneratorContextManager", '"AsyncGeneratorContextManager"'),
    ("; DROP TABLE entries; --", '"DROP" AND "TABLE" AND "entries"'),
    ("NEAR(a b, -1)", '"NEAR a" AND "b" NOT "1"'),
    # fields
    ("title:pool", 'title : "pool"'),
    ("tag:fastapi", 'tags : "fastapi"'),
    ('symptoms:"event loop"', 'symptoms : "event loop"'),
    ("nosuchcolumn:foo", '"nosuchcolumn foo"'),
    ("title:", '"title"'),
    # unicode
    ("café", '"café"'),
    ("日本語", '"日本語"'),
    ("a\x00b", '"a" AND "b"'),
]

NOTHING = [
    "",
    "   ",
    '"',
    '""',
    "-",
    "--",
    "*",
    "**",
    "(",
    ")",
    "()",
    "^",
    "...",
    "%",
    "AND",
    "OR",
    "NOT",
    "\u200b",
    "\x00",
]


@pytest.mark.parametrize(("query", "expected"), CASES)
def test_convert(query: str, expected: str) -> None:
    assert convert(query).match == expected


@pytest.mark.parametrize("query", NOTHING)
def test_nothing_searchable_says_why(query: str) -> None:
    result = convert(query)
    assert result.match == ""
    assert "nothing to search for" in result.problem


def test_only_exclusions_says_why() -> None:
    result = convert("-foo -bar")
    assert result.match == ""
    assert "not only excluded ones" in result.problem


def test_words_are_the_looked_for_ones() -> None:
    assert convert("Session -leak title:Pool").words == ("session", "pool")


def test_terms_are_capped() -> None:
    result = convert("a " * 5000)
    assert result.match.count('"a"') == MAX_TERMS
    deep = convert("(" * 1000 + "x" + ")" * 1000)
    assert deep.match == '"x"'


@pytest.fixture(scope="module")
def fts() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE VIRTUAL TABLE entries_fts USING fts5(title, symptoms, description, "
        "tags, category, body, tokenize = 'porter unicode61 remove_diacritics 2')"
    )
    db.executemany(
        "INSERT INTO entries_fts VALUES (?, ?, ?, ?, ?, ?)",
        [
            (
                f"printer {i} C++ ubuntu 20.04",
                "error",
                "spooler restart don't foo-bar café 日本語",
                "t",
                "c",
                f"body {i}",
            )
            for i in range(50)
        ],
    )
    return db


def _queries() -> list[str]:
    text = (FIXTURES / "fts_queries.txt").read_text(encoding="utf-8")
    return [line for line in text.split("\n") if line and not line.startswith("# ")]


def test_every_bad_input_query_runs_or_says_why(fts: sqlite3.Connection) -> None:
    queries = _queries()
    assert len(queries) > 40
    for query in queries:
        result = convert(query)
        if result.match:
            fts.execute(
                "SELECT rowid FROM entries_fts WHERE entries_fts MATCH ? ORDER BY rank LIMIT 5",
                (result.match,),
            ).fetchall()
        else:
            assert result.problem


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_no_text_makes_fts5_fail(text: str) -> None:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(title, body)")
    result = convert(text)
    if result.match:
        db.execute("SELECT rowid FROM t WHERE t MATCH ?", (result.match,)).fetchall()
    else:
        assert result.problem


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                '"',
                "-",
                "OR",
                "NOT",
                "AND",
                "*",
                "(",
                ")",
                ":",
                "title:",
                "a",
                "b",
                "c1",
                "^",
                "{",
                "}",
                "NEAR",
            ]
        ),
        max_size=12,
    )
)
def test_operator_soup_is_safe(parts: list[str]) -> None:
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE VIRTUAL TABLE t USING fts5(title, symptoms, description, tags, category, body)"
    )
    result = convert(" ".join(parts))
    if result.match:
        db.execute("SELECT rowid FROM t WHERE t MATCH ?", (result.match,)).fetchall()


def test_the_words_of_a_complaint_are_left_out_like_stop_words() -> None:
    result = convert("engine.execute doesn't work anymore", drop_stop_words=True)
    assert result.match == '"engine execute"'
    assert result.dropped == ("doesn't", "work", "anymore")
    # "instead" is a function word like "of": "Depends instead of a session"
    assert convert("Depends instead of session", drop_stop_words=True).dropped == (
        "instead",
        "of",
    )
    # the words of the asking: "how to fix …", "what does … mean"
    assert convert("how to fix RuntimeWarning", drop_stop_words=True).match == '"RuntimeWarning"'
    assert convert("what does greenlet_spawn mean", drop_stop_words=True).match == (
        '"greenlet spawn"'
    )
    assert convert("pool doesn\u2019t", drop_stop_words=True).dropped == ("doesn\u2019t",)
    # quoted, or all there is, they stay
    assert convert('"error" pool', drop_stop_words=True).match == '"error" AND "pool"'
    assert convert("error", drop_stop_words=True).match == '"error"'
    # the punctuation around a word is not part of it
    assert convert("(most at: pool", drop_stop_words=True).dropped == ("(most", "at:")


def test_a_one_letter_option_is_left_out_with_the_stop_words() -> None:
    assert convert("pip install -e .", drop_stop_words=True).match == '"pip" AND "install"'
    # so is a one-letter word (code's "for u in urls"); a digit stays (pydantic 2)
    assert convert("fetch u in urls", drop_stop_words=True).match == '"fetch" AND "urls"'
    assert convert("pydantic 2", drop_stop_words=True).match == '"pydantic" AND "2"'


@pytest.mark.parametrize(
    ("query", "looser"),
    [
        # names joined by punctuation: each name alone too (a variable's name is the writer's)
        ("db.query", ('"db"', '"database"', '"query"')),
        ("row['col'] x", ('"row"', '"col"')),
        # snake_case is one name: not its words
        ("pytest_asyncio.fixture", ('"pytest asyncio"', '"fixture"')),
        ("run_until_complete", ()),
        # camelCase: its parts as a phrase (the entry writes from_attributes)
        ("fromAttributes", ('"from Attributes"',)),
        ("HTTPException", ('"HTTP Exception"',)),
        # code: its dotted names as phrases, then each name
        (
            "asyncio.create_task(send())",
            ('"asyncio create task"', '"asyncio"', '"create task"', '"send"'),
        ),
        # a string in code is words of the code, not a phrase; a phrase stays one
        ('connect("app.db")', ('"app"', '"db"', '"database"')),
        # quoted, or a prefix, or lower case without joins: as written only
        ('"db.query"', ()),
        ('x "app.db"', ()),
        ("session", ()),
    ],
)
def test_looser_forms_of_a_term(query: str, looser: tuple[str, ...]) -> None:
    result = convert(query)
    forms = tuple(c for group in result.looser for c in group)
    assert tuple(c.quoted for c in forms) == looser
    assert "OR" not in result.match  # the query as written is unchanged


@pytest.mark.parametrize(
    ("query", "whole"),
    [
        ("This event loop is already running", '"This event loop is already running"'),
        ("QueuePool limit of size 5", '"QueuePool limit of size 5"'),
        # too short, or written in the query language: not looked for as written
        ("event loop", ""),
        ('"event loop" is closed', ""),
        ("event OR loop closed", ""),
        ("event loop -closed now", ""),
        ("title:event loop closed", ""),
        ("event loop clos*", ""),
    ],
)
def test_the_whole_query_as_written(query: str, whole: str) -> None:
    assert convert(query, drop_stop_words=True).whole == whole
