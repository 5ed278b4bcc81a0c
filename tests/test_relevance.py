"""The relevance set: natural queries over the bundled learnings/, scored by mean reciprocal
rank (MRR@10). Printed with ``pytest -s``; it must stay at or above 0.8.

Each line of ``tests/fixtures/relevance/queries.tsv`` is a query and the entries that answer
it (any of them counts). The queries name the bundled entries by id, so entries added to the
KB later only ever compete with them, as they would for a user.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kbtool.config import Config, load_config
from kbtool.fields import STATUSES
from kbtool.search.fulltext import Filters, search

REPO = Path(__file__).resolve().parent.parent
QUERIES = REPO / "tests" / "fixtures" / "relevance" / "queries.tsv"
MIN_MRR = 0.8


def relevance_set() -> list[tuple[str, set[str]]]:
    out = []
    for line in QUERIES.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            query, _, expected = line.partition("\t")
            out.append((query, set(expected.split())))
    return out


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Config:
    root = tmp_path_factory.mktemp("bundled")
    shutil.copytree(REPO / "learnings", root / "learnings")
    (root / "kbtool.toml").write_text("", encoding="utf-8")
    return load_config(root=root)


def rank_of(config: Config, query: str, expected: set[str]) -> int:
    """1-based rank of the first expected entry in the top 10; 0 when none is there."""
    hits = search(config, query, limit=10).hits
    return next((n for n, hit in enumerate(hits, 1) if hit.id in expected), 0)


def test_the_set_is_large_and_names_real_entries(bundled: Config) -> None:
    cases = relevance_set()
    assert len(cases) >= 50
    everything = Filters(status=STATUSES)
    ids = {hit.id for hit in search(bundled, "", limit=1000, filters=everything).hits}
    assert {i for _, expected in cases for i in expected} <= ids


def test_mean_reciprocal_rank(bundled: Config) -> None:
    cases = relevance_set()
    ranks = [rank_of(bundled, query, expected) for query, expected in cases]
    mrr = sum(1 / r for r in ranks if r) / len(ranks)
    misses = [(q, r) for (q, _), r in zip(cases, ranks, strict=True) if r != 1]
    print(
        f"\nrelevance set: {len(cases)} queries, MRR@10 {mrr:.3f}, top-1 "
        f"{sum(r == 1 for r in ranks)}/{len(cases)}, not found {ranks.count(0)}"
    )
    for query, rank in misses:
        print(f"  rank {rank or '-'}: {query}")
    assert mrr >= MIN_MRR
