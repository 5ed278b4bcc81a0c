"""Datasette serves `kbtool export --format sqlite` as it is: the table, facets on category,
severity and tags from the metadata written beside it, and full-text search from the
database itself. Datasette runs as a subprocess on 127.0.0.1 (a free port) and is stopped
afterwards; the test is skipped, saying why, only when Datasette cannot start."""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers_cli import cli

REPO = Path(__file__).resolve().parent.parent
FLAGSHIP = "async-context-manager-dependency-injection"
START_SECONDS = 60


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Datasette:
    def __init__(self, base: str, database: Path) -> None:
        self.base = base
        self.database = database

    def counts(self, sql: str) -> dict[str, int]:
        """Counts straight from the file, to compare Datasette's facets with."""
        with sqlite3.connect(f"file:{self.database}?mode=ro", uri=True) as conn:
            return dict(conn.execute(sql).fetchall())

    def get(self, path: str, **params: str | list[str]) -> Any:
        query = urllib.parse.urlencode(params, doseq=True)
        with urllib.request.urlopen(f"{self.base}{path}?{query}", timeout=30) as response:
            body = response.read().decode("utf-8")
        return json.loads(body) if ".json" in path else body


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Datasette]:
    try:
        import datasette  # noqa: F401 - only: is it installed?
    except ImportError as exc:
        pytest.skip(f"datasette cannot start: it is not installed ({exc})")
    root = tmp_path_factory.mktemp("kb")
    shutil.copytree(REPO / "learnings", root / "learnings")
    out = tmp_path_factory.mktemp("served") / "learnings.db"
    result = cli("--root", str(root), "export", "--format", "sqlite", "--out", str(out))
    assert result.code == 0, result.err
    port = free_port()
    command = [
        sys.executable, "-m", "datasette", "serve", "--immutable", str(out),
        "--metadata", str(out.with_name("learnings.metadata.json")),
        "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip
    log = out.with_name("datasette.log")
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    try:
        server = Datasette(f"http://127.0.0.1:{port}", out)
        deadline = time.monotonic() + START_SECONDS
        while True:
            if process.poll() is not None:
                reason = log.read_text(errors="replace").strip().splitlines()[-3:]
                pytest.skip(f"datasette cannot start (exit {process.returncode}): {reason}")
            try:
                server.get("/-/versions.json")
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.skip(f"datasette did not answer within {START_SECONDS} s")
                time.sleep(0.2)
        print(f"datasette {server.get('/-/versions.json')['datasette']['version']} on :{port}")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_datasette_serves_the_entries_table(served: Datasette) -> None:
    data = served.get("/learnings/entries.json", _shape="objects", _size="max")
    ids = [row["id"] for row in data["rows"]]
    assert FLAGSHIP in ids
    assert data["filtered_table_rows_count"] == len(ids) > 50
    assert data["primary_keys"] == ["id"]
    row = served.get(f"/learnings/entries/{FLAGSHIP}.json", _shape="objects")["rows"][0]
    assert row["category"] == "Database/AsyncIO" and row["severity"] == "critical"
    assert json.loads(row["learning"])["id"] == FLAGSHIP


def test_datasette_facets_on_category_severity_status_and_tags(served: Datasette) -> None:
    data = served.get("/learnings/entries.json", _size="0", _facet_size="max")
    facets = data["facet_results"]
    assert set(facets) == {"category", "severity", "status", "tags"}
    severity = {f["value"]: f["count"] for f in facets["severity"]["results"]}
    assert severity == served.counts("SELECT severity, count(*) FROM entries GROUP BY 1")
    assert set(severity) <= {"critical", "high", "medium", "low"}
    category = {f["value"]: f["count"] for f in facets["category"]["results"]}
    assert category == served.counts("SELECT category, count(*) FROM entries GROUP BY 1")
    # an array facet: one count per tag, not one per JSON array
    tags = {f["value"]: f["count"] for f in facets["tags"]["results"]}
    assert tags == served.counts("SELECT tag, entries FROM tags")
    assert tags["asyncio"] > 5
    # a facet value narrows the rows like a filter
    critical = served.get("/learnings/entries.json", severity="critical", _size="0")
    assert critical["filtered_table_rows_count"] == severity["critical"]


def test_datasette_full_text_search(served: Datasette) -> None:
    hits = served.get(
        "/learnings/entries.json",
        _search="_AsyncGeneratorContextManager async iterator",
        _shape="array",
        _col="title",
    )
    assert FLAGSHIP in [h["id"] for h in hits]
    assert len(hits) < 10
    html = served.get("/learnings/entries")
    assert 'name="_search"' in html  # the search box: Datasette found entries_fts itself
    sections = served.get("/learnings/fix_report_sections.json", _search="unwrap", _shape="array")
    assert any(s["heading"].startswith("Why #3") for s in sections)
