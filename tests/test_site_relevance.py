"""The site's search scored on the relevance set ``kbtool search`` is scored on
(tests/test_relevance.py): every query typed into the page of the bundled KB's site, run by
the page's own code (static/errortext.js and static/search.js) in Node over the index the
build wrote, and its MRR@10 printed per file beside the CLI's (``pytest -s``).

The harness gives search.js what a page gives it: a ``document`` whose ``<script>`` elements
run the index's files (``search/**/*.js``, which call ``kbtoolSearch``), and then asks
``KbSearch.find`` what the page would list for the query as typed (the last word still a
prefix, as while typing). tests/test_site_browser.py checks the same code in Chromium.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers_node import run_node
from test_relevance import FLOORS, relevance_set

from kbtool.config import Config, load_config
from kbtool.search.fulltext import search
from kbtool.site.build import build_site

REPO = Path(__file__).resolve().parent.parent

#: What the site's search must keep, for each file and (None) for the whole set: what it
#: reached when it was made to read and rank queries as kbtool search does, less a little
#: (before: 0.930 in all; kbtool search: 0.979).
SITE_FLOORS = {
    "queries.tsv": 0.96,
    "fresh.tsv": 0.96,
    "fresh2.tsv": 0.97,
    "fresh3.tsv": 0.98,
    "probes.tsv": 0.94,
    None: 0.97,
}

RUNNER = r"""
const fs = require("fs"), path = require("path"), vm = require("vm");
const site = process.argv[1];
const head = {
  appendChild(tag) {  // a <script> element: run its file, then its onload (as a page does)
    setImmediate(() => {
      const file = decodeURIComponent(new URL(tag.src).pathname);
      try { vm.runInThisContext(fs.readFileSync(file, "utf8"), { filename: file }); }
      catch (e) { tag.onerror && tag.onerror(e); return; }
      tag.onload && tag.onload();
    });
  },
};
globalThis.self = globalThis;
globalThis.document = {
  currentScript: { src: "file://" + path.join(site, "static", "search.js") },
  baseURI: "file://" + site + "/",
  readyState: "complete",
  head,
  createElement: () => ({ remove() {} }),
  querySelector: () => null,
  getElementById: () => null,
};
// errortext.js and query.js export themselves to a CommonJS module where there is one
// (Node), else to self.
self.KbErrorText = require(path.join(site, "static", "errortext.js"));
self.KbQuery = require(path.join(site, "static", "query.js"));
const main = path.join(site, "static", "search.js");
vm.runInThisContext(fs.readFileSync(main, "utf8"), { filename: main });
(async () => {
  const queries = JSON.parse(fs.readFileSync(0, "utf8"));
  const out = [];
  for (const q of queries) {
    const found = await self.KbSearch.find(q);
    out.push(found.shown.map((item) => item.row[0]));
  }
  process.stdout.write(JSON.stringify(out));
})();
"""


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Path]:
    root = tmp_path_factory.mktemp("bundled")
    shutil.copytree(REPO / "learnings", root / "learnings")
    (root / "kbtool.toml").write_text("", encoding="utf-8")
    config = load_config(root=root)
    out = root / "_site"
    build_site(config, out)
    return config, out


def site_answers(site: Path, queries: list[str]) -> list[list[str]]:
    """The ids the site's search lists for each query, best first."""
    why = "the site's search cannot be run outside a browser"
    stdout = run_node(RUNNER, str(site), stdin=json.dumps(queries), timeout=600, why=why)
    answers: list[list[str]] = json.loads(stdout)
    return answers


def mrr(ranks: list[int]) -> float:
    return sum(1 / r for r in ranks if r) / len(ranks) if ranks else 0.0


def rank(ids: list[str], expected: set[str]) -> int:
    return next((n for n, i in enumerate(ids[:10], 1) if i in expected), 0)


def index_size(site: Path) -> int:
    return sum(p.stat().st_size for p in (site / "search").rglob("*.js"))


def entries(site: Path) -> int:
    from test_site import index_script

    _, meta = index_script((site / "search" / "meta.js").read_bytes())
    count: int = meta["docs"]
    return count


def test_site_search_ranks_like_the_cli(bundled: tuple[Config, Path]) -> None:
    config, site = bundled
    files = {name: relevance_set(name) for name in FLOORS}
    cases = [case for name in FLOORS for case in files[name]]
    answers = site_answers(site, [query for query, _ in cases])
    site_ranks = [rank(ids, expected) for ids, (_, expected) in zip(answers, cases, strict=True)]
    cli_ranks = [
        rank([h.id for h in search(config, query, limit=10).hits], expected)
        for query, expected in cases
    ]
    print(f"\nsite search index: {index_size(site)} bytes for {entries(site)} entries")
    start, figures = 0, {}
    for name in [*FLOORS, None]:
        n = len(files[name]) if name else len(cases)
        lo, hi = (start, start + n) if name else (0, len(cases))
        figures[name] = mrr(site_ranks[lo:hi])
        print(
            f"{name or '(all)':12} {n:4} queries: site MRR@10 {figures[name]:.3f}, "
            f"CLI {mrr(cli_ranks[lo:hi]):.3f}"
        )
        if name:
            start += n
    for (query, _), s, c in zip(cases, site_ranks, cli_ranks, strict=True):
        if s != c and (s == 0 or (c and s > c)):
            print(f"  site {s or '-'} CLI {c or '-'}: {' '.join(query.split())[:100]}")
    assert {name: f for name, f in figures.items() if f < SITE_FLOORS[name]} == {}
