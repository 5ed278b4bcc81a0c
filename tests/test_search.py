"""kbtool.search.fulltext: ranking, filters, snippets, "did you mean", and hostile queries."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from search_kb import FIXTURES, copy_kb

from kbtool.config import Config, load_config
from kbtool.errors import UsageError
from kbtool.search.fulltext import (
    MARK_CLOSE,
    MARK_OPEN,
    Filters,
    _head_first,
    _ranked,
    _snippet,
    edit_distance,
    make_filters,
    parse_date,
    search,
    search_entries,
    search_sql,
)
from kbtool.search.index import index_path
from kbtool.search.query import convert


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Config:
    return copy_kb(tmp_path_factory.mktemp("search"))


def ids(config: Config, query: str, **filters: object) -> list[str]:
    return [h.id for h in search_entries(config, query, limit=20, **filters)]  # type: ignore[arg-type]


def test_title_hit_outranks_body_hit(kb: Config) -> None:
    # "pagination" is in one entry's title and in another's prevention item
    assert ids(kb, "pagination") == ["cursor-pagination-skips-rows", "retry-storm-after-timeout"]


def test_symptom_hit_outranks_description_hit(kb: Config) -> None:
    # "prepared" is in a symptom only; "traffic" in a description only: compare one query
    # that hits the title of one entry and the description of another.
    hits = search_entries(kb, "session")
    assert hits[0].id == "session-leak-in-background-task"  # title ("Session leaked")
    assert all(a.score >= b.score for a, b in itertools.pairwise(hits))


def test_hit_fields(kb: Config) -> None:
    [hit] = search_entries(kb, "thirty seconds")
    assert (hit.id, hit.path, hit.line) == (
        "pool-exhaustion-under-load",
        "learnings/database_asyncio.xml",
        40,
    )
    assert (hit.category, hit.severity, hit.status, hit.date) == (
        "Database/AsyncIO",
        "critical",
        "active",
        "2024-03-10",
    )
    assert hit.tags == ("sqlalchemy", "performance")
    assert [hit.snippet[a:b] for a, b in hit.highlights] == ["thirty", "seconds"]


def test_stemming_and_phrases(kb: Config) -> None:
    assert ids(kb, "exhausting") == [
        "pool-exhaustion-under-load",
        "async-context-manager-dependency-injection",
    ]
    assert ids(kb, '"event loop"') == ["event-loop-closed-in-fixtures"]
    assert ids(kb, '"loop event"') == []
    assert ids(kb, "asyncgenerator*") == ["async-context-manager-dependency-injection"]


def test_exclusion_or_and_fields(kb: Config) -> None:
    assert "session-leak-in-background-task" not in ids(kb, "session -leaked")
    assert set(ids(kb, "alembic OR pg_dump")) == {
        "alembic-autogenerate-misses-enum",
        "pgdump-version-mismatch",
    }
    assert ids(kb, "title:pool") == ["pool-exhaustion-under-load"]
    assert ids(kb, "tag:resilience") == ["retry-storm-after-timeout"]


def test_category_is_a_prefix_by_segment(kb: Config) -> None:
    database = set(ids(kb, "postgresql OR session OR pool OR pg_dump", category="Database"))
    assert database == {
        "alembic-autogenerate-misses-enum",
        "pool-exhaustion-under-load",
        "session-leak-in-background-task",
        "async-context-manager-dependency-injection",
    }
    assert ids(kb, "pg_dump", category="databasetools") == ["pgdump-version-mismatch"]
    assert ids(kb, "session", category="Database/AsyncIO/") != []
    assert ids(kb, "session", category="Data") == []


def test_tag_filter_needs_every_tag(kb: Config) -> None:
    assert ids(kb, "asyncio OR sqlalchemy", tag=["asyncio"]) == [
        "async-context-manager-dependency-injection",
        "event-loop-closed-in-fixtures",
    ]
    assert ids(kb, "asyncio OR sqlalchemy", tag=["asyncio,FastAPI"]) == [
        "async-context-manager-dependency-injection"
    ]


def test_severity_and_status_filters(kb: Config) -> None:
    assert ids(kb, "session OR loop", severity=["high"]) == [
        "event-loop-closed-in-fixtures",
        "async-context-manager-dependency-injection",
    ]
    assert ids(kb, "session", severity=["medium,critical"]) == [
        "session-leak-in-background-task",
        "pool-exhaustion-under-load",
    ]
    assert ids(kb, "session", status=["superseded"]) == ["session-leak-in-background-task"]
    assert ids(kb, "pass alone", status=["archived"]) == ["flaky-test-order-dependence"]
    with pytest.raises(UsageError, match="unknown severity 'urgent'"):
        ids(kb, "session", severity=["urgent"])
    with pytest.raises(UsageError, match="unknown status"):
        ids(kb, "session", status=["gone"])


def test_date_filters(kb: Config) -> None:
    everything = "session OR loop OR pool OR pagination OR timeout OR enum OR pg_dump OR alone"
    assert len(ids(kb, everything)) == 9
    assert set(ids(kb, everything, since="2025-05-04")) == {
        "cursor-pagination-skips-rows",
        "event-loop-closed-in-fixtures",
        "async-context-manager-dependency-injection",
    }
    assert set(ids(kb, everything, until="2023")) == {
        "session-leak-in-background-task",
        "flaky-test-order-dependence",
    }
    assert set(ids(kb, everything, since="2024-12", until="2025-02")) == {
        "retry-storm-after-timeout",
        "alembic-autogenerate-misses-enum",
    }
    with pytest.raises(UsageError, match="invalid date"):
        ids(kb, everything, since="last tuesday")


def test_parse_date() -> None:
    today = dt.date(2025, 3, 31)
    assert parse_date("30d", today=today) == dt.date(2025, 3, 1)
    assert parse_date("2w", today=today) == dt.date(2025, 3, 17)
    assert parse_date("1y", today=today) == dt.date(2024, 3, 31)
    assert parse_date("2024-02", end=True) == dt.date(2024, 2, 29)
    assert parse_date("2024", end=True) == dt.date(2024, 12, 31)
    assert parse_date("2024-02-03") == dt.date(2024, 2, 3)


def test_file_filter(kb: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    assert set(ids(kb, "session OR loop", file="learnings/testing_pytest.xml")) == {
        "event-loop-closed-in-fixtures"
    }
    assert len(ids(kb, "session OR loop OR pool", file="learnings")) == 4
    assert ids(kb, "session OR loop", file="learnings/test*.xml") == [
        "event-loop-closed-in-fixtures"
    ]
    monkeypatch.chdir(kb.learnings_dir)  # a path from the working directory
    assert ids(kb, "loop", file="testing_pytest.xml") == ["event-loop-closed-in-fixtures"]


def test_limit(kb: Config) -> None:
    assert len(search_entries(kb, "session", limit=2)) == 2
    with pytest.raises(UsageError, match="limit must be at least 1") as caught:
        search_entries(kb, "session", limit=0)
    assert caught.value.params == ("limit",)  # the CLI spells it --limit (test_cli_table.py)


def test_did_you_mean(kb: Config) -> None:
    result = search(kb, "contxt managr")
    assert result.suggestions[0] == "context manager"
    assert search(kb, "exhuasted").suggestions[0] == "exhausted"  # swapped letters
    assert search(kb, "session zzzzqqq").suggestions == []
    assert search(kb, "zzzzqqq").hits == []


def test_a_typo_shows_the_corrected_results(kb: Config) -> None:
    result = search(kb, "contxt managr")
    assert result.corrected == "context manager"
    assert result.hits == search(kb, "context manager").hits
    assert search(kb, "context manager").corrected is None


def test_no_entry_with_every_word_falls_back_to_any_word_ranked(kb: Config) -> None:
    result = search(kb, "session zzzzqqq pagination")
    assert result.mode == "any" and result.corrected is None
    found = [h.id for h in result.hits]
    assert set(found) == set(ids(kb, "session")) | set(ids(kb, "pagination"))
    assert search(kb, "session").mode == "all"


def test_a_long_query_few_entries_have_whole_is_followed_by_most_words(kb: Config) -> None:
    # "pool timeout session": one entry has all three words; the rest have one or two
    result = search(kb, "pool timeout session", limit=10)
    assert result.mode == "all" and result.all_words == 1
    whole = set(ids(kb, "pool")) & set(ids(kb, "timeout")) & set(ids(kb, "session"))
    assert len(whole) == 1 and result.hits[0].id in whole
    rest = {h.id for h in result.hits[1:]}
    assert rest and rest <= set(ids(kb, "pool")) | set(ids(kb, "timeout")) | set(ids(kb, "session"))
    assert result.to_dict()["all_words"] == 1
    # two words, or a query with enough whole matches, stays as it was
    two = search(kb, "pool timeout", limit=10)
    assert two.all_words == two.to_dict()["all_words"] == len(two.hits)
    assert search(kb, "session leak repair").to_dict()["all_words"] == 0  # mode "any"


def _two_entry_kb(tmp_path: Path, entries: list[tuple[str, str, str]]) -> Config:
    """A KB of the given (id, title, description) entries."""
    learnings = "".join(
        f'<learning id="{eid}" severity="low"><title>{title}</title><date>2024-07-01</date>'
        f"<category>Tools</category><description>{description}</description></learning>"
        for eid, title, description in entries
    )
    (tmp_path / "learnings").mkdir()
    (tmp_path / "learnings" / "tools.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><specification schema-version="1"><metadata>'
        "<name>Learnings - Tools</name><type>learnings</type><category>Tools</category>"
        f"</metadata><learnings>{learnings}</learnings></specification>",
        encoding="utf-8",
    )
    (tmp_path / "kbtool.toml").write_text("", encoding="utf-8")
    return load_config(root=tmp_path)


def test_any_word_ranking_weighs_where_the_words_are(tmp_path: Path) -> None:
    # No entry has all four words. One has the telling word in its title; the other has
    # three of the words, in passing in its description: the title wins, where counting
    # the words alone put the other first.
    config = _two_entry_kb(
        tmp_path,
        [
            ("cancel-ignored", "Cancelling is ignored", "The handler swallows it."),
            ("gone", "Results vanish", "Going back, the task list keeps it. " + "Text. " * 40),
        ],
    )
    result = search(config, "cancel task keeps going")
    assert result.mode == "any"
    assert [h.id for h in result.hits] == ["cancel-ignored", "gone"]


def test_a_title_that_says_the_query_as_written_comes_first(tmp_path: Path) -> None:
    config = _two_entry_kb(
        tmp_path,
        [
            ("as-written", "RuntimeError: this event loop is already running", "Nested."),
            ("scattered", "Running loop: event already set, loop running event", "Other."),
        ],
    )
    assert ids(config, "This event loop is already running") == ["as-written", "scattered"]
    # a filter still applies; two words are not looked for as written
    assert ids(config, "this event loop is already running", severity=["high"]) == []
    assert search(config, "loop running").hits[0].id == "scattered"


def test_names_joined_by_punctuation_are_also_found_alone(kb: Config) -> None:
    # No entry has "ctx.Depends" as written: the name the writer chose is theirs
    result = search(kb, "ctx.Depends")
    assert result.mode == "any"
    assert result.hits[0].id == "async-context-manager-dependency-injection"
    # camelCase as its words
    assert ids(kb, "fastapiDepends")[:1] == ["async-context-manager-dependency-injection"]
    # as written first: an entry with the phrase is not outranked by its parts
    assert search(kb, "FastAPI.Depends").mode == "all"


def test_a_pasted_traceback_is_searched_by_its_error_first(kb: Config) -> None:
    # Forty frames before the error: a query's first words are the ones it keeps
    frames = "".join(
        f'  File "/srv/app/handlers/step{n}.py", line {n}, in handle_step{n}\n'
        f"    payload = reshape{n}(payload)\n"
        for n in range(40)
    )
    text = (
        "Traceback (most recent call last):\n"
        + frames
        + '  File "/srv/app/db.py", line 9, in get_sesion\n'
        + "sqlalchemy.exc.TimeoutError: "
        "QueuePool limit of size 20 overflow 0 reached, connection timed out, timeout 10.00\n"
    )
    assert ids(kb, text)[:1] == ["pool-exhaustion-under-load"]
    result = search(kb, text)
    assert result.query == text  # the query is reported as given
    assert result.suggestions == []  # its words are names, not typos: no "did you mean"


def test_one_pasted_json_log_record_is_searched_by_its_error(kb: Config) -> None:
    """A JSON log line (python-json-logger, structlog) holds its traceback escaped in a field:
    its keys, timestamp and logger are no words of the topic, its error is."""
    record = json.dumps(
        {
            "asctime": "2026-12-07 10:00:01,002",
            "levelname": "ERROR",
            "name": "app.api",
            "message": "request failed",
            "exc_info": 'Traceback (most recent call last):\n  File "/srv/app/db.py", line 9, in '
            "get\nsqlalchemy.exc.TimeoutError: QueuePool limit of size 20 overflow 0 reached, "
            "connection timed out, timeout 10.00",
        }
    )
    assert ids(kb, record)[:1] == ["pool-exhaustion-under-load"]
    # a JSON body that holds no error is a query as typed
    assert search(kb, '{"detail": "QueuePool limit"}').hits


def test_a_pasted_log_s_error_words_rank_the_entries_holding_them_all_first(
    tmp_path: Path,
) -> None:
    """The other lines of a pasted log (here mypy's other diagnostics) hold more words than
    its error; an entry with every word of the error comes before entries with many of
    theirs."""
    from search_kb import bundled_copy

    pasted = (
        "$ mypy app\n"
        'app/repo.py:18: error: "AsyncSession" has no attribute "query"  [attr-defined]\n'
        "app/api/deps.py:9: error: Function is missing a return type annotation  [no-untyped-def]\n"
        'app/api/deps.py:9: note: Use "-> None" if function does not return a value\n'
        "app/models.py:8: note: By default the bodies of untyped functions are not checked, "
        "consider using --check-untyped-defs  [annotation-unchecked]\n"
        'app/settings.py:3: error: Need type annotation for "hosts"  [var-annotated]\n'
        "Found 3 errors in 3 files (checked 27 source files)\n"
    )
    hits = search(bundled_copy(tmp_path), pasted, limit=5).hits
    assert [h.id for h in hits][:1] == ["sqlalchemy-asyncsession-has-no-query"]


def test_stop_words_are_left_out_unless_quoted(kb: Config) -> None:
    result = search(kb, "how do I fix a session leak")
    assert result.ignored == ["how", "do", "i", "fix", "a"]  # "fix": the asking, no topic
    assert result.hits == search(kb, "session leak").hits
    assert search(kb, '"the"').ignored == []


def test_an_id_or_its_start_finds_the_entry_first(kb: Config) -> None:
    assert ids(kb, "retry-storm-after-timeout")[0] == "retry-storm-after-timeout"
    assert ids(kb, "Retry-Storm")[0] == "retry-storm-after-timeout"
    assert ids(kb, "retry-storm-after-timeout", severity=["low"]) == []  # filters apply
    assert [h.id for h in search_entries(kb, "pool-exhaustion-under-load", limit=1)] == [
        "pool-exhaustion-under-load"
    ]


def test_filters_alone_list_the_newest_entries(kb: Config) -> None:
    hits = search(kb, "", filters=Filters(category="API")).hits
    assert [h.category.split("/")[0] for h in hits] == ["API"] * len(hits) and hits
    assert [h.date for h in hits] == sorted((h.date for h in hits), reverse=True)
    with pytest.raises(UsageError):
        search(kb, "")


def test_edit_distance() -> None:
    assert edit_distance("manager", "manager", 2) == 0
    assert edit_distance("managr", "manager", 2) == 1
    assert edit_distance("exhuast", "exhaust", 2) == 1
    assert edit_distance("abc", "xyzabc", 2) == 3


def test_snippet_markers() -> None:
    text, spans = _snippet(f"a  {MARK_OPEN}hit{MARK_CLOSE}\n\tand {MARK_OPEN}more{MARK_CLOSE}.")
    assert text == "a hit and more."
    assert [text[a:b] for a, b in spans] == ["hit", "more"]


def test_search_sql_is_what_runs(kb: Config) -> None:
    filters = Filters(category="Database", tags=("sqlalchemy",), severity=("critical",))
    sql, args = search_sql(convert("pool"), filters, 5)
    assert "bm25(entries_fts, 10.0, 10.0, 2.0, 2.0)" in sql and "bm25(body_fts)" in sql
    with sqlite3.connect(index_path(kb)) as db:
        rows = db.execute(sql, args).fetchall()
        found = [
            db.execute("SELECT id FROM entries WHERE rowid = ?", (r[0],)).fetchone()[0]
            for r in rows
        ]
    assert found == ["pool-exhaustion-under-load"]


@pytest.mark.parametrize(
    "query", ["pool", "session", "timeout OR retry", "a*", '"connection pool"', "async -pool"]
)
def test_head_first_ranks_by_the_short_fields_or_steps_aside(kb: Config, query: str) -> None:
    """When enough entries have every group in their short fields, only those are ranked
    (by those fields); otherwise the full statement decides."""
    converted = convert(query)
    search_entries(kb, "pool")  # the index exists and is fresh
    with sqlite3.connect(index_path(kb)) as db:
        full = db.execute(*search_sql(converted, Filters(), 1000)).fetchall()
        for limit in range(1, 12):
            ranked = _ranked(db, converted, Filters(), limit)
            head = _head_first(db, converted, Filters(), limit)
            if head is None:
                assert ranked == [(r[0], r[1]) for r in full[:limit]], (query, limit)
            else:
                assert ranked == head and len(head) == limit
                assert {rowid for rowid, _ in head} <= {r[0] for r in full}
                assert all(a[1] >= b[1] for a, b in itertools.pairwise(head))


def test_tie_at_the_cut_is_decided_by_id(tmp_path: Path) -> None:
    config = copy_kb(tmp_path)
    path = config.learnings_dir / "api_http.xml"
    text = path.read_text(encoding="utf-8")
    start = text.index("<learning ")
    end = text.index("</learning>", start) + len("</learning>")
    first = text[start:end]
    twin_id = first.split('"')[1]
    twins = [first.replace(f'"{twin_id}"', f'"{name}"', 1) for name in ("zz-twin", "aa-twin")]
    path.write_text(text[:end] + "".join(twins) + text[end:], encoding="utf-8")
    title = first.split("<title>")[1].split("</title>")[0]
    word = max(title.split(), key=len)
    hits = search_entries(config, word, limit=10)
    tied = [h.id for h in hits if h.score == hits[0].score]
    assert sorted(tied) == tied and {"aa-twin", twin_id, "zz-twin"} <= set(tied)
    [aa] = search_entries(config, word, limit=1)
    assert aa.id == tied[0] == min(tied)


def test_make_filters_from_option_values(kb: Config) -> None:
    filters = make_filters(
        kb, category="API", tag=["a,b", "c"], severity=["HIGH"], since="2024-01-01"
    )
    assert filters.tags == ("a", "b", "c") and filters.severity == ("high",)
    assert filters.since == dt.date(2024, 1, 1)


def test_make_filters_refuses_a_reversed_date_range(kb: Config) -> None:
    with pytest.raises(UsageError, match="since 2027-01-01 is after until 2020-12-31"):
        make_filters(kb, since="2027", until="2020")
    assert make_filters(kb, since="2024-05", until="2024-05").since == dt.date(2024, 5, 1)


def _bad_queries() -> list[str]:
    text = (FIXTURES / "fts_queries.txt").read_text(encoding="utf-8")
    return [line for line in text.split("\n") if line and not line.startswith("# ")]


def test_every_bad_input_query_gives_hits_or_a_clean_message(kb: Config) -> None:
    answered = refused = 0
    for query in _bad_queries():
        try:
            search(kb, query)
            answered += 1
        except UsageError as exc:
            assert "nothing to search for" in str(exc) or "only excluded" in str(exc)
            refused += 1
    assert answered > 20 and refused > 10


def test_a_query_with_nothing_searchable_is_a_usage_error(kb: Config) -> None:
    with pytest.raises(UsageError, match="nothing to search for"):
        search(kb, "***")


def test_search_never_imports_lxml_when_fresh(tmp_path: Path) -> None:
    import subprocess
    import sys

    config = copy_kb(tmp_path)
    search_entries(config, "session")  # build
    code = (
        "import sys, pathlib; from kbtool.search.fulltext import search_entries; "
        "from kbtool.config import load_config; "
        f"config = load_config(root=pathlib.Path({str(config.root)!r})); "
        "print(len(search_entries(config, 'session'))); "
        "print(sorted(m for m in ('lxml', 'jinja2', 'typer', 'pydantic', 'rich') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["4", "[]"]


def test_a_steps_prose_and_code_stay_apart_in_snippets(tmp_path: Path) -> None:
    learnings = tmp_path / "learnings"
    learnings.mkdir()
    (learnings / "pytest.xml").write_text(
        """<?xml version="1.0" encoding="UTF-8"?>
<specification>
  <metadata>
    <name>Learnings - Pytest</name><type>learnings</type><category>Pytest</category>
  </metadata>
  <learnings>
    <learning id="fixture-step">
      <title>A fixture</title>
      <date>2025-01-01</date>
      <category>Pytest</category>
      <description>d</description>
      <solution><step>Use a fixture for patches.<code lang="python">@pytest.fixture
def patched(): ...</code></step></solution>
    </learning>
  </learnings>
</specification>
""",
        encoding="utf-8",
    )
    hits = search_entries(load_config(tmp_path), "patches", notice=lambda _: None)
    assert "patches.@pytest" not in hits[0].snippet
    assert "patches." in hits[0].snippet


@settings(max_examples=500, deadline=None)
@given(st.text("abcdez", max_size=9), st.text("abcdez", max_size=9))
def test_letters_one_word_lacks_bound_the_edit_distance(a: str, b: str) -> None:
    """close_terms skips a vocabulary word whose letters missing from the typed word (or the
    other way round) outnumber the cutoff: each such letter costs an edit."""
    distance = edit_distance(a, b, 20)
    assert distance >= len(set(a) - set(b)) and distance >= len(set(b) - set(a))


def test_without_snippets_the_same_hits_and_no_file_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kbtool.search import fulltext, snippets

    config = copy_kb(tmp_path)
    full = fulltext.search(config, "session")
    assert full.hits and any(hit.snippet for hit in full.hits)

    def no_read(*_: object) -> bytes:
        raise AssertionError("an entry file was read for snippets nobody shows")

    monkeypatch.setattr(snippets, "_read", no_read)
    bare = fulltext.search(config, "session", snippets=False)
    assert [(h.id, h.score) for h in bare.hits] == [(h.id, h.score) for h in full.hits]
    assert all(h.snippet == "" and h.highlights == () for h in bare.hits)
