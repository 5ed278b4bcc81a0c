"""errortext's shortcuts give what the long way gives: the prefix check that skips the nine
prefix patterns, and line_keys (signatures and words of a line, cleaned once)."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kbtool.search import errortext
from kbtool.search.errortext import MAX_LINE_CHARS, clean_line, line_keys, signatures, words

#: Pieces that start (or nearly start) one of the prefixes loggers and pytest write.
PIECES = [
    "web-1  | ",
    "[2026-12-06 10:00:00,456: ERROR/ForkPoolWorker-2] ",
    "[06/Dec/2026 10:00:00] ",
    "E   ",
    "FAILED tests/test_x.py::test_y - ",
    "ERROR tests/test_x.py::test_y - ",
    "2026-12-06T10:00:00.123Z ",
    "[2026-12-06 10:00:00 +0000] [7] ",
    "app.module - ERROR - ",
    "[ERROR] ",
    "ERROR asyncio: ",
    "| ERROR    | app.db:connect:42 - ",
    "error: ",
    "FAILED: ",
    "WARNING: ",
    "\x1b[31m",
    "\x1b[0m",
    "KeyError: 'user_id'",
    "sqlalchemy.exc.TimeoutError: QueuePool limit of size 5 overflow 10 reached",
    " at /srv/app/x.py line 12",
    "  ",
    "|",
    "E",
    "[",
]


def slow_clean_line(line: str) -> str:
    """clean_line as it was: every prefix pattern tried in turn."""
    line = errortext._ANSI.sub("", line[:MAX_LINE_CHARS]).strip()
    for prefix in errortext._PREFIXES:
        line = prefix.sub("", line, count=1)
    return line.strip()


lines = st.lists(st.sampled_from(PIECES) | st.text(max_size=8), max_size=6).map("".join)


@settings(max_examples=400, deadline=None)
@given(lines)
def test_clean_line_is_the_sequential_prefix_removal(line: str) -> None:
    assert clean_line(line) == slow_clean_line(line)


@settings(max_examples=200, deadline=None)
@given(lines)
def test_line_keys_are_signatures_and_words(line: str) -> None:
    sig, message, found = line_keys(line)
    assert (sig, message) == signatures(line)
    assert found == words(line)


def test_prefixes_are_taken_off_one_after_another() -> None:
    line = "web-1  | [ERROR] KeyError: 'user_id'"
    assert clean_line(line) == slow_clean_line(line) == "KeyError: 'user_id'"
    assert re.fullmatch(r"[a-z<>: ]+", line_keys(line)[0])


@pytest.mark.parametrize(
    "line",
    [
        "[2026-12-07 10:11:12 +0000] [7] [CRITICAL] WORKER TIMEOUT (pid:9)",  # gunicorn
        "2026-12-07 10:11:12 +01:00 [CRITICAL] WORKER TIMEOUT (pid:9)",
        "2026-12-07T10:11:12Z [7] CRITICAL: WORKER TIMEOUT (pid:9)",
    ],
)
def test_a_timestamp_s_zone_and_a_pid_go_with_it(line: str) -> None:
    assert clean_line(line) == "WORKER TIMEOUT (pid:9)"


@pytest.mark.parametrize(
    ("line", "cleaned"),
    [
        ("ERROR asyncio: Task exception was never retrieved", "Task exception was never retrieved"),
        ("WARNING  app.client: slow upstream", "slow upstream"),
        ("error: Multiple top-level packages discovered", "Multiple top-level packages discovered"),
        (
            "  FAILED: Can't locate revision identified by 'ab12'",
            "Can't locate revision identified by 'ab12'",
        ),
        # an exception's class is not a logger's name
        ("ERROR sqlalchemy.exc.TimeoutError: QueuePool", "sqlalchemy.exc.TimeoutError: QueuePool"),
        ("ERROR KeyError: 'a'", "KeyError: 'a'"),
        ("FAILED tests/a.py::t", "FAILED tests/a.py::t"),  # pytest's, no colon
        ("errors: 3", "errors: 3"),
    ],
)
def test_a_level_s_logger_name_and_tools_levels_come_off(line: str, cleaned: str) -> None:
    assert clean_line(line) == cleaned


_OLD_SPACE = re.compile(r"\s+")


def slow_replace_varying(line: str, *, quoted: bool = True) -> str:
    """_replace_varying as it was: the character checks through set(line)."""
    chars = set(line)
    if quoted and chars & frozenset("'\"`‘“"):
        line = errortext._QUOTED.sub("<q>", line)
    if "://" in line:
        line = errortext._URL.sub("<url>", line)
    if "/" in chars or "\\" in chars:
        line = errortext._PATH.sub("<path>", line)
    if chars & frozenset("0123456789"):
        line = errortext._NUMERIC.sub(errortext._placeholder, line)
    return line


def slow_signatures(line: str) -> tuple[str, str]:
    sig = _OLD_SPACE.sub(" ", slow_replace_varying(line)).strip(" .").lower()
    _, colon, rest = sig.partition(": ")
    if colon and errortext._EXC_TYPE.match(line):
        return sig, rest.strip()
    return sig, sig


def slow_words(line: str) -> frozenset[str]:
    found = set()
    kept = errortext._PLACEHOLDER.sub(" ", slow_replace_varying(line, quoted=False))
    for word in errortext._WORD.findall(kept):
        w = word.strip("_").lower()
        if len(w) > 1 and w not in errortext.STOP_WORDS:
            found.add(w)
    return frozenset(found)


#: Characters where a shortcut could differ: quotes, digits of other scripts, white space
#: that is not ASCII, letters whose lower case is ASCII or longer (İ, K), underscores.
TRICKY = [
    *"'\"`‘’“”0٣५\u00a0\u2003\u3000\x1c\t\n\r\x0b\x0cİKẞ_<>/\\.:- ",
    "<n>",
    "<q>",
    "http://x.y/z",
    "0x1f",
    "2026-12-06 10:00:00",
    "a_b",
    "__init__",
    "the",
    "KeyError: ",
]
tricky_lines = st.lists(st.sampled_from(TRICKY) | st.text(max_size=6), max_size=10).map("".join)


@settings(max_examples=600, deadline=None)
@given(tricky_lines | lines)
@example("٣'0/0")  # a path takes the ASCII digits first; \d still takes another script's
def test_signatures_and_words_are_those_of_the_long_way(line: str) -> None:
    cleaned = clean_line(line)
    assert errortext._signatures(cleaned) == slow_signatures(cleaned)
    assert errortext._words(cleaned) == slow_words(cleaned)
    assert errortext._replace_varying(line) == slow_replace_varying(line)
    assert errortext._replace_varying(line, quoted=False) == slow_replace_varying(
        line, quoted=False
    )


TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "/home/jo/svc/.venv/lib/python3.12/site-packages/anyio/_asyncio.py", line 2470, '
    "in run\n"
    "    return await future\n"
    '  File "/home/jo/svc/app/jobs.py", line 88, in nightly\n'
    '    rows = await pool.fetch("SELECT 1 OR 2")\n'
    "  - retrying OR not\n"
    "sqlalchemy.exc.TimeoutError: QueuePool limit of size 5 overflow 10 reached, connection "
    "timed out, timeout 30.00 (Background on this error at: https://sqlalche.me/e/20/3o7r)\n"
)


def test_search_words_read_the_lines_as_the_program_wrote_them() -> None:
    """A JSON-lines log's keys ("levelname", "exc_info", "stream") and a collector's frames
    are no words of the topic: the other lines are read unframed, as the errors are."""
    record = (
        '{"levelname": "ERROR", "message": "worker crashed", "exc_info": "Traceback (most '
        'recent call last):\\nRuntimeError: This event loop is already running"}'
    )
    docker = '{"log":"INFO: retrying the export\\n","stream":"stderr","time":"2026-12-07T12:00Z"}'
    found = errortext.search_words(record + "\n" + docker).split()
    assert found[:2] == ["RuntimeError:", "This"]
    assert "retrying" in found and "worker" in found
    assert not {"levelname", "exc_info", "stream", "stderr", "log", "time"} & set(found)


def test_search_words_put_the_error_first_and_leave_out_what_varies() -> None:
    found = errortext.search_words(TRACEBACK)
    assert found.startswith("sqlalchemy.exc.TimeoutError: QueuePool limit of size overflow")
    # the innermost frame's lines before the outer ones; each word once
    assert found.index("nightly") < found.index("future")
    assert found.split().count("File") == 1
    # no path, URL, number or quote, and nothing a query would read as its syntax
    assert "/" not in found and '"' not in found and "30" not in found
    assert " OR " not in found and " -" not in found
    assert errortext.search_words("how do I\nshare a session") == ""  # no error: as typed
