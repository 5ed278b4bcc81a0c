"""static/query.js reads a query as kbtool search does: its stems are SQLite's Porter
stemmer's (the site index's terms are that tokenizer's) and its variants are
kbtool.search.vocabulary's, on every word of the bundled KB and of the relevance set, and on
the vocabulary's own keys. Run in Node when it is installed."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from helpers_node import run_node, static
from test_relevance import relevance_set

from kbtool.search import vocabulary
from kbtool.search.indexschema import TOKENIZER, WORDS_TOKENIZER
from kbtool.site.searchindex import vocabulary as vocabulary_tables

REPO = Path(__file__).resolve().parent.parent
RUNNER = """
const Q = require(process.argv[1]);
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify({
  stems: input.words.map((w) => Q.tokens(w).map(Q.stem).join(" ")),
  variants: input.words.map((w) => Q.variants(w, input.vocabulary)),
  tokens: input.texts.map((t) => Q.tokens(t)),
}));
"""
#: Porter's own examples of each step, and words with bytes beyond ASCII.
TRICKY = """caresses ponies ties caress cats feed agreed plastered bled motoring sing conflated
troubled sized hopping tanned falling hissing fizzed failing filing happy sky relational
conditional rational valenci hesitanci digitizer conformabli radicalli differentli
vileli analogousli vietnamization predication operator feudalism decisiveness
hopefulness callousness formaliti sensitiviti sensibiliti triplicate formative formalize
electriciti electrical hopeful goodness revival allowance inference airliner gyroscopic
adjustable defensible irritant replacement adjustment dependent adoption homologou
communism activate angulariti homologous effective bowdlerize probate rate cease
controll roll generalization oscillators eed bee yyy syzygy asyncio sqlalchemy
postgresql kubernetes naïve café Straße ÉCOLE 2fa x86_64 utf8 léa""".split()  # noqa: SIM905


def sqlite_stems(words: list[str]) -> list[str]:
    """Each word's term in a table with the search index's tokenizer."""
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE VIRTUAL TABLE t USING fts5(w, tokenize = '{TOKENIZER}')")
    conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    conn.executemany("INSERT INTO t (rowid, w) VALUES (?, ?)", list(enumerate(words)))
    found = dict(conn.execute("SELECT doc, term FROM v"))
    return [found.get(n, "") for n in range(len(words))]


def words() -> list[str]:
    text = " ".join(
        p.read_text(encoding="utf-8") for p in sorted((REPO / "learnings").rglob("*.xml"))
    )
    text += " ".join(q for q, _ in relevance_set())
    found = {w.lower() for w in re.findall(r"[^\W_]+", text) if len(w) < 64}
    keys = [*vocabulary.ABBREVIATIONS, *vocabulary.SQLSTATES]
    return sorted(found | set(TRICKY) | set(keys) | {"serialise", "behaviour", "colour"})


def run_query_js(payload: dict[str, object]) -> dict[str, list[object]]:
    why = "static/query.js cannot be run outside a browser"
    stdout = run_node(RUNNER, str(static("query.js")), stdin=json.dumps(payload), why=why)
    out: dict[str, list[object]] = json.loads(stdout)
    return out


def test_javascript_stems_and_spells_like_sqlite_and_python() -> None:
    every = words()
    single = [w for w in every if re.fullmatch(r"[^\W_]+", w)]
    texts = ["Straße ÉCOLE café", "from_attributes fromAttributes", "x86_64 2fa", "naïve—rôle"]
    got = run_query_js({"words": single, "texts": texts, "vocabulary": vocabulary_tables()})
    want_stems = sqlite_stems(single)
    bad = [
        (w, g, s) for w, g, s in zip(single, got["stems"], want_stems, strict=True) if s and g != s
    ]
    want_variants = [[list(v) for v in vocabulary.variants(w)] for w in single]
    bad_variants = [
        (w, g, v) for w, g, v in zip(single, got["variants"], want_variants, strict=True) if g != v
    ]
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE VIRTUAL TABLE t USING fts5(w, tokenize = '{WORDS_TOKENIZER}')")
    conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    conn.executemany("INSERT INTO t (rowid, w) VALUES (?, ?)", list(enumerate(texts)))
    want_tokens = [
        [t for d, t in conn.execute("SELECT doc, term FROM v ORDER BY doc, offset") if d == n]
        for n in range(len(texts))
    ]
    print(f"\nquery.js stems {len(single) - len(bad)}/{len(single)} words as SQLite does")
    assert bad == []
    assert bad_variants == []
    assert got["tokens"] == want_tokens
    assert len(single) > 2000
