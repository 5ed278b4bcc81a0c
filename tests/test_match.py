"""kbtool.search.match and kbtool.search.errortext: error text to signatures, logs to entries."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from search_kb import FIXTURES, copy_kb

from kbtool.config import Config, load_config
from kbtool.errors import UsageError
from kbtool.search.errortext import (
    clean_line,
    exception_repr,
    find_errors,
    message_lines,
    signature,
    signatures,
    words,
)
from kbtool.search.match import (
    _one_bare,
    bare,
    dice,
    match_text,
    pattern_coverage,
    symptom_pattern,
)

FLAGSHIP = "async-context-manager-dependency-injection"
OLD_FASTAPI = "AttributeError: '_AsyncGeneratorContextManager' object has no attribute 'execute'"
NEW_FASTAPI = "TypeError: '_AsyncGeneratorContextManager' object is not an async iterator"
VARIANT = (
    "sqlalchemy AttributeError: '_AsyncGeneratorContextManager' object has no attribute "
    "'scalars' (session id 0x7f3a2b1c9d40)"
)
OTHER_ATTRIBUTE = (
    "AttributeError: '_AsyncGeneratorContextManager' object has no attribute 'scalars'"
)
RENAMED = "AttributeError: '_GeneratorContextManager' object has no attribute 'query'"
PYTEST_LOG = (FIXTURES / "pytest_log.txt").read_text(encoding="utf-8")

# ------------------------------------------------------------------ normalisation

SIGNATURES = [
    (OLD_FASTAPI, "attributeerror: <q> object has no attribute <q>"),
    ("KeyError: 'user_42'", "keyerror: <q>"),
    ("<object at 0x7f3a2b1c> failed", "<object at <hex>> failed"),
    ("timeout after 30.5 seconds on port 5432", "timeout after <n> seconds on port <n>"),
    ("job 550e8400-e29b-41d4-a716-446655440000 died", "job <uuid> died"),
    ("2024-01-02T03:04:05.123Z worker stopped", "worker stopped"),  # a leading timestamp goes
    ("failed at 2024-01-02 03:04:05", "failed at <time>"),
    ('File "/usr/lib/python3.11/site.py", line 12', "file <q>, line <n>"),
    ("cannot open /var/lib/app/data.db", "cannot open <path>"),
    ("see https://example.com/e/20/3o7r", "see <url>"),
    ("E       ValueError: bad", "valueerror: bad"),
    ("FAILED tests/test_x.py::test_y - ValueError: bad", "valueerror: bad"),
    ("ERROR:root:disk full", "disk full"),
    ("\x1b[31mRuntimeError\x1b[0m: Event loop is closed", "runtimeerror: event loop is closed"),
    ("checksum deadbeef42 mismatch", "checksum <hex> mismatch"),
]


@pytest.mark.parametrize(("text", "expected"), SIGNATURES)
def test_signature(text: str, expected: str) -> None:
    assert signature(text) == expected


def test_message_signature_drops_the_exception_type() -> None:
    assert signatures(OLD_FASTAPI) == (
        "attributeerror: <q> object has no attribute <q>",
        "<q> object has no attribute <q>",
    )
    assert signatures("plain words: here") == ("plain words: here", "plain words: here")


def test_words_keep_quoted_names_and_drop_what_varies() -> None:
    assert words(OLD_FASTAPI) == {
        "attributeerror",
        "asyncgeneratorcontextmanager",
        "attribute",
        "execute",
    }
    assert words("id 0x7f3a at /tmp/x/y.py line 12") == {"id", "line"}


names = st.text(string.ascii_letters + "_", min_size=1, max_size=20)
numbers = st.integers(min_value=0, max_value=10**12)


@settings(max_examples=200, deadline=None)
@given(a=st.integers(0, 2**48), b=st.integers(0, 2**48), n1=numbers, n2=numbers, q1=names, q2=names)
def test_same_error_different_addresses_and_numbers_same_signature(
    a: int, b: int, n1: int, n2: int, q1: str, q2: str
) -> None:
    def error(address: int, number: int, name: str) -> str:
        return (
            f"AttributeError: '{name}' object at {address:#x} has no attribute 'x' "
            f"(retry {number} of {number + 3}, /srv/app{number}/db.py line {number})"
        )

    assert signature(error(a, n1, q1)) == signature(error(b, n2, q2))


@settings(max_examples=100, deadline=None)
@given(uuid=st.uuids(), stamp=st.datetimes(), text=st.text(string.ascii_letters + " ", max_size=30))
def test_uuids_and_timestamps_vary_freely(uuid: object, stamp: object, text: str) -> None:
    line = f"request {uuid} at {stamp.isoformat()} failed: {text}"  # type: ignore[attr-defined]
    other = f"request {uuid!s:0>36} at 2000-01-01T00:00:00 failed: {text}"
    assert signature(line) == signature(other)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_normalises_without_error(text: str) -> None:
    sig = signature(text)
    assert sig == sig.strip() and "\n" not in sig
    message_lines(text)


def test_message_lines_pick_errors_from_a_log() -> None:
    lines = message_lines(PYTEST_LOG)
    first = lines[0]
    assert first.text.startswith("E       AttributeError: '_AsyncGeneratorContextManager'")
    assert first.number == 101 and first.repeats == 2  # also in the short summary
    assert all(line.weight >= 0.5 for line in lines)
    assert not any("PASSED" in line.text for line in lines)


def test_message_lines_see_an_error_at_the_end_of_a_long_log() -> None:
    log = "INFO request handled in 12 ms\n" * 30_000 + "KeyError: 'user_id'\n"
    assert [(line.number, line.text) for line in message_lines(log)] == [
        (30_001, "KeyError: 'user_id'")
    ]


def test_message_lines_fall_back_to_every_line() -> None:
    assert [line.text for line in message_lines("connection refused\n\nretrying")] == [
        "retrying",
        "connection refused",
    ]


def test_clean_line() -> None:
    assert clean_line("2024-05-01 10:00:00,123 ERROR [db] lost") == "[db] lost"


def test_dice() -> None:
    assert dice(frozenset("ab"), frozenset("ab")) == 1.0
    assert dice(frozenset("ab"), frozenset("cd")) == 0.0
    assert dice(frozenset(), frozenset("a")) == 0.0


# ------------------------------------------------------------------ ranking


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Config:
    return copy_kb(tmp_path_factory.mktemp("match"))


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (OLD_FASTAPI, "exact"),
        (NEW_FASTAPI, "exact"),
        (RENAMED, "signature"),
        (VARIANT, "similar"),
        (PYTEST_LOG, "exact"),
    ],
)
def test_flagship_first_on_the_fixture_kb(kb: Config, text: str, kind: str) -> None:
    hits = match_text(kb, text)
    assert (hits[0].id, hits[0].kind) == (FLAGSHIP, kind)


def test_hit_names_the_symptom_and_the_line(kb: Config) -> None:
    [hit, *_] = match_text(kb, PYTEST_LOG)
    assert hit.line_number == 101
    assert "no attribute 'execute'" in hit.log_line
    assert hit.versions == "fastapi<0.123.10"
    assert hit.score == pytest.approx(3.0)
    [new] = [h for h in match_text(kb, NEW_FASTAPI) if h.id == FLAGSHIP]
    assert new.versions == "fastapi>=0.123.10"


def test_exact_hits_rank_above_similar_ones(kb: Config) -> None:
    text = (
        "RuntimeError: Event loop is closed\n"
        "sqlalchemy.exc.TimeoutError: QueuePool limit of size 20 overflow 0 reached, "
        "connection timed out, timeout 5.00 (Background on this error at: "
        "https://sqlalche.me/e/20/3o7r)"
    )
    hits = match_text(kb, text)
    assert [(h.id, h.kind) for h in hits[:2]] == [
        ("event-loop-closed-in-fixtures", "exact"),
        ("pool-exhaustion-under-load", "similar"),
    ]
    assert hits[0].score > hits[1].score


def test_message_match_under_another_exception_type(kb: Config) -> None:
    hits = match_text(kb, "asyncpg.exceptions.TimeoutError: Event loop is closed")
    assert (hits[0].id, hits[0].kind) == ("event-loop-closed-in-fixtures", "message")


def test_unrelated_text_matches_nothing(kb: Config) -> None:
    assert match_text(kb, "the weather is nice today") == []


def test_empty_input_is_a_usage_error(kb: Config) -> None:
    with pytest.raises(UsageError):
        match_text(kb, "  \n ")


# ------------------------------------------------------------------ the bundled KB

BUNDLED = Path(__file__).resolve().parent.parent
BUNDLED_FILE = BUNDLED / "learnings" / "database_asyncio.xml"


@pytest.mark.skipif(
    not BUNDLED_FILE.exists(), reason="learnings/database_asyncio.xml not there yet"
)
@pytest.mark.parametrize("text", [OLD_FASTAPI, NEW_FASTAPI, OTHER_ATTRIBUTE, VARIANT, PYTEST_LOG])
def test_flagship_first_on_the_bundled_kb(tmp_path: Path, text: str) -> None:
    import shutil

    shutil.copytree(BUNDLED / "learnings", tmp_path / "learnings")
    config = load_config(root=tmp_path)
    hits = match_text(config, text)
    assert hits and hits[0].id == FLAGSHIP


# ------------------------------------------------------------------ logs: each error on its own

GREENLET = (
    "sqlalchemy.exc.MissingGreenlet: greenlet_spawn has not been called; can't call "
    "await_only() here. Was IO attempted in an unexpected place? (Background on this error "
    "at: https://sqlalche.me/e/20/xd2s)"
)
FRAMES = (
    "Traceback (most recent call last):\n"
    '  File "/srv/app/.venv/lib/python3.12/site-packages/uvicorn/protocols/http/'
    'httptools_impl.py", line 409, in run_asgi\n'
    "    result = await app(  # type: ignore[func-returns-value]\n"
    "             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
    '  File "/srv/app/api/authors.py", line 41, in list_books\n'
    "    return [BookOut.model_validate(b) for b in author.books]\n"
)
UVICORN = (
    'INFO:     10.0.0.7:51234 - "GET /authors/3/books HTTP/1.1" 500 Internal Server Error\n'
    "ERROR:    Exception in ASGI application\n" + FRAMES + GREENLET + "\n"
)
NOISE = "".join(
    f"2026-11-27 10:00:{n:02d},000 ERROR app.poller: upstream 503, retrying in {n} s\n"
    for n in range(50)
)
BOOM_TEST = (
    "    def explode():\n"
    '>       raise RuntimeError("boom")\n'
    "E       RuntimeError: boom\n\n"
    "tests/test_retry.py:24: RuntimeError\n"
)


def _bundled(tmp_path: Path) -> Config:
    import shutil

    shutil.copytree(BUNDLED / "learnings", tmp_path / "learnings")
    return load_config(root=tmp_path)


@pytest.mark.skipif(not BUNDLED_FILE.exists(), reason="no bundled KB")
def test_a_uvicorn_traceback_matches_like_the_bare_one(tmp_path: Path) -> None:
    kb = _bundled(tmp_path)
    bare = match_text(kb, FRAMES + GREENLET)
    wrapped = match_text(kb, UVICORN)
    assert [(h.id, h.kind, h.score) for h in wrapped] == [(h.id, h.kind, h.score) for h in bare]
    assert wrapped[0].kind == "exact" and wrapped[0].source == "traceback"
    assert wrapped[0].line_number == UVICORN.splitlines().index(GREENLET) + 1


@pytest.mark.skipif(not BUNDLED_FILE.exists(), reason="no bundled KB")
def test_other_errors_and_later_lines_do_not_hide_the_real_one(tmp_path: Path) -> None:
    kb = _bundled(tmp_path)
    pytest_log = (
        "=================================== FAILURES ===================================\n"
        + BOOM_TEST
        + f"E       {GREENLET}\n\n.venv/lib/python3.12/site-packages/x.py:1: MissingGreenlet\n"
        + "=========================== short test summary info ============================\n"
        + "FAILED tests/test_retry.py::test_gives_up - RuntimeError: boom\n"
    )
    for text in (pytest_log, UVICORN + NOISE, NOISE + UVICORN + NOISE + "RuntimeError: boom\n"):
        hits = match_text(kb, text)
        assert hits[0].id == "sqlalchemy-async-lazy-load-missing-greenlet", text[:200]
        assert hits[0].kind == "exact" and GREENLET in hits[0].log_line


def test_find_errors_reads_each_kind_of_line() -> None:
    log = (
        "INFO:     Started server process [42]\n"
        "ERROR:    Exception in ASGI application\n"
        + FRAMES
        + "app.errors.QuotaGone: no quota left for tenant 7\n"
        "  (while handling /upload)\n"
        "E       fixture 'db' not found\n"
        "FAILED tests/test_a.py::test_b - KeyError: 'user'\n"
        "/srv/app/x.py:3: PydanticDeprecatedSince20: The `dict` method is deprecated\n"
        "  payload = order.dict()\n"
        "ScopeMismatch: You tried to access the function scoped fixture tmp_path\n"
        "Task was destroyed but it is pending!\n"
    )
    found = {e.kind: e for e in find_errors(log)}
    assert found["traceback"].lines == (
        "app.errors.QuotaGone: no quota left for tenant 7",
        "(while handling /upload)",
    )  # a dotted class is an exception whatever it is called; its next line belongs to it
    assert found["pytest"].lines == ("fixture 'db' not found",)
    assert found["summary"].lines == ("KeyError: 'user'",)
    assert found["warning"].lines[0] == (
        "PydanticDeprecatedSince20: The `dict` method is deprecated"
    )
    assert found["exception"].lines == (
        "ScopeMismatch: You tried to access the function scoped fixture tmp_path",
    )
    assert found["log"].lines == ("Exception in ASGI application",)
    plain = [e.lines for e in find_errors(log) if e.kind == "line"]
    assert ("Task was destroyed but it is pending!",) in plain
    order = [e.kind for e in find_errors(log)]
    assert order.index("line") > order.index("warning") > order.index("log")


def test_a_chained_traceback_gives_one_error_for_each_exception() -> None:
    log = (
        FRAMES + "KeyError: 'id'\n\nDuring handling of the above exception, another exception "
        "occurred:\n\n" + FRAMES + "ValueError: bad id\n"
    )
    assert [(e.kind, e.lines) for e in find_errors(log)] == [
        ("traceback", ("ValueError: bad id",)),
        ("traceback", ("KeyError: 'id'",)),
    ]


GROUP = (
    "  + Exception Group Traceback (most recent call last):\n"
    '  |   File "/srv/app/jobs.py", line 30, in main\n'
    "  |     async with asyncio.TaskGroup() as tg:\n"
    "  | ExceptionGroup: unhandled errors in a TaskGroup (2 sub-exceptions)\n"
    "  +-+---------------- 1 ----------------\n"
    "    | Traceback (most recent call last):\n"
    '    |   File "/srv/app/jobs.py", line 12, in fetch\n'
    "    |     raise RuntimeError('Cannot send a request, as the client has been closed.')\n"
    "    | RuntimeError: Cannot send a request, as the client has been closed.\n"
    "    +---------------- 2 ----------------\n"
    "    | Traceback (most recent call last):\n"
    '    |   File "/srv/app/jobs.py", line 14, in fetch\n'
    "    | KeyError: 'currency'\n"
    "    +------------------------------------\n"
)


def test_an_exception_group_gives_its_sub_exceptions_as_tracebacks() -> None:
    """Each sub-exception is a traceback's last line, read as such (a separator line ends
    the group's message, it does not take the next traceback in); the group's own line
    counts a little less than they do."""
    found = [(e.kind, e.lines, e.weight) for e in find_errors(GROUP) if e.kind != "line"]
    assert found == [
        ("traceback", ("KeyError: 'currency'",), 1.0),
        (
            "traceback",
            ("RuntimeError: Cannot send a request, as the client has been closed.",),
            1.0,
        ),
        ("traceback", ("ExceptionGroup: unhandled errors in a TaskGroup (2 sub-exceptions)",), 0.9),
    ]


@pytest.mark.skipif(not BUNDLED_FILE.exists(), reason="no bundled KB")
def test_a_known_sub_exception_ranks_above_its_group(tmp_path: Path) -> None:
    group = GROUP.replace("(2 sub-exceptions)", "(1 sub-exception)")
    hits = match_text(_bundled(tmp_path), group, limit=2)
    assert [h.id for h in hits] == [
        "httpx-client-used-after-close",
        "asyncio-taskgroup-except-misses-exceptiongroup",
    ]
    assert hits[0].score > hits[1].score


def test_a_log_record_that_is_a_traceback_is_read_as_one() -> None:
    """uvicorn logs a lifespan failure as one record: "ERROR:    Traceback (…" and the
    frames under it."""
    log = "ERROR:    " + FRAMES + "KeyError: 'id'\nERROR:    Application startup failed.\n"
    found = [(e.kind, e.lines) for e in find_errors(log) if e.kind != "line"]
    assert found == [
        ("traceback", ("KeyError: 'id'",)),
        ("log", ("Application startup failed.",)),
    ]


def test_a_loguru_record_and_its_traceback() -> None:
    """loguru's format ("| LEVEL | where - message") and its diagnose traceback: the frame
    that raised marked with "> File", variables annotated under the source lines."""
    log = (
        "2026-12-07 10:11:03.480 | ERROR    | app.db:open_pool:42 - could not open the pool\n"
        "Traceback (most recent call last):\n\n"
        '  File "/app/main.py", line 88, in <module>\n'
        "    asyncio.run(main())\n"
        "    │       └ <function main at 0x7f3b2c1d0e00>\n"
        "    └ <module 'asyncio' from '/usr/local/lib/python3.12/asyncio/__init__.py'>\n\n"
        '> File "/app/app/db.py", line 42, in open_pool\n'
        "    pool = await asyncpg.create_pool(dsn)\n"
        "                 └ <module 'asyncpg'>\n\n"
        "asyncpg.exceptions.TooManyConnectionsError: sorry, too many clients already\n"
    )
    found = [(e.kind, e.lines) for e in find_errors(log) if e.kind != "line"]
    assert found == [
        (
            "traceback",
            ("asyncpg.exceptions.TooManyConnectionsError: sorry, too many clients already",),
        ),
        ("log", ("could not open the pool",)),
    ]


ALTER = (
    "NotImplementedError: No support for ALTER of constraints in SQLite dialect. Please refer "
    "to the batch mode feature which allows for SQLite migrations using a copy-and-move "
    "strategy."
)


def _wrapped(text: str, width: int = 80) -> str:
    """``text`` as a terminal this wide shows it, each line cut at its width."""
    return "\n".join(
        line[k : k + width] for line in text.splitlines() for k in range(0, len(line) or 1, width)
    )


def test_a_traceback_a_terminal_wrapped_keeps_its_shape() -> None:
    """The rest of a long frame line, at the margin, is not the exception; the exception's
    message is also read joined to its rest, without a space (a cut) and with one (rich
    wraps at words)."""
    log = _wrapped(
        "Traceback (most recent call last):\n"
        '  File "/home/dev/notes/.venv/lib/python3.12/site-packages/alembic/config.py", '
        "line 636, in main\n"
        "    CommandLine(prog=prog).main(argv=argv)\n" + ALTER + "\n"
    )
    [error] = [e for e in find_errors(log) if e.kind != "line"]
    assert error.kind == "traceback" and error.text == ALTER[:80]
    assert ALTER in error.wrapped
    rich = "PydanticImportError: `BaseSettings` has been moved to the `pydantic-settings`\npackage."
    [error] = [e for e in find_errors(rich) if e.kind != "line"]
    assert error.wrapped == (rich.replace("\n", " "), rich.replace("\n", ""))
    assert [e.wrapped for e in find_errors("KeyError: 'a'\nnext line")] == [(), ()]  # short


@pytest.mark.skipif(not BUNDLED_FILE.exists(), reason="no bundled KB")
def test_a_wrapped_message_matches_as_one_line(tmp_path: Path) -> None:
    kb = _bundled(tmp_path)
    [hit, *_] = match_text(kb, _wrapped(ALTER))
    assert (hit.id, hit.kind) == ("alembic-sqlite-alter-needs-batch", "exact")
    rich = (
        "PydanticImportError: `BaseSettings` has been moved to the `pydantic-settings` \n"
        "package. See https://docs.pydantic.dev/2.10/migration/#basesettings-has-moved-to\n"
        "-pydantic-settings for more details.\n"
    )
    [hit, *_] = match_text(kb, rich)
    assert (hit.id, hit.kind) == ("pydantic-v2-basesettings-moved", "exact")


# ------------------------------------------------------------------ masked symptoms (…)

MASKED_KB = """<?xml version="1.0" encoding="UTF-8"?>
<specification>
  <metadata><name>Learnings - Testing/Masks</name><type>learnings</type>
    <category>Testing/Masks</category></metadata>
  <learnings>
    <learning id="detached" severity="high">
      <title>Detached instance</title><date>2026-01-01</date><category>Testing/Masks</category>
      <description>d</description>
      <symptoms>
        <symptom>sqlalchemy.orm.exc.DetachedInstanceError: Parent instance &lt;… at 0x…&gt; \
is not bound to a Session; lazy load operation of attribute '…' cannot proceed</symptom>
      </symptoms>
    </learning>
    <learning id="other-loop" severity="high">
      <title>Other loop</title><date>2026-01-01</date><category>Testing/Masks</category>
      <description>d</description>
      <symptoms>
        <symptom>RuntimeError: Task &lt;Task pending name='…' coro=&lt;…&gt; cb=[…]&gt; got \
Future &lt;Future pending&gt; attached to a different loop</symptom>
        <symptom>…</symptom>
      </symptoms>
    </learning>
  </learnings>
</specification>
"""


def _one_file_kb(factory: pytest.TempPathFactory, name: str, xml: str) -> Config:
    """A KB of one category file ``name`` holding ``xml`` (backslash-newlines joined)."""
    root = factory.mktemp(name)
    (root / "learnings").mkdir()
    (root / "learnings" / f"{name}.xml").write_text(xml.replace("\\\n", ""), encoding="utf-8")
    return load_config(root=root)


@pytest.fixture(scope="module")
def masked(tmp_path_factory: pytest.TempPathFactory) -> Config:
    return _one_file_kb(tmp_path_factory, "testing_masks", MASKED_KB)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "sqlalchemy.orm.exc.DetachedInstanceError: Parent instance <Invoice at "
            "0x7f0c2d1e8a90> is not bound to a Session; lazy load operation of attribute "
            "'lines' cannot proceed",
            "detached",
        ),
        (
            "E   RuntimeError: Task <Task pending name='Task-17' coro=<sync_all() running at "
            "/home/bo/app/jobs.py:88> cb=[_run_until_complete_cb() at /usr/lib/python3.12/"
            "asyncio/base_events.py:181]> got Future <Future pending> attached to a different "
            "loop",
            "other-loop",
        ),
    ],
)
def test_a_masked_symptom_matches_any_names_addresses_and_paths(
    masked: Config, text: str, expected: str
) -> None:
    [hit, *_] = match_text(masked, text)
    assert (hit.id, hit.kind) == (expected, "exact")
    assert 2.9 <= hit.score <= 3.0


def test_a_masked_symptom_still_needs_its_fixed_text(masked: Config) -> None:
    near = (
        "sqlalchemy.orm.exc.DetachedInstanceError: Parent instance <X at 0x1> is not bound "
        "to a Session; refresh operation of attribute 'y' cannot proceed"
    )
    assert all(h.kind != "exact" for h in match_text(masked, near))
    assert match_text(masked, "something else entirely went wrong here") == []


def test_symptom_pattern() -> None:
    assert symptom_pattern("no mask here") is None
    assert symptom_pattern("… …") is None  # spells out nothing: no evidence on its own
    assert pattern_coverage("KeyError: '…' in …", "KeyError: 'user' in a") is None  # too little
    masked = "LookupError: key '…' missing in …"
    assert pattern_coverage(masked, "LookupError:  key 'user'  missing in  a b c") is not None
    assert pattern_coverage(masked, "LookupError: key 'user' found in a") is None
    whole = pattern_coverage("ValueError: bad …", "ValueError: bad x")
    part = pattern_coverage("ValueError: bad …", "ValueError: bad " + "x" * 40)
    assert whole is not None and part is not None and whole > part


def test_json_hit_names_the_line_and_what_it_is(kb: Config) -> None:
    [hit, *_] = match_text(kb, PYTEST_LOG)
    assert hit.to_dict()["matched"] == {
        "line": 101,
        "text": hit.log_line,
        "source": "pytest",
    }


def test_a_symptom_matches_a_line_that_goes_on_after_it() -> None:
    stored = "PydanticDeprecatedSince20: The `dict` method is deprecated; use `model_dump` instead."
    printed = (
        stored + " See Pydantic V2 Migration Guide at https://errors.pydantic.dev/2.9/migration/"
    )
    assert pattern_coverage(stored, printed) is not None
    assert pattern_coverage("KeyError: 'a'", "KeyError: 'a' and more") is None  # too short
    assert pattern_coverage(stored, stored.replace("dict", "json")) is None


@pytest.mark.skipif(not BUNDLED_FILE.exists(), reason="no bundled KB")
def test_errors_sharing_only_their_class_are_not_alike(tmp_path: Path) -> None:
    assert match_text(_bundled(tmp_path), "RuntimeError: boom") == []


@pytest.mark.skipif(not BUNDLED_FILE.exists(), reason="no bundled KB")
@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "[2026-12-07 10:11:12 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:31)",
            "gunicorn-worker-timeout-sigkill",
        ),
        (
            "ERROR:    [Errno 98] error while attempting to bind on address ('0.0.0.0', 8080): "
            "address already in use",
            "uvicorn-address-already-in-use",
        ),
    ],
)
def test_a_masked_symptom_with_a_logger_s_prefix_matches_the_line_exactly(
    tmp_path: Path, line: str, expected: str
) -> None:
    """The stored symptom keeps the logger's prefix ("[CRITICAL] WORKER TIMEOUT (pid:…)");
    the line is compared without it, so the symptom must be too."""
    [hit, *_] = match_text(_bundled(tmp_path), line)
    assert (hit.id, hit.kind) == (expected, "exact")


@pytest.mark.skipif(not BUNDLED_FILE.exists(), reason="no bundled KB")
@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "Dec 07 10:11:21 web-3 python3[2231]: ERROR asyncio: Task exception was never "
            "retrieved",
            "asyncio-task-exception-never-retrieved",
        ),
        (
            "  FAILED: Multiple head revisions are present for given argument 'head'; please "
            "specify a specific target revision, '<branchname>@head' to narrow to a specific "
            "head, or 'heads' for all heads",
            "alembic-multiple-heads",
        ),
    ],
)
def test_a_log_record_behind_a_logger_s_name_or_a_tool_s_level_matches_as_one(
    tmp_path: Path, line: str, expected: str
) -> None:
    [hit, *_] = match_text(_bundled(tmp_path), line)
    assert (hit.id, hit.kind, hit.source) == (expected, "exact", "log")


@pytest.mark.skipif(not BUNDLED_FILE.exists(), reason="no bundled KB")
@pytest.mark.parametrize(
    "line",
    [
        # the same deprecation template, about other code
        "DeprecationWarning: datetime.datetime.utcnow() is deprecated and scheduled for "
        "removal in a future version. Use timezone-aware objects to represent datetimes in "
        "UTC: datetime.datetime.now(datetime.UTC).",
        # celery's template around another exception
        "[2026-12-07 10:11:35,220: ERROR/ForkPoolWorker-3] Task billing.tasks.charge"
        "[0e8de9c3-a189-4e52-b268-ecdbab146610] raised unexpected: SoftTimeLimitExceeded()",
        "celery.exceptions.SoftTimeLimitExceeded: SoftTimeLimitExceeded()",  # a module's name
        "E       assert 20015.086796020572 == 20015.1 ± 2.0e+01",  # one short word
        "TypeError: unsupported operand type(s) for +: 'int' and 'str'",
        # a few of a symptom's words, not most of them
        "RuntimeError: Event loop is closed",
        "ImportError: cannot import name 'soft_unicode' from 'markupsafe' "
        "(/venv/lib/python3.11/site-packages/markupsafe/__init__.py)",
        "RuntimeError: Working outside of application context.",
        "AttributeError: 'NoneType' object has no attribute 'id'",
        # the attribute of a symptom, on an object of another type: not that error
        "AttributeError: 'NoneType' object has no attribute 'execute'",
        "TypeError: 'NoneType' object is not subscriptable",
    ],
)
def test_errors_worded_alike_about_other_code_are_not_alike(tmp_path: Path, line: str) -> None:
    assert match_text(_bundled(tmp_path), line) == []


@pytest.mark.skipif(not BUNDLED_FILE.exists(), reason="no bundled KB")
def test_an_object_of_a_kindred_type_is_still_the_symptom_s(tmp_path: Path) -> None:
    """The type a symptom names may be held in the line's ('_GeneratorContextManager',
    the sync cousin of '_AsyncGeneratorContextManager')."""
    line = "AttributeError: '_GeneratorContextManager' object has no attribute 'execute'"
    [hit, *_] = match_text(_bundled(tmp_path), line)
    assert hit.id == "async-context-manager-dependency-injection"


@pytest.mark.skipif(not BUNDLED_FILE.exists(), reason="no bundled KB")
def test_alike_errors_still_are(tmp_path: Path) -> None:
    kb = _bundled(tmp_path)
    [hit, *_] = match_text(kb, "httpcore.ReadTimeout")  # no message: words alone
    assert (hit.id, hit.kind) == ("httpx-default-timeout-five-seconds", "similar")
    # A masked quoted value names nothing the line must share: any value goes there.
    copied = "Textual SQL expression 'SELECT 1' should be explicitly declared as text('SELECT 1')"
    [hit, *_] = match_text(kb, copied)
    assert (hit.id, hit.kind) == ("sqlalchemy-2-textual-sql-needs-text", "message")


@pytest.mark.skipif(not BUNDLED_FILE.exists(), reason="no bundled KB")
@pytest.mark.parametrize(
    ("line", "expected", "kind"),
    [
        (  # AWS Lambda's [ERROR] line: the class without its module
            "[ERROR] JSONDecodeError: Expecting value: line 1 column 1 (char 0)",
            "requests-json-decode-error-non-json-body",
            "signature",
        ),
        (  # a masked symptom, the class named bare (rich, loguru, Sentry)
            "DetachedInstanceError: Parent instance <User at 0x7f9a1c2e5b50> is not bound to a "
            "Session; lazy load operation of attribute 'roles' cannot proceed (Background on "
            "this error at: https://sqlalche.me/e/20/bhk3)",
            "sqlalchemy-detached-instance-lazy-load",
            "exact",
        ),
    ],
)
def test_an_exception_named_without_its_module_is_the_same_error(
    tmp_path: Path, line: str, expected: str, kind: str
) -> None:
    [hit, *_] = match_text(_bundled(tmp_path), line)
    assert (hit.id, hit.kind) == (expected, kind)


def test_an_exception_repr_at_the_end_of_a_line_is_its_exception_line() -> None:
    celery = (
        'Task app.tasks.x[8f1c2d3e-1111] raised unexpected: MissingGreenlet("greenlet_spawn '
        "has not been called; can't call await_only() here.\")"
    )
    assert exception_repr(celery) == (
        "MissingGreenlet: greenlet_spawn has not been called; can't call await_only() here."
    )
    assert exception_repr("failed: ReadTimeout('timed out')") == "ReadTimeout: timed out"
    assert exception_repr("RuntimeError('a\\nb \\'c\\'')") == "RuntimeError: a b 'c'"
    assert exception_repr("print('hello')") is None  # a call, not an exception
    assert exception_repr("KeyError: 'a'") is None


@pytest.mark.skipif(not BUNDLED_FILE.exists(), reason="no bundled KB")
def test_a_repr_matches_like_the_exception_line(tmp_path: Path) -> None:
    [hit, *_] = match_text(
        _bundled(tmp_path), "ERROR app.client: upstream failed: ReadTimeout('timed out')"
    )
    assert (hit.id, hit.kind) == ("httpx-default-timeout-five-seconds", "signature")


def test_bare_names_and_which_pairs_compare_bare() -> None:
    assert bare("sqlalchemy.exc.MissingGreenlet: x") == "MissingGreenlet: x"
    assert bare("asyncio.exceptions.TimeoutError") == "TimeoutError"
    assert bare("sqlalchemy.exc.missinggreenlet: <q>") == "missinggreenlet: <q>"  # a signature
    assert bare("KeyError: 'a'") == "KeyError: 'a'"
    assert bare("see app.main for details") == "see app.main for details"
    assert _one_bare("sqlalchemy.exc.TimeoutError: x", "TimeoutError: x")
    # Two modules' classes of one name stay two classes; two bare names compare as they are.
    assert not _one_bare("sqlalchemy.exc.TimeoutError: x", "asyncio.TimeoutError: x")
    assert not _one_bare("TimeoutError: x", "TimeoutError: y")


# ------------------------------------------- the same error in two entries: the context decides

SAME_ERROR_KB = """<?xml version="1.0" encoding="UTF-8"?>
<specification>
  <metadata><name>Learnings - Testing/Context</name><type>learnings</type>
    <category>Testing/Context</category></metadata>
  <learnings>
    <learning id="sync-refresh" severity="high">
      <title>DetachedInstanceError: Instance is not bound to a Session; attribute refresh \
operation cannot proceed</title>
      <date>2026-01-01</date><category>Testing/Context</category>
      <description>A plain Session closed by its with block in a thread pool worker: the \
committed object cannot reload.</description>
      <symptoms>
        <symptom>sqlalchemy.orm.exc.DetachedInstanceError: Instance &lt;… at 0x…&gt; is not \
bound to a Session; attribute refresh operation cannot proceed</symptom>
      </symptoms>
    </learning>
    <learning id="async-refresh" severity="high">
      <title>Reading an attribute after commit under AsyncSession</title>
      <date>2026-01-01</date><category>Testing/Context</category>
      <description>Under asyncio an AsyncSession expires objects on commit; after the async \
with block the object cannot reload. Use async_sessionmaker(expire_on_commit=False).</description>
      <symptoms>
        <symptom>sqlalchemy.orm.exc.DetachedInstanceError: Instance &lt;… at 0x…&gt; is not \
bound to a Session; attribute refresh operation cannot proceed</symptom>
      </symptoms>
    </learning>
  </learnings>
</specification>
"""

_REFRESH_ERROR = (
    "sqlalchemy.orm.exc.DetachedInstanceError: Instance <Customer at 0x7f0e44c1d6d0> is not "
    "bound to a Session; attribute refresh operation cannot proceed"
)
_LIBRARY_FRAME = (
    '  File "/srv/app/.venv/lib/python3.12/site-packages/sqlalchemy/orm/attributes.py", '
    "line 566, in __get__\n"
)
ASYNC_SCRIPT = (
    "2026-11-27 10:02:11,004 INFO job starting\n"
    "Traceback (most recent call last):\n"
    '  File "/srv/app/jobs/backfill.py", line 88, in <module>\n'
    "    asyncio.run(main())\n"
    '  File "/usr/local/lib/python3.12/asyncio/runners.py", line 194, in run\n'
    "    return runner.run(main)\n"
    '  File "/srv/app/jobs/backfill.py", line 80, in main\n'
    '    print(f"backfilled {customer.email}")\n'
    f"{_LIBRARY_FRAME}"
    "    return self.impl.get(state, dict_)\n"
    f"{_REFRESH_ERROR}\n"
)
SYNC_SCRIPT = (
    "2026-11-27 10:02:11,004 INFO job starting\n"
    "Traceback (most recent call last):\n"
    '  File "/srv/app/jobs/backfill.py", line 88, in <module>\n'
    "    pool.submit(backfill).result()\n"
    '  File "/srv/app/jobs/backfill.py", line 80, in backfill\n'
    '    print(f"backfilled {customer.email}")\n'
    f"{_LIBRARY_FRAME}"
    "    return self._asyncio_async_with_asyncsession(state)  # a library's own words\n"
    f"{_REFRESH_ERROR}\n"
)


@pytest.fixture(scope="module")
def same_error(tmp_path_factory: pytest.TempPathFactory) -> Config:
    return _one_file_kb(tmp_path_factory, "testing_context", SAME_ERROR_KB)


@pytest.mark.parametrize(
    ("text", "expected"), [(ASYNC_SCRIPT, "async-refresh"), (SYNC_SCRIPT, "sync-refresh")]
)
def test_entries_storing_the_same_error_are_told_apart_by_its_traceback(
    same_error: Config, text: str, expected: str
) -> None:
    """Both entries match the error exactly; the frames before it decide: asyncio.run's
    frames speak of the async entry, a thread pool of the sync one. The sync entry's title
    repeats the error's words (no evidence: every entry matching it shares them), and a
    library frame's source line is the library's, not the user's situation."""
    hits = match_text(same_error, text)
    assert [h.kind for h in hits] == ["exact", "exact"]
    assert hits[0].id == expected, [(h.id, h.score) for h in hits]


def test_the_same_error_alone_leaves_the_tie_to_the_score(same_error: Config) -> None:
    hits = match_text(same_error, _REFRESH_ERROR)
    assert {h.id for h in hits} == {"async-refresh", "sync-refresh"}
    assert abs(hits[0].score - hits[1].score) < 0.01
