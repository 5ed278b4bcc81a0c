"""Start-up of the reading commands (issue 12): what each command imports, and that the
shortcuts taken for speed give the same answers as the long way round.

Timings live in tests/benchmarks/bench_cli.py; here only the imports, which are steady."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from helpers_cli import imported_modules

from kbtool.config import load_config
from kbtool.kb import KnowledgeBase

REPO = Path(__file__).resolve().parent.parent


def _modules(argv: list[str], cwd: Path) -> set[str]:
    return imported_modules(argv, cwd)[1]


def test_report_backlinks_without_the_graph_are_the_graphs(tmp_path: Path) -> None:
    """For every bundled entry, the pre-check that skips the link graph loses no backlink."""
    from kbtool.reports.links import build_graph
    from kbtool.show import report_backlinks, reports_may_mention

    config = load_config(root=REPO)
    kb = KnowledgeBase.load(config)
    graph = build_graph(config, kb, use_cache=False)
    skipped = 0
    for ref in kb.entries():
        expected = [b.to_dict() for b in graph.backlinks(ref.id) if b.kind == "report"]
        assert report_backlinks(config, ref) == expected, ref.id
        skipped += not reports_may_mention(config, ref)
    assert skipped > len(list(kb.entries())) // 2  # the shortcut is really taken


@pytest.mark.parametrize(
    ("argv", "absent"),
    [
        (["show", "coroutine-never-awaited"], {"typer", "kbtool.reports.links", "jinja2"}),
        (["list"], {"typer", "lxml", "dataclasses", "kbtool.reports.links"}),
        (["stats"], {"typer", "lxml", "kbtool.reports.links"}),
        (["--version"], {"typer", "kbtool.cli.fast"}),
        (["explain", "KB101"], {"typer", "lxml"}),  # every command takes the fast path
    ],
    ids=" ".join,
)
def test_reading_commands_leave_heavy_modules_unimported(argv: list[str], absent: set[str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "kbtool", "index"], cwd=REPO, capture_output=True, check=False
    )
    assert _modules(argv, REPO) & absent == set()


#: What a search on an up-to-date index has no use for: the typer front end, the XML parser,
#: typing (type annotations only), tomllib (a simple kbtool.toml), OpenSSL's hashing (the
#: owner token is signed over the built-in SHA-256), the watcher's struct.
SEARCH_NEEDS_NONE_OF = {"typer", "lxml", "typing", "tomllib", "hmac", "_hashlib", "struct"}


@pytest.mark.parametrize(
    "argv",
    [
        ["search", "pool exhausted"],
        ["search", "zanzibar"],  # no hit: "did you mean"
        ["search", "--category", "Database", "--severity", "high"],
        ["search", "--format", "json", '"connection pool"'],
    ],
    ids=" ".join,
)
def test_a_search_imports_only_what_it_uses(tmp_path: Path, argv: list[str]) -> None:
    from search_kb import copy_kb

    config = copy_kb(tmp_path)
    subprocess.run(
        [sys.executable, "-m", "kbtool", "index"], cwd=config.root, capture_output=True, check=True
    )
    assert _modules(argv, config.root) & SEARCH_NEEDS_NONE_OF == set()
