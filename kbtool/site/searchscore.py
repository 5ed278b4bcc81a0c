"""The site index's terms, scored as ``kbtool search`` scores them.

The entries' text goes into an in-memory SQLite database with the search index's own
full-text tables (:mod:`kbtool.search.indexschema`: the same columns, tokenizer and Porter
stemmer) from the same rows (:func:`kbtool.search.indexread.entry_rows`); each stemmed term
of an entry gets the score one word of a query would get there: FTS5's BM25 over the short
fields with their column weights, plus :data:`~kbtool.search.indexschema.BODY_WEIGHT` times
BM25 over the long texts (:func:`kbtool.search.fulltext.search_sql` adds the two the same
way). The unstemmed words of the short fields are what "did you mean" picks from, as the
CLI's ``words_fts``.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Sequence

from kbtool.search.indexschema import (
    BODY_WEIGHT,
    HEAD_COLUMNS,
    HEAD_WEIGHTS,
    TOKENIZER,
    WORDS_TOKENIZER,
)

#: FTS5's bm25() constants (fts5_aux.c).
K1, B = 1.2, 0.75
#: Scores travel as integers: this many per unit of BM25.
SCALE = 100

Head = tuple[str, ...]  # the HEAD_COLUMNS' texts of one entry


def scored_terms(
    heads: Sequence[Head], bodies: Sequence[str]
) -> tuple[dict[str, list[tuple[int, int]]], Counter[str]]:
    """Each stemmed term's postings ``[(doc, score), …]`` (docs numbered as given), and the
    unstemmed words of the short fields with the number of entries holding each."""
    conn = sqlite3.connect(":memory:")
    try:
        columns = ", ".join(HEAD_COLUMNS)
        stemmed = f"tokenize = '{TOKENIZER}'"
        conn.execute(f"CREATE VIRTUAL TABLE head_fts USING fts5({columns}, {stemmed})")
        conn.execute(f"CREATE VIRTUAL TABLE body_fts USING fts5(body, {stemmed})")
        conn.execute(
            f"CREATE VIRTUAL TABLE words_fts USING fts5(words, tokenize = '{WORDS_TOKENIZER}')"
        )
        marks = ", ".join("?" * len(HEAD_COLUMNS))
        conn.executemany(
            f"INSERT INTO head_fts (rowid, {columns}) VALUES (?, {marks})",  # noqa: S608 - constants
            [(doc, *head) for doc, head in enumerate(heads)],
        )
        conn.executemany(
            "INSERT INTO body_fts (rowid, body) VALUES (?, ?)", list(enumerate(bodies))
        )
        conn.executemany(
            "INSERT INTO words_fts (rowid, words) VALUES (?, ?)",
            [(doc, "\n".join(head)) for doc, head in enumerate(heads)],
        )
        pairs = _joined_pairs(conn, [*(t for head in heads for t in head), *bodies])
        total: dict[tuple[str, int], float] = defaultdict(float)
        for table, weights, factor in (
            ("head_fts", HEAD_WEIGHTS, 1.0),
            ("body_fts", (1.0,), BODY_WEIGHT),
        ):
            for (term, doc), score in _bm25(conn, table, weights, pairs).items():
                total[term, doc] += factor * score
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for (term, doc), score in total.items():
            postings[term].append((doc, int(SCALE * score + 0.5) or 1))
        conn.execute("CREATE VIRTUAL TABLE words_vocab USING fts5vocab(words_fts, 'row')")
        words = Counter(dict(conn.execute("SELECT term, doc FROM words_vocab")))
        return dict(postings), words
    finally:
        conn.close()


def _joined_pairs(conn: sqlite3.Connection, texts: Sequence[str]) -> set[tuple[str, str]]:
    """The pairs of stems written joined by punctuation somewhere (``engine.execute``,
    ``from_orm``, ``--reload``'s none): code a person types, which ``kbtool search`` looks
    for as a phrase. Indexing every pair of neighbours would triple the index."""
    chunks = sorted({c for text in texts for c in text.split() if len(_TOKEN.findall(c)) > 1})
    conn.execute(f"CREATE VIRTUAL TABLE chunks USING fts5(c, tokenize = '{TOKENIZER}')")
    conn.execute("CREATE VIRTUAL TABLE chunks_vocab USING fts5vocab(chunks, 'instance')")
    conn.executemany("INSERT INTO chunks (rowid, c) VALUES (?, ?)", list(enumerate(chunks)))
    at: dict[tuple[int, int], str] = {}
    for term, doc, offset in conn.execute("SELECT term, doc, offset FROM chunks_vocab"):
        at[doc, offset] = term
    return {(a, at[doc, o + 1]) for (doc, o), a in at.items() if (doc, o + 1) in at}


_TOKEN = re.compile(r"[^\W_]+")


def _bm25(
    conn: sqlite3.Connection,
    table: str,
    weights: Sequence[float],
    pairs: set[tuple[str, str]],
) -> dict[tuple[str, int], float]:
    """BM25 of each (term, doc) of ``table`` as FTS5's bm25() with ``weights`` gives it for
    a query of that one term: idf × weighted tf × (k1 + 1) / (weighted tf + k1 × (1 − b +
    b × doc length / average length)), the idf log((N − n + 0.5) / (n + 0.5)), at least 1e-6.
    The same for each of ``pairs`` as a phrase (``"a b"``: b right after a), as a term of
    its own written with a space between."""
    conn.execute(f"CREATE VIRTUAL TABLE {table}_vocab USING fts5vocab({table}, 'instance')")
    tf: dict[tuple[str, int], float] = defaultdict(float)
    length: Counter[int] = Counter()
    index = {name: n for n, name in enumerate(HEAD_COLUMNS if table == "head_fts" else ("body",))}
    at: dict[tuple[int, str, int], str] = {}
    rows = conn.execute(f"SELECT term, doc, col, offset FROM {table}_vocab")  # noqa: S608 - constants
    for term, doc, col, offset in rows:
        tf[term, doc] += weights[index[col]]
        length[doc] += 1
        at[doc, col, offset] = term
    for (doc, col, offset), term in at.items():
        after = at.get((doc, col, offset + 1))
        if after is not None and (term, after) in pairs:
            tf[f"{term} {after}", doc] += weights[index[col]]
    n = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - constants
    average = (sum(length.values()) / n) if n else 1.0
    hits: Counter[str] = Counter(term for term, _ in tf)
    out = {}
    for (term, doc), f in tf.items():
        idf = math.log((n - hits[term] + 0.5) / (hits[term] + 0.5))
        idf = idf if idf > 0 else 1e-6
        norm = K1 * (1 - B + B * length[doc] / average)
        out[term, doc] = idf * f * (K1 + 1) / (f + norm)
    return out
