"""The shared test vectors of the error normalisation: inputs with what Python's
kbtool.search.errortext answers for them, which static/errortext.js must answer too.

``python tests/site_vectors.py`` rewrites tests/fixtures/errortext_vectors.json;
tests/test_site_errortext.py fails when the file is stale or when JS disagrees.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
VECTORS = REPO / "tests" / "fixtures" / "errortext_vectors.json"

# Lines written to reach each placeholder, prefix and Unicode rule.
HANDWRITTEN = [
    "",
    "   ",
    "\x1b[31mE       TypeError: 'NoneType' object is not subscriptable\x1b[0m",
    "web-1  | ERROR:    Exception in ASGI application",
    "[2026-12-06 10:00:00,456: ERROR/ForkPoolWorker-2] Task app.tasks.run[3f2a] raised",
    '[06/Dec/2026 10:00:00] "GET / HTTP/1.1" 500 145',
    "FAILED tests/test_x.py::test_y - KeyError: 'user_id'",
    "ERROR tests/test_x.py::test_z - RuntimeError: Event loop is closed",
    "2026-12-06T10:00:00.123Z ERROR db timeout after 30.5s",
    "- app.main - ERROR - could not connect to 10.0.0.1:5432",
    "[WARNING]: deprecated thing at 0x7f3a2b1c4d5e",
    "WARNING:root:retrying in 5 seconds",
    "uuid 123e4567-e89b-12d3-a456-426614174000 and abcdefab-abcd-abcd-abcd-abcdefabcdef",
    "abcdefab-abcd-abcd-abcd-abcdefabcdef has no digit",
    "deadbeef12 and cafebabe and 1234abcd",
    "File /usr/lib/python3.11/site-packages/x.py, C:\\Users\\me\\x.py and a/b/c.txt",
    "see https://docs.example.org/a/b?c=1#d for details.",
    "at 12:30:45.123 on 2026-12-06 12:30, v1.2.3 and -5 and +7 and <n> and x2 and 3x",
    "sqlalchemy.exc.MissingGreenlet: greenlet_spawn has not been called",
    "pydantic_core._pydantic_core.ValidationError: 1 validation error for Settings",
    "KeyError: 'ümlaut_ключ'",
    "Ошибка: значение ‘x’ и “y” неверно 123",
    "数字１２３ and ٣٤٥ arabic digits",
    "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff in position 0",
    "tab\tseparated\x0bvertical\x1cfile-separator\x85nel\u00a0nbsp\u2003em",
    "`backtick` and \"double\" and 'single' quotes",
    "Error: something",
    "Exception",
    "module.SubError: with: colons: inside",
    "...trailing dots...",
    "x" * 2100,
    "Failed: ScopeMismatch: You tried to access the function scoped fixture tmp_path",
    '  File "/app/main.py", line 12, in <module>',
    "___init__ __dunder__ _private",
    # frames and records (kbtool.search.logframe): the "unframed" answer
    "2026-12-07T10:11:12.1234567Z ##[error]Process completed with exit code 1.",
    '2026-12-07T10:11:12.123456789Z stderr F   File "/app/main.py", line 12, in <module>',
    "2026-12-07T10:11:12.123456789Z stderr P RuntimeError: asyncio.run() cannot ",
    "2026-12-07T10:11:12+01:00 KeyError: 'region'",
    "[2026-12-07T10:11:12.345Z] E       KeyError: 'region'",
    "[10:11:12] ValueError: bad",
    "Dec  7 10:11:12 web-3 gunicorn[4242]: Traceback (most recent call last):",
    "2026-12-07T10:11:12+0000 web-3 gunicorn[4242]: KeyError: 'x'",
    "[pod/api-7d9f8c6b5-x2x9q/api] TypeError: x",
    "#12 0.523 ModuleNotFoundError: No module named 'app'",
    "\x1b_bk;t=1733571072000\x07KeyError: 'region'",  # Buildkite's timestamps
    "\x1b]8;;https://x.y/a\x1b\\link text\x1b]8;;\x1b\\ ValueError: v",  # OSC 8 hyperlink
    "\x1b]0;title\x07RuntimeError: r",
    "\x1b_unterminated APC then text",
    "#12 ERROR: process did not complete successfully: exit code: 1",
    "2026-12-07T10:11:12.000000+00:00 app[web.1]: KeyError: 'x'",
    "web[1]: not a frame without a timestamp",
    "api-1  | 2026-12-07T10:11:12.000000001Z ERROR:    Exception in ASGI application",
    "::warning file=app.py,line=3::DeprecationWarning: old",
    "\ufeff2026-12-07T10:11:12Z ##[group]Run pytest",
    '{"levelname": "ERROR", "message": "boom", "exc_info": "Traceback (most recent call last):\\n'
    '  File \\"x.py\\", line 1\\nKeyError: \'k\'"}',
    '{"level": "warn", "event": "slow", "stack": ["a", "b\\n"]}',
    '{"log.level": "error", "message": "m", "error": {"stack_trace": "ValueError: v"}}',
    '{"log": "{\\"level\\": \\"error\\", \\"msg\\": \\"inner\\"}\\n", "stream": "stderr"}',
    '{"severity": "ERROR", "message": "line one\\r\\nline two\\u2028three\\n"}',
    '{"message": "", "exc_info": "  \\u3000"}',
    '{"id": 3, "name": "no message"}',
    "{'a': 1}",
    "{ not json }",
    # type checkers' attribute errors (read as the AttributeError Python raises), and not
    'app/repo.py:18: error: "AsyncSession" has no attribute "query"  [attr-defined]',
    'app/db.py:21: error: Item "None" of "Optional[Session]" has no attribute "execute"  '
    "[union-attr]",
    '2026-12-07T10:11:12.1234567Z C:\\src\\db.py:9:5: error: Item "Engine" of "Engine | None" '
    'has no attribute "execute"  [union-attr]',
    '  /w/repo.py:18:24 - error: Cannot access attribute "query" for class "AsyncSession"',
    '/w/repo.py:18:24 - error: Cannot access member "query" for type "AsyncSession" '
    "(reportGeneralTypeIssues)",
    '  /w/api.py:33:22 - error: "get" is not a known attribute of "None" '
    "(reportOptionalMemberAccess)",
    'app/x.py:3: error: Module "pydantic" has no attribute "BaseSettings"  [attr-defined]',
    # Sentry events: one line (exception.values); a pretty-printed value alone stays as it is
    '{"level": "error", "exception": {"values": [{"type": "KeyError", "value": "\'id\'"}, '
    '{"type": "MissingGreenlet", "value": "greenlet_spawn has not been called\\nmore"}, '
    '{"type": ""}, 3]}}',
    '{"message": "boom", "exception": {"values": [{"type": "RuntimeError"}]}}',
    '    "type": "MissingGreenlet",',
    '    "value": "greenlet_spawn has not been called",',
]


def inputs() -> list[str]:
    """Every symptom line of the bundled KB, the labelled logs' lines, and the lines above."""
    from lxml import etree

    lines: list[str] = []
    for xml in sorted((REPO / "learnings").glob("*.xml")):
        root = etree.parse(str(xml)).getroot()
        for symptom in root.iter("symptom"):
            lines += (symptom.text or "").splitlines()
    for log in sorted((REPO / "tests" / "fixtures" / "logs").glob("*.log")):
        lines += log.read_text(encoding="utf-8", errors="replace").splitlines()[:200]
    lines += HANDWRITTEN
    seen: dict[str, None] = {}
    for line in lines:
        seen.setdefault(line, None)
    return list(seen)


def answers(text: str) -> dict[str, Any]:
    from kbtool.search.errortext import clean_line, quoted_values, signature, signatures, words
    from kbtool.search.logframe import unframe

    return {
        "input": text,
        "clean": clean_line(text),
        "signature": signature(text),
        "signatures": list(signatures(text)),
        "words": sorted(words(text)),
        "quoted": sorted(quoted_values(text)),
        "unframed": unframe([text])[0],
    }


def vectors() -> list[dict[str, Any]]:
    return [answers(t) for t in inputs()]


def dump(data: list[dict[str, Any]]) -> str:
    text = json.dumps(data, ensure_ascii=True, indent=1)
    return re.sub(r"\n +", "\n", text) + "\n"


if __name__ == "__main__":
    VECTORS.write_text(dump(vectors()), encoding="utf-8")
    print(f"{VECTORS}: {len(vectors())} vectors")
