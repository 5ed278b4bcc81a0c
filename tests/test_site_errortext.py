"""The browser's error normalisation (kbtool/site/static/errortext.js) gives what
kbtool.search.errortext gives, on the shared vectors (tests/fixtures/errortext_vectors.json:
every bundled symptom line, the labelled logs' lines, and hand-written edge cases).
Run here with Node when it is installed; tests/test_site_browser.py runs the same vectors
in Chromium."""

from __future__ import annotations

import json
import shutil
import subprocess
from importlib.resources import files
from pathlib import Path

import pytest
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
    node = shutil.which("node")
    if node is None:
        pytest.skip("no node on PATH (tests/test_site_browser.py checks the vectors in Chromium)")
    script = Path(str(files("kbtool.site") / "static" / "errortext.js"))
    run = subprocess.run(
        [node, "-e", RUNNER, str(script), str(VECTORS)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    want = json.loads(VECTORS.read_text(encoding="utf-8"))
    got = json.loads(run.stdout)
    bad = disagreements(got, want)
    print(f"errortext.js vs Python: {len(want) - len(bad)}/{len(want)} vectors agree")
    assert bad == []
    assert len(want) > 1000
