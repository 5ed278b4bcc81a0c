"""Logs as collectors keep them: frames on every line, JSON records (kbtool.search.logframe).

The unit vectors below are the shapes CI systems, clusters and log libraries write; the
scored test wraps every labelled log of tests/fixtures/logs/ in each of those shapes and
holds ``kbtool match`` to the targets the plain logs meet (test_match_logs.py).
"""

from __future__ import annotations

import json
import shutil
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from kbtool.config import Config, load_config
from kbtool.search.errortext import find_errors
from kbtool.search.logframe import MAX_RECORD_CHARS, unframe
from kbtool.search.match import match_text

HERE = Path(__file__).resolve().parent
LOGS = HERE / "fixtures" / "logs"
TOP1 = 0.90

TRACE = [
    "Traceback (most recent call last):",
    '  File "/srv/app/main.py", line 12, in <module>',
    "    asyncio.run(main())",
    "RuntimeError: asyncio.run() cannot be called from a running event loop",
]


def lines_of(framed: list[str]) -> list[str]:
    return unframe(framed)[0]


@pytest.mark.parametrize(
    "frame",
    [
        "2026-12-07T10:11:12.1234567Z ",  # GitHub Actions
        "2026-12-07T10:11:12.123456789Z stderr F ",  # Kubernetes (CRI)
        "2026-12-07T10:11:12+01:00 ",  # docker logs -t, with an offset
        "[2026-12-07T10:11:12.345Z] ",  # Jenkins timestamper
        "[10:11:12] ",
        "Dec  7 10:11:12 web-3 gunicorn[4242]: ",  # syslog
        "Dec 07 10:11:12 web-3 app: ",
        "2026-12-07T10:11:12+0000 web-3 gunicorn[4242]: ",  # journalctl -o short-iso
        "[pod/api-7d9f8c6b5-x2x9q/api] ",  # kubectl logs --prefix
        "api-1  | ",  # docker compose
        "worker_1 | ",
        "api-1  | 2026-12-07T10:11:12.000000001Z ",  # docker compose logs -t
        "2026-12-07T10:11:12.1234567Z api-1  | ",  # compose in a CI step
        "#12 0.523 ",  # docker build (BuildKit)
        "2026-12-07T10:11:12.000000+00:00 app[web.1]: ",  # Heroku and the like
        "2026-12-07T10:11:12Z app[148e272a6d1e89] ams [info]",  # Fly.io
        'Step #1 - "migrate": ',  # Google Cloud Build
        "Step #0: ",
    ],
)
def test_a_frame_comes_off_every_line_and_leaves_the_program_s_own(frame: str) -> None:
    assert lines_of([frame + line for line in TRACE]) == TRACE
    (error,) = [e for e in find_errors("\n".join(frame + line for line in TRACE))]
    assert error.kind == "traceback" and error.number == 4
    assert error.text.startswith("RuntimeError: asyncio.run()")


@pytest.mark.parametrize(
    "line",
    [
        "2026-11-27 10:00:00,001 ERROR app.cache: boom",  # the program's own timestamp
        "| a | table |",
        "[tool.pytest.ini_options]",
        "{'a': 1}",  # a printed dict, not JSON
        '{"id": 3, "name": "x"}',  # JSON without a message or an exception
        "[1, 2, 3]",
        "{",
        "Dec is a month",
        "web[1]: a name and a bracket without a timestamp before them",
        "#include <stdio.h>",
    ],
)
def test_lines_without_a_frame_are_left_as_they_are(line: str) -> None:
    assert unframe([line]) == ([line], [0])


def test_github_actions_markers_keep_their_level() -> None:
    framed = [
        "2026-12-07T10:11:10.0000000Z ##[group]Run pytest -q",
        "2026-12-07T10:11:11.0000000Z ##[endgroup]",
        "2026-12-07T10:11:12.0000000Z ##[error]Process completed with exit code 1.",
        "2026-12-07T10:11:12.0000000Z ##[warning]Node.js 16 actions are deprecated.",
        "::error file=app.py,line=3::KeyError: 'region'",
    ]
    assert lines_of(framed) == [
        "Run pytest -q",
        "",
        "ERROR: Process completed with exit code 1.",
        "WARNING: Node.js 16 actions are deprecated.",
        "ERROR: KeyError: 'region'",
    ]


def test_cri_partial_lines_are_joined_and_numbered_from_their_first() -> None:
    framed = [
        "2026-12-07T10:11:12.000000001Z stdout F starting",
        "2026-12-07T10:11:12.000000002Z stderr P RuntimeError: asyncio.run() cannot ",
        "2026-12-07T10:11:12.000000003Z stderr P be called from a running ",
        "2026-12-07T10:11:12.000000004Z stderr F event loop",
        "2026-12-07T10:11:12.000000005Z stdout F done",
    ]
    lines, origin = unframe(framed)
    assert lines == ["starting", TRACE[-1], "done"]
    assert origin == [0, 1, 4]
    errors = [e for e in find_errors("\n".join(framed)) if e.kind != "line"]
    assert [(e.text, e.number) for e in errors] == [(TRACE[-1], 2)]


def test_a_partial_run_is_cut_and_a_partial_last_line_kept() -> None:
    framed = ["2026-12-07T10:11:12Z stderr P x"] * 100
    lines, origin = unframe(framed)
    assert lines == ["x" * 64, "x" * 36]
    assert origin == [0, 64]


def test_json_records_give_their_message_then_their_exception() -> None:
    trace = "\n".join(TRACE)
    records = [
        {"levelname": "ERROR", "message": "unhandled", "exc_info": trace},  # python-json-logger
        {"level": "error", "event": "unhandled", "exception": trace},  # structlog
        {"log.level": "error", "message": "unhandled", "error": {"stack_trace": trace}},  # ECS
        {"log": {"level": "error"}, "message": "unhandled", "error.stack_trace": trace},
        {"severity": "CRITICAL", "msg": "unhandled", "stack": TRACE},  # a list of lines
    ]
    for record in records:
        assert lines_of([json.dumps(record)]) == ["ERROR: unhandled", *TRACE], record


def test_a_record_whose_message_is_the_traceback() -> None:
    """The traceback keeps its first line as Python wrote it (a level before it would hide
    its shape: the scanner reads it as a traceback, its last line as the exception)."""
    record = {"severity": "ERROR", "message": "\n".join(TRACE)}  # Cloud Logging
    assert lines_of([json.dumps(record)]) == TRACE
    (error,) = [e for e in find_errors(json.dumps(record)) if e.kind != "line"]
    assert (error.kind, error.text, error.number) == ("traceback", TRACE[-1], 1)
    info = {"severity": "INFO", "message": "GET /health 200"}
    assert lines_of([json.dumps(info)]) == ["GET /health 200"]


def test_docker_json_file_lines_and_a_json_record_inside_one() -> None:
    framed = [
        json.dumps({"log": line + "\n", "stream": "stderr", "time": "2026-12-07T10:11:12Z"})
        for line in TRACE
    ]
    lines, origin = unframe(framed)
    assert lines == TRACE and origin == [0, 1, 2, 3]
    inner = json.dumps({"level": "error", "msg": "boom", "exc_info": "\n".join(TRACE)})
    outer = json.dumps({"log": inner + "\n", "stream": "stderr"})
    assert lines_of([outer]) == ["ERROR: boom", *TRACE]
    framed_record = "2026-12-07T10:11:12.000000001Z stderr F " + inner
    assert lines_of([framed_record]) == ["ERROR: boom", *TRACE]


def test_records_keep_their_fields_under_other_cases_and_in_envelopes() -> None:
    """AWS writes ``stackTrace``, GCP ``textPayload``; Datadog's export puts a record in
    ``content.attributes``, a Lambda JSON log record its error object in ``message``."""
    trace = "\n".join(TRACE)
    gcp = {"textPayload": trace, "severity": "ERROR", "resource": {"type": "cloud_run_revision"}}
    assert lines_of([json.dumps(gcp)]) == TRACE
    payload = {"jsonPayload": {"message": "unhandled", "stack_trace": trace}, "severity": "ERROR"}
    assert lines_of([json.dumps(payload)]) == ["ERROR: unhandled", *TRACE]
    datadog = {
        "id": "AQAAAZ",
        "content": {
            "message": "unhandled",
            "attributes": {"status": "error", "error": {"kind": "KeyError", "stack": trace}},
        },
    }
    assert lines_of([json.dumps(datadog)]) == ["ERROR: unhandled", *TRACE]


def test_an_error_s_type_and_message_fields_make_its_exception_line() -> None:
    frames = [TRACE[1] + "\n" + TRACE[2] + "\n"]
    lam = {
        "level": "ERROR",
        "message": {
            "errorMessage": TRACE[-1].split(": ", 1)[1],
            "errorType": "RuntimeError",
            "stackTrace": frames,
        },
    }
    assert lines_of([json.dumps(lam)]) == [TRACE[1], TRACE[2], "ERROR: " + TRACE[-1]]
    response = {
        "errorMessage": "sorry, too many clients already",
        "errorType": "TooManyConnectionsError",
    }
    assert lines_of([json.dumps(response)]) == [
        "TooManyConnectionsError: sorry, too many clients already"
    ]
    otel = {
        "level": "error",
        "msg": "failed",
        "exception.type": "KeyError",
        "exception.message": "'region'",
    }
    assert lines_of([json.dumps(otel)]) == ["ERROR: failed", "KeyError: 'region'"]


def test_escaped_newlines_in_a_key_value_line_or_a_pretty_json_string() -> None:
    escaped = "\\n".join(t.replace('"', '\\"') for t in TRACE)
    logfmt = f'ts=2026-12-07T10:11:12Z level=error event="boom" exception="{escaped}" id=7'
    assert lines_of([logfmt]) == [
        'ts=2026-12-07T10:11:12Z level=error event="boom" exception="" id=7',
        *TRACE,
    ]
    reprs = "level='error' exc='" + "\\n".join(TRACE) + "'"  # structlog's repr values
    assert lines_of([reprs]) == ["level='error' exc=\"\"", *TRACE]
    severity = '    "severity": "ERROR"'
    pretty = ["[", "  {", f'    "textPayload": "{escaped}\\n",', severity, "  }", "]"]
    lines, origin = unframe(pretty)
    assert lines == ["[", "  {", *TRACE, severity, "  }", "]"]
    assert origin == [0, 1, 2, 2, 2, 2, 3, 4, 5]
    item = '      "  File \\"/var/task/app.py\\", line 18, in handler\\n    run()\\n",'
    assert lines_of([item]) == ['  File "/var/task/app.py", line 18, in handler', "    run()"]


@pytest.mark.parametrize(
    "line",
    [
        r"print('a\nb')",  # code that prints an escape: no quoted value of a key
        r'msg="a\nb',  # not closed
        r'"a\nb" and more',
    ],
)
def test_escapes_outside_a_quoted_value_are_left_alone(line: str) -> None:
    assert unframe([line]) == ([line], [0])


@pytest.mark.parametrize(
    "frames",
    [
        "2026-12-07T10:11:12.1234567Z 2026-12-07T10:11:01Z ",  # docker logs -t in a CI step
        "2026-12-07T10:11:12.1234567Z 2026-12-07T10:11:01Z app[148e272a6d1e89] ams [info]",
        "[2026-12-07T10:11:12.345Z] api-1  | 2026-12-07T10:11:12.000000001Z ",
    ],
)
def test_frames_inside_frames_come_off(frames: str) -> None:
    assert lines_of([frames + line for line in TRACE]) == TRACE


def test_a_record_s_lines_lose_their_own_frames_and_escapes() -> None:
    """docker's json-file around a program that writes syslog-style or logfmt lines."""
    framed = [
        json.dumps({"log": f"Dec 07 10:11:12 web-3 app[42]: {line}\n", "stream": "stderr"})
        for line in TRACE
    ]
    assert lines_of(framed) == TRACE
    escaped = "\\n".join(t.replace('"', '\\"') for t in TRACE)
    logfmt = f'level=error event="boom" exception="{escaped}"'
    record = json.dumps({"log": logfmt + "\n", "stream": "stderr"})
    assert lines_of([record]) == ['level=error event="boom" exception=""', *TRACE]


def test_xml_escaped_text_is_read_as_written() -> None:
    """A JUnit XML report (pytest --junitxml) escapes its failure's text."""
    escaped = [
        '<failure message="KeyError: &apos;region&apos;">x = &lt;A object at 0x7f&gt;',
        "E   KeyError: &quot;region&quot; &amp; more",
        "Traceback (most recent call last):&#10;  File &quot;a.py&quot;, line 1, in f",
    ]
    lines, origin = unframe(escaped)
    assert lines == [
        "<failure message=\"KeyError: 'region'\">x = <A object at 0x7f>",
        'E   KeyError: "region" & more',
        "Traceback (most recent call last):",
        '  File "a.py", line 1, in f',
    ]
    assert origin == [0, 1, 2, 2]
    assert unframe(["AT&T & co; R&D"]) == (["AT&T & co; R&D"], [0])


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (  # mypy
            'app/repo.py:18: error: "AsyncSession" has no attribute "query"  [attr-defined]',
            "AttributeError: 'AsyncSession' object has no attribute 'query'",
        ),
        (
            'app/db.py:21: error: Item "None" of "Optional[Session]" has no attribute '
            '"execute"  [union-attr]',
            "AttributeError: 'NoneType' object has no attribute 'execute'",
        ),
        (
            'C:\\src\\app\\db.py:9:5: error: Item "Engine" of "Engine | None" has no '
            'attribute "execute"  [union-attr]',
            "AttributeError: 'Engine' object has no attribute 'execute'",
        ),
        (  # pyright, today's wording and an older one
            '  /w/app/repo.py:18:24 - error: Cannot access attribute "query" for class '
            '"AsyncSession"',
            "AttributeError: 'AsyncSession' object has no attribute 'query'",
        ),
        (
            '/w/app/repo.py:18:24 - error: Cannot access member "query" for type '
            '"AsyncSession" (reportGeneralTypeIssues)',
            "AttributeError: 'AsyncSession' object has no attribute 'query'",
        ),
        (
            '  /w/app/api.py:33:22 - error: "get" is not a known attribute of "None" '
            "(reportOptionalMemberAccess)",
            "AttributeError: 'NoneType' object has no attribute 'get'",
        ),
    ],
)
def test_a_type_checker_s_attribute_error_reads_as_the_error_python_raises(
    line: str, expected: str
) -> None:
    """mypy and pyright report, before the code runs, the AttributeError it would raise:
    read as that error, it finds the entry that stores the run-time message."""
    assert unframe([line]) == ([expected], [0])


@pytest.mark.parametrize(
    "line",
    [
        'app/api.py:57: error: Argument 1 to "get" has incompatible type "str"; expected "int"',
        'app/x.py:3: error: Module "pydantic" has no attribute "BaseSettings"  [attr-defined]',
        'note: "AsyncSession" has no attribute "query"',  # no location: not a checker's line
        'Item "None" of "Optional[Session]" has no attribute "execute"',
    ],
)
def test_other_type_checker_lines_are_left_as_they_are(line: str) -> None:
    assert unframe([line]) == ([line], [0])


def test_a_sentry_event_s_exception_reads_as_its_exception_line() -> None:
    """Sentry's event JSON keeps an exception's type and value apart, in
    ``exception.values``: on one line (an event as a record) or pretty-printed."""
    event = {
        "event_id": "3f9b",
        "level": "error",
        "exception": {
            "values": [
                {"type": "KeyError", "value": "'id'", "module": None},
                {"type": "MissingGreenlet", "value": "greenlet_spawn has not been called",
                 "module": "sqlalchemy.exc", "stacktrace": {"frames": []}},
            ]
        },
    }  # fmt: skip
    lines, _ = unframe([json.dumps(event)])
    assert lines[-2:] == [
        "ERROR: KeyError: 'id'",
        "MissingGreenlet: greenlet_spawn has not been called",
    ]
    pretty = json.dumps(event, indent=2).splitlines()
    lines, origin = unframe(["INFO noise", *pretty, "more noise"])
    assert "KeyError: 'id'" in lines
    at = lines.index("MissingGreenlet: greenlet_spawn has not been called")
    assert pretty[origin[at] - 1].strip().startswith('"value"')
    assert len(lines) == len(pretty) + 2  # one line for each line, numbered as the input's


def test_coloured_frames_and_gitlab_s_timestamped_lines() -> None:
    coloured = [f"\x1b[32mapi-1     |\x1b[0m {line}" for line in TRACE]
    assert lines_of(coloured) == TRACE
    gitlab = [
        "2026-12-07T10:11:12.000001Z 01O $ python -m app",
        "2026-12-07T10:11:12.000002Z 01E Traceback (most recent call last):",
        *(f"2026-12-07T10:11:12.0000{k}Z 01E {line}" for k, line in enumerate(TRACE[1:3], 10)),
        "2026-12-07T10:11:12.000020Z 01E RuntimeError: asyncio.run() cannot be called ",
        "2026-12-07T10:11:12.000021Z 01E+ from a running event loop",
    ]
    lines, origin = unframe(gitlab)
    assert lines == ["$ python -m app", *TRACE]
    assert origin == [0, 1, 2, 3, 4]


@pytest.mark.parametrize(
    "line",
    [
        "{" * 100_000 + "}" * 100_000,  # deeper than the JSON decoder recurses
        '{"message": "' + "x" * MAX_RECORD_CHARS + '"}',  # longer than a record is read
        '{"message": 3, "exc_info": null}',
        '{"message": "", "error": {"message": ["a", 1]}}',
        '{"message": "\\ud800"}',  # a lone surrogate
        "2026-12-07T10:11:12Z " + "{" * 50_000,
    ],
)
def test_hostile_records_are_read_as_plain_lines(line: str) -> None:
    lines, origin = unframe([line, "after"])
    assert lines[-1] == "after" and origin[-1] == 1
    assert len(lines) <= 3
    find_errors(line)  # no exception


# ---------------------------------------------------------------- the labelled logs, framed


def _stamped(log: str) -> str:  # GitHub Actions' raw log
    out = ["2026-12-07T10:11:10.0000000Z ##[group]Run pytest -q"]
    out += [
        f"2026-12-07T10:11:{12 + i // 1000 % 40:02d}.{i:07d}Z {ln}"
        for i, ln in enumerate(log.splitlines())
    ]
    out.append("2026-12-07T10:12:00.0000000Z ##[error]Process completed with exit code 1.")
    return "\n".join(out)


def _records(log: str, record: Callable[[str, list[str]], dict[str, object]]) -> str:
    """Each line a JSON record; a traceback, with the line after it, one record."""
    out: list[str] = []
    trace: list[str] = []
    for line in log.splitlines():
        if line.startswith("Traceback") or trace:
            trace.append(line)
            if not line[:1].isspace() and not line.startswith("Traceback") and ":" in line:
                out.append(json.dumps(record("error", trace)))
                trace = []
        else:
            out.append(json.dumps(record("info", [line])))
    if trace:
        out.append(json.dumps(record("error", trace)))
    return "\n".join(out)


def _json_logger(level: str, lines: list[str]) -> dict[str, object]:
    if level == "info":
        return {"asctime": "2026-12-07 10:11:12", "levelname": "INFO", "message": lines[0]}
    return {"levelname": "ERROR", "message": "Exception in request", "exc_info": "\n".join(lines)}


def _cloud(level: str, lines: list[str]) -> dict[str, object]:
    return {"severity": level.upper(), "message": "\n".join(lines)}


FRAMES: dict[str, Callable[[str], str]] = {
    "github actions": _stamped,
    "kubernetes cri": lambda log: "\n".join(
        f"2026-12-07T10:11:12.{i:09d}Z stderr F {ln}" for i, ln in enumerate(log.splitlines())
    ),
    "journald": lambda log: "\n".join(
        f"Dec 07 10:11:12 web-3 gunicorn[4242]: {ln}" for ln in log.splitlines()
    ),
    "jenkins": lambda log: "\n".join(f"[2026-12-07T10:11:12.345Z] {ln}" for ln in log.splitlines()),
    "kubectl --prefix": lambda log: "\n".join(f"[pod/api-7d9/api] {ln}" for ln in log.splitlines()),
    "buildkite": lambda log: "\n".join(
        f"\x1b_bk;t={1733571072000 + i}\x07{ln}" for i, ln in enumerate(log.splitlines())
    ),
    "docker json-file": lambda log: "\n".join(
        json.dumps({"log": ln + "\n", "stream": "stderr", "time": "2026-12-07T10:11:12Z"})
        for ln in log.splitlines()
    ),
    "python-json-logger": lambda log: _records(log, _json_logger),
    "cloud logging": lambda log: _records(log, _cloud),
}


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Config:
    root = tmp_path_factory.mktemp("bundled")
    shutil.copytree(HERE.parent / "learnings", root / "learnings")
    return load_config(root=root)


@pytest.mark.parametrize("frame", sorted(FRAMES))
def test_labelled_logs_in_a_collector_s_frame_rank_their_entry_first(
    bundled: Config, frame: str
) -> None:
    labels = tomllib.loads((LOGS / "labels.toml").read_text(encoding="utf-8"))
    top1, misses = 0, []
    for name, expected in sorted(labels.items()):
        accepted = [expected] if isinstance(expected, str) else expected
        plain = (LOGS / name).read_text(encoding="utf-8")
        hits = match_text(bundled, FRAMES[frame](plain), limit=3)
        if (hits and hits[0].id in accepted) or not (hits or accepted):  # []: nothing known
            top1 += 1
        else:
            misses.append(f"  {name}: expected {accepted}, got {[h.id for h in hits]}")
    n = len(labels)
    print(f"\nmatch over {n} labelled logs in {frame}'s frame: top-1 {top1}/{n} = {top1 / n:.1%}")
    print("\n".join(misses))
    assert top1 / n >= TOP1, "\n".join(misses)


def test_a_hit_names_the_line_of_the_input(bundled: Config) -> None:
    log = (LOGS / "script_asyncio_run_in_loop.log").read_text(encoding="utf-8")
    framed = _stamped(log)
    (hit, *_) = match_text(bundled, framed, limit=1)
    assert hit.id == "asyncio-run-inside-running-loop"
    line = framed.splitlines()[hit.line_number - 1]
    assert line.endswith(hit.log_line) and line != hit.log_line
