"""``kbtool migrate`` loses no word of a legacy folder, whatever shape its files take.

A generator writes folders of legacy files from the vocabulary of docs/migrate.md's real
folder (25 root names, the many names of each field, metadata blocks, envelopes of several
records, attributes on anything, comments, CDATA, bare ``&`` and stray ``<``, CRLF, BOMs,
mixed content), migrates them, and counts the words a person wrote in the sources
(tests/helpers_corpus.py: markup removed, attribute values and comments kept) against the
output. The regression tests below are the shapes it found that lost words.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest
from helpers_corpus import output_text, read_source, source_text, words

from kbtool.migrate.learnings import MigrateOptions, apply, plan

ROOTS = ["learning", "specification", "learnings", "learning_document", "spec", "issue"]
ROOTS += ["learning_entry", "critical_fixes", "insight", "doc"]
FIELDS = ["title", "name", "id", "date", "created", "last_updated", "timestamp", "severity"]
FIELDS += ["priority", "criticality", "category", "problem", "description", "context"]
FIELDS += ["issue", "problem_statement", "problem-statement", "summary", "symptoms", "symptom"]
FIELDS += ["error_message", "error", "root_cause", "root_causes", "root-cause", "why", "why_1"]
FIELDS += ["five_whys_analysis", "cause", "solution", "implementation", "fix", "remediation"]
FIELDS += ["steps", "step", "files_affected", "related_files", "file", "prevention"]
FIELDS += ["best_practices", "practice", "lessons_learned", "insight", "rationale"]
FIELDS += ["critical-takeaway", "verification", "testing", "test", "references"]
FIELDS += ["related_learnings", "impact", "status", "tags", "tag", "metadata", "meta", "header"]
FIELDS += ["section", "categories", "question", "answer", "item", "results", "result"]
FIELDS += ["extra_thing", "code", "example"]
TEXTS = ["use a && b in shell", "see https://x.y/?a=1&b=2", "Velocity & Stability"]
TEXTS += ["latency <10ms", "if attempt < max_retries:", "Record<A, B[]> type", "<T> generic"]
TEXTS += ["<NAME> placeholder", "plain words here", "Müller ünïcode ✓ 漢字", "2026-11-02"]
TEXTS += ["CRITICAL", "P0_CRITICAL", "a, b, c, d", "app/x.py - what changed", "x > y"]
TEXTS += ["  indented\n    code\n", "&nbsp; entity", "&amp; escaped", "5 < 6 > 4", "café"]
TEXTS += ["'quoted' \"double\"", "tab\there", "1. first\n2. second", "- one\n- two"]
TEXTS += ["SELECT * FROM t WHERE a<>b", "why? because."]
ATTRS = ["id", "date", "severity", "category", "priority", "name", "ref", "file", "status"]
VALUES = ["L001", "1", "2026-11-02", "high", "CRITICAL", "Data & Storage", "a<b", "x.py", "Ünï"]


def _text(r: random.Random) -> str:
    return r.choice(TEXTS) + (" " + r.choice(TEXTS) if r.random() < 0.3 else "")


def _attrs(r: random.Random) -> str:
    out = []
    for name in r.sample(ATTRS, r.randint(0, 3)):
        value = r.choice(VALUES)
        if r.random() < 0.7:
            value = value.replace("&", "&amp;").replace("<", "&lt;")
        out.append(f' {name}="{value}"')
    return "".join(out)


def _element(r: random.Random, depth: int) -> str:
    name = r.choice(FIELDS)
    parts = [_text(r)] if r.random() < 0.8 else []
    if depth < 3:
        for _ in range(r.randint(0, 3 if depth < 2 else 1)):
            parts.append("\n" + _element(r, depth + 1))
            if r.random() < 0.2:
                parts.append(_text(r))
    if r.random() < 0.1:
        parts.append("<![CDATA[ if a < b && c ]]>")
    if r.random() < 0.05:
        parts.append("<!-- a comment & note -->")
    return f"<{name}{_attrs(r)}>" + "".join(parts) + f"</{name}>"


def _document(r: random.Random) -> bytes:
    root = r.choice(ROOTS)
    body = "".join("\n" + _element(r, 1) for _ in range(r.randint(1, 4)))
    if root in ("specification", "learnings") and r.random() < 0.5:
        records = "".join(
            f"\n<learning{_attrs(r)}>"
            + "".join("\n" + _element(r, 2) for _ in range(r.randint(1, 4)))
            + "</learning>"
            for _ in range(r.randint(1, 4))
        )
        meta = f"<metadata><title>{_text(r)}</title><date>2026-11-02</date></metadata>"
        body = f"\n{meta}\n<entries>{records}\n</entries>{body}"
    doc = f"<{root}{_attrs(r)}>{body}\n</{root}>"
    if r.random() < 0.1:
        doc = '<?xml version="1.0" encoding="UTF-8"?>\n' + doc
    if r.random() < 0.1:
        doc = doc.replace("\n", "\r\n")
    data = doc.encode("utf-8")
    return b"\xef\xbb\xbf" + data if r.random() < 0.1 else data


def _lost(src: Path, out: Path) -> dict[str, int]:
    apply(plan(MigrateOptions(sources=[src], out=out)))
    written: Counter[str] = Counter()
    for path in sorted(src.glob("*.xml")):
        written += words(source_text(read_source(path)))
    kept = words(output_text(out))
    return {w: n - kept[w] for w, n in written.items() if kept[w] < n}


def test_generated_legacy_folders_lose_no_word(tmp_path: Path) -> None:
    folders = 300
    bad = []
    total = 0
    for seed in range(folders):
        r = random.Random(seed)
        src = tmp_path / f"s{seed}" / "legacy"
        src.mkdir(parents=True)
        for k in range(r.randint(1, 3)):
            (src / f"f{k}.xml").write_bytes(_document(r))
        total += sum(words(source_text(read_source(p))).total() for p in src.glob("*.xml"))
        lost = _lost(src, tmp_path / f"s{seed}" / "out")
        if lost:
            bad.append(f"  seed {seed}: {sorted(lost.items())[:6]}")
    print(f"\nmigrate, {folders} generated legacy folders ({total} words): {len(bad)} lost words")
    assert bad == [], "\n".join(bad[:10])


# ------------------------------------------------------------------ shapes that lost words


SHAPES = {
    # lxml's remove() takes the removed element's tail with it
    "text after a cause's own fix": (
        "<learning><title>T</title><root_causes><cause>text one<fix>fixed thing</fix>"
        "tail words</cause></root_causes></learning>",
        ["text one\ntail words", "fixed thing"],
    ),
    "comments and attributes inside fields read as their text": (
        '<learning><title>See <ref id="L042"/> and <b>bold<!-- inner --></b></title>'
        "<tags>db, pool<!-- tag note --></tags>"
        "<symptoms><s><related_files>1. first<!-- item note --></related_files></s></symptoms>"
        "<references><related_learnings>L7<!-- ref note --></related_learnings></references>"
        "</learning>",
        ["L042", "inner", "tag note", "item note", "ref note"],
    ),
    "every path and note attribute of a file": (
        '<learning><title>T</title><files_affected file="a.py">what changed</files_affected>'
        '<files_modified path="only.py"/>'
        '<files><file path="p.py" name="nm" what="w1" description="d">t</file></files>'
        "</learning>",
        ["a.py - what changed", "only.py", "p.py - w1 - t - nm - d"],
    ),
    "an envelope value that is not valid": (
        '<critical_fixes priority="someday" owner="ops"><learning><title>A</title></learning>'
        "<learning><title>B</title></learning></critical_fixes>",
        ["someday", "ops"],
    ),
    "an envelope value no entry takes": (
        '<learnings category="Backend" date="2026-10-01">'
        "<learning><title>A</title><category>Database</category><date>2026-11-01</date>"
        "</learning></learnings>",
        ["Backend", "2026-10-01"],
    ),
    "inline markup runs on, a block does not": (
        "<learning><title>Fix <code>pool.get()</code> leak</title>"
        "<criticality><category>P0_CRITICAL</category>if attempt</criticality></learning>",
        ["Fix pool.get() leak", "P0_CRITICAL\nif attempt"],
    ),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_shapes_that_lost_words(tmp_path: Path, shape: str) -> None:
    xml, kept = SHAPES[shape]
    src = tmp_path / "legacy"
    src.mkdir()
    (src / "a.xml").write_text(xml, encoding="utf-8")
    assert _lost(src, tmp_path / "out") == {}
    text = output_text(tmp_path / "out")
    for piece in kept:
        assert piece in text, (piece, text)
