"""kbtool.search.vocabulary: the other spellings of a typed word, and the query they make."""

from __future__ import annotations

from pathlib import Path

import pytest

from kbtool.search.fulltext import search
from kbtool.search.query import convert
from kbtool.search.vocabulary import ABBREVIATIONS, SQLSTATES, variants


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("sqla", [("sqlalchemy", False)]),
        ("PG", [("postgres", False), ("postgresql", False)]),
        # British and American -ise/-ize, and Porter's own split between them: the stem
        ("serialise", [("serial", True)]),
        ("serializable", [("serial", True)]),
        ("Initialisation", [("initial", True)]),
        ("behaviour", [("behavior", False)]),
        # too short a stem, or nothing to say
        ("raise", []),
        ("promise", []),
        ("hour", []),
        ("session", []),
    ],
)
def test_variants(word: str, expected: list[tuple[str, bool]]) -> None:
    assert variants(word) == expected


def test_abbreviations_are_short_lower_case_words() -> None:
    for short, full in ABBREVIATIONS.items():
        assert short == short.lower() and len(short) <= 6 and full
        assert all(len(f) > len(short) for f in full)


def test_the_query_takes_a_word_or_its_other_spellings() -> None:
    assert convert("sqla pool").match == '("sqla" OR "sqlalchemy") AND "pool"'
    assert convert("serialise").match == '("serialise" OR "serial" *)'
    # as written only when quoted, a prefix, or joined to another word
    assert convert('"sqla" x*').match == '"sqla" AND "x" *'
    assert convert("db.query").match == '"db query"'
    # a joined name's parts, when looked at alone, have theirs
    looser = convert("ctx.session").looser[0]
    assert [c.quoted for c in looser] == ['"ctx"', '"context"', '"session"']


def test_british_spelling_and_abbreviation_find_the_entry(tmp_path: Path) -> None:
    (tmp_path / "learnings").mkdir()
    (tmp_path / "kbtool.toml").write_text("", encoding="utf-8")
    (tmp_path / "learnings" / "t.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><specification schema-version="1"><metadata>'
        "<name>Learnings - T</name><type>learnings</type><category>T</category></metadata>"
        '<learnings><learning id="not-serializable" severity="low"><title>Task arguments '
        "are not JSON serializable</title><date>2024-07-01</date><category>T</category>"
        "<description>The worker needs plain values.</description></learning>"
        '<learning id="pool" severity="low"><title>PostgreSQL connection pool runs out'
        "</title><date>2024-07-01</date><category>T</category><description>Too many."
        "</description></learning></learnings></specification>",
        encoding="utf-8",
    )
    from kbtool.config import load_config

    config = load_config(root=tmp_path)
    for query, expected in [("serialise task args", "not-serializable"), ("pg conn", "pool")]:
        result = search(config, query)
        assert result.mode == "all" and [h.id for h in result.hits] == [expected]


def test_a_sqlstate_is_also_its_condition_as_postgresql_words_it() -> None:
    assert variants("25P02") == [
        ("current transaction is aborted", False),
        ("infailedsqltransaction", False),
    ]
    assert ("too many clients", False) in variants("53300")
    assert variants("12345") == []  # a number that is no SQLSTATE
    assert all(len(code) == 5 and code == code.lower() for code in SQLSTATES)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("psycopg SQLSTATE 25P02", "postgresql-in-failed-sql-transaction"),
        ("pgcode 53300 asyncpg", "postgresql-too-many-clients"),
        ("42601 asyncpg", "asyncpg-percent-s-placeholders"),
    ],
)
def test_an_error_code_finds_the_entry_of_its_condition(
    query: str, expected: str, tmp_path: Path
) -> None:
    import shutil

    from kbtool.config import load_config

    shutil.copytree(Path(__file__).resolve().parent.parent / "learnings", tmp_path / "learnings")
    (tmp_path / "kbtool.toml").write_text("", encoding="utf-8")
    hits = search(load_config(root=tmp_path), query, limit=3).hits
    assert [h.id for h in hits][:1] == [expected]
