"""The relevance set: natural queries over the bundled learnings/, scored by mean reciprocal
rank (MRR@10). Printed with ``pytest -s``, for each file and for all of them; each file must
stay at or above its floor.

Each line of a ``tests/fixtures/relevance/*.tsv`` file is a query and the entries that answer
it (any of them counts); a line starting ``# `` is a comment. A query written ``<<FILE`` is
the text of that file, relative to the folder: a pasted traceback or log, which a line of
the table cannot hold. The queries name the bundled entries by id, so entries added to the
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
FOLDER = REPO / "tests" / "fixtures" / "relevance"
#: Each file of the set and the MRR@10 it must keep: queries.tsv, written with the search
#: code; fresh.tsv and fresh2.tsv, written later from the entries' topics before they were
#: run (each file's header says when); probes.tsv, written while fixing to look for more.
FLOORS = {
    "queries.tsv": 0.8,
    "fresh.tsv": 0.9,
    "fresh2.tsv": 0.9,
    "fresh3.tsv": 0.9,
    "probes.tsv": 0.9,
}


def is_comment(line: str) -> bool:
    """A comment is ``#`` alone or followed by a space: a pasted BuildKit line (``#12 0.532
    error: …``) or Azure Pipelines line (``##[error]…``) is a query that starts with ``#``."""
    return line.rstrip("\n") == "#" or line.startswith("# ")


def relevance_set(name: str | None = None) -> list[tuple[str, set[str]]]:
    """The queries of one file of the set (all of them without ``name``)."""
    out = []
    for file in [name] if name else FLOORS:
        for line in (FOLDER / file).read_text(encoding="utf-8").splitlines():
            if line.strip() and not is_comment(line):
                query, _, expected = line.partition("\t")
                if query.startswith("<<"):
                    query = (FOLDER / query[2:]).read_text(encoding="utf-8")
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


def score(config: Config, name: str | None) -> float:
    """Print one file's figure (all files' without ``name``) and its misses; the MRR@10."""
    cases = relevance_set(name)
    ranks = [rank_of(config, query, expected) for query, expected in cases]
    mrr = sum(1 / r for r in ranks if r) / len(ranks)
    print(
        f"\nrelevance set {name or '(all)'}: {len(cases)} queries, MRR@10 {mrr:.3f}, top-1 "
        f"{sum(r == 1 for r in ranks)}/{len(cases)}, not found {ranks.count(0)}"
    )
    if name:
        for (query, _), rank in zip(cases, ranks, strict=True):
            if rank != 1:
                shown = " ".join(query.split())
                print(f"  rank {rank or '-'}: {shown[:100]}")
    return mrr


@pytest.mark.parametrize("name", list(FLOORS))
def test_mean_reciprocal_rank(bundled: Config, name: str) -> None:
    assert score(bundled, name) >= FLOORS[name]


def test_whole_set_figure(bundled: Config) -> None:
    assert score(bundled, None) >= min(FLOORS.values())
