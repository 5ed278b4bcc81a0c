"""The browser's error normalisation (kbtool/site/static/errortext.js) gives what
kbtool.search.errortext gives, on the shared vectors (tests/fixtures/errortext_vectors.json:
every bundled symptom line, the labelled logs' lines, and hand-written edge cases).
Run here with Node when it is installed; tests/test_site_browser.py runs the same vectors
in Chromium."""

from __future__ import annotations

import json

from helpers_node import run_node, static
from site_vectors import VECTORS, dump, vectors

RUNNER = """
const E = require(process.argv[1]);
const vs = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
const out = vs.map((v) => ({input: v.input, clean: E.cleanLine(v.input),
  signature: E.signature(v.input), signatures: E.signatures(v.input),
  words: E.words(v.input), quoted: E.quotedValues(v.input), unframed: E.unframe([v.input])}));
process.stdout.write(JSON.stringify(out));
"""


def test_vectors_file_is_what_python_answers() -> None:
    assert VECTORS.read_text(encoding="utf-8") == dump(vectors()), (
        "stale: run python tests/site_vectors.py"
    )


def disagreements(got: list[dict[str, object]], want: list[dict[str, object]]) -> list[str]:
    bad = []
    for g, w in zip(got, want, strict=True):
        for key in ("clean", "signature", "signatures", "words", "quoted", "unframed"):
            if g[key] != w[key]:
                bad.append(f"{key} of {str(w['input'])[:80]!r}: JS {g[key]!r}, Python {w[key]!r}")
    return bad


def test_javascript_normalises_like_python_in_node() -> None:
    why = "tests/test_site_browser.py checks the vectors in Chromium"
    stdout = run_node(RUNNER, str(static("errortext.js")), str(VECTORS), why=why)
    want = json.loads(VECTORS.read_text(encoding="utf-8"))
    got = json.loads(stdout)
    bad = disagreements(got, want)
    print(f"errortext.js vs Python: {len(want) - len(bad)}/{len(want)} vectors agree")
    assert bad == []
    assert len(want) > 1000


# Lines that only mean something next to others: a GitLab line that goes on the previous
# one, CRI partial lines, a JUnit report's escaped failure text, a record with NaN.
MULTILINE = [
    "2026-12-07T10:11:12.000Z 00E Traceback (most recent call last):\n"
    "2026-12-07T10:11:12.000Z 00E+  continued\n"
    "2026-12-07T10:11:12.1Z stderr P RuntimeError: asy\n"
    "2026-12-07T10:11:12.1Z stderr F ncio.run() cannot be called\n"
    "2026-12-07T10:11:12.1Z stderr P dangling",
    '<failure message="assert &quot;a&quot; == &apos;b&apos;">'
    "Traceback:&#10;KeyError: &#39;k&#39;\n"
    "&#128; &#0; &#xD800; &#1; &ampfoo; &lt3 &eacute; &copy x &amp;#10;",
    '{"message": NaN, "msg": "nan", "level": "error"}\n'
    '{"errorType": "RuntimeError", "errorMessage": "boom", "stackTrace": ["  File \\"a.py\\"\\n"]}',
]
RUNNER_LOGS = """
const E = require(process.argv[1]);
const logs = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify({unframed: logs.texts.map((t) => E.unframe(t)),
  reprs: logs.lines.map((t) => E.exceptionRepr(t))}));
"""


def test_javascript_unframes_whole_logs_like_python_in_node() -> None:
    """unframe over whole logs (the vectors give it one line at a time), and exception_repr
    on every vector's line, as Python answers."""
    from kbtool.search.errortext import exception_repr
    from kbtool.search.logframe import unframe

    logs = sorted((VECTORS.parent / "logs").glob("*.log"))
    texts = [p.read_text(encoding="utf-8", errors="replace").splitlines() for p in logs]
    texts += [t.splitlines() for t in MULTILINE]
    lines = [str(v["clean"]) for v in json.loads(VECTORS.read_text(encoding="utf-8"))]
    lines += ["celery raised unexpected: MissingGreenlet('greenlet_spawn\\\\n  has not')", "f(x)"]
    payload = json.dumps({"texts": texts, "lines": lines})
    got = json.loads(run_node(RUNNER_LOGS, str(static("errortext.js")), stdin=payload))
    bad = [i for i, t in enumerate(texts) if got["unframed"][i] != unframe(t)[0]]
    bad_reprs = [t for t, g in zip(lines, got["reprs"], strict=True) if g != exception_repr(t)]
    print(f"unframe of whole logs: {len(texts) - len(bad)}/{len(texts)} agree")
    assert bad == []
    assert bad_reprs == []
    assert any(exception_repr(t) for t in lines)
