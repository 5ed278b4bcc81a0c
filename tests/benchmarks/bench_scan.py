"""Benchmark ``kbtool scan`` with every bundled detector on a generated tree of Python files.

    .venv/bin/python tests/benchmarks/bench_scan.py            # 2,000 files, 5 runs
    .venv/bin/python tests/benchmarks/bench_scan.py --quick    # 2,000 files, 2 runs

The tree has N modules of 60-400 lines in nested packages: FastAPI routes with
``Depends(...)`` (a few with the flagship bug across modules), async SQLAlchemy code,
classes, comprehensions, try/except, plus some non-Python files. Timings are whole
processes (``kbtool --root REPO scan TREE``), median of several runs, measured in the same
run as two references over the same files:

- ``ast.parse``: a Python process that reads and parses every ``.py`` file once (what any
  AST-based checker has to pay);
- ``rg``: ripgrep searching every bundled regex pattern (when ``rg`` is installed).

It also times ``kbtool scan --jobs 0`` (worker processes, one per CPU).

Target: the scan of 2,000 files takes at most 10 s; the script exits 1 when it does not.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET_SECONDS = 10.0

HEADER = '''"""Generated module {name} for the scan benchmark."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from {pkg}.dependencies import get_request_scoped_db_session, get_session_for_fastapi

logger = logging.getLogger(__name__)
router = APIRouter()
'''

DEPENDENCIES = '''"""Dependencies of package {pkg}."""

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

SessionFactory: async_sessionmaker[AsyncSession]


@asynccontextmanager
async def get_request_scoped_db_session() -> AsyncGenerator[AsyncSession, None]:
    async with SessionFactory() as session:
        yield session


async def get_session_for_fastapi() -> AsyncGenerator[AsyncSession, None]:
    async with get_request_scoped_db_session() as session:
        yield session
'''

BLOCKS = [
    """

@router.get("/{name}/{i}")
async def read_{i}(
    item_id: int, db: Annotated[AsyncSession, Depends(get_session_for_fastapi)]
) -> dict[str, object]:
    result = await db.execute(select(text("1")).where(text("id = :id")), {{"id": item_id}})
    row = result.first()
    if row is None:
        raise HTTPException(status_code=404, detail="not found")
    return {{"id": item_id, "value": [r for r in row if r is not None]}}
""",
    '''

class Service{i}:
    """A service with a few methods."""

    def __init__(self, name: str, retries: int = 3) -> None:
        self.name = name
        self.retries = retries
        self.cache: dict[str, int] = {{}}

    async def run(self, values: list[int]) -> int:
        total = 0
        for attempt in range(self.retries):
            try:
                total += sum(v * attempt for v in values if v % 2 == 0)
                await asyncio.sleep(0)
            except ValueError as exc:
                logger.exception("attempt %s failed: %s", attempt, exc)
                raise
        return total

    def describe(self) -> str:
        return f"{{self.name}}: {{len(self.cache)}} cached, {{self.retries}} retries"
''',
    """

def transform_{i}(rows: list[dict[str, int]], factor: int = 2) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {{}}
    for row in rows:
        for key, value in row.items():
            out.setdefault(key, []).append(value * factor)
    return {{k: sorted(v) for k, v in out.items() if v}}
""",
    """

async def gather_{i}(n: int) -> list[int]:
    tasks = [asyncio.create_task(asyncio.sleep(0, result=k)) for k in range(n)]
    done = await asyncio.gather(*tasks)
    return [d for d in done if d is not None]
""",
]

BUG = """

@router.get("/buggy/{i}")
async def buggy_{i}(db: AsyncSession = Depends(get_request_scoped_db_session)) -> int:
    return int((await db.execute(text("SELECT 1"))).scalar_one())
"""


def generate(root: Path, files: int, seed: int = 7) -> int:
    """Write the tree; return the number of planted flagship bugs."""
    rng = random.Random(seed)
    bugs = 0
    packages = max(1, files // 50)
    written = 0
    for p in range(packages):
        pkg = f"svc{p:03d}"
        base = root / "src" / pkg / ("api" if p % 2 else "core")
        base.mkdir(parents=True, exist_ok=True)
        (root / "src" / pkg / "__init__.py").write_text("")
        (base / "__init__.py").write_text("")
        (root / "src" / pkg / "dependencies.py").write_text(DEPENDENCIES.format(pkg=pkg))
        written += 3
        per_package = min(files - written, 47) if p < packages - 1 else files - written
        for m in range(max(per_package, 0)):
            name = f"mod{m:03d}"
            parts = [HEADER.format(name=name, pkg=pkg)]
            for i in range(rng.randint(2, 14)):
                parts.append(rng.choice(BLOCKS).format(name=name, i=i))
            if rng.random() < 0.02:
                parts.append(BUG.format(i=m))
                bugs += 1
            (base / f"{name}.py").write_text("".join(parts))
            written += 1
        (root / "src" / pkg / "README.md").write_text(f"# {pkg}\n\nNotes.\n")
    return bugs


AST_LOOP = """
import ast, pathlib, sys
n = 0
for path in sorted(pathlib.Path(sys.argv[1]).rglob("*.py")):
    ast.parse(path.read_bytes(), filename=str(path))
    n += 1
print(n)
"""


def timed(cmd: list[str], runs: int) -> tuple[float, subprocess.CompletedProcess[str]]:
    times = []
    proc = None
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - start)
    assert proc is not None
    return statistics.median(times), proc


def bundled_regexes(root: Path) -> list[str]:
    """Every bundled regex pattern (for the ripgrep reference)."""
    from lxml import etree

    from kbtool.safexml import make_parser

    patterns = []
    for path in sorted((root / "learnings").glob("*.xml")):
        root = etree.fromstring(path.read_bytes(), make_parser())
        for det in root.iterfind("learnings/learning/detectors/detector[@kind='regex']"):
            pattern = det.find("pattern")
            if pattern is not None:
                patterns.append("".join(pattern.itertext()))
    return patterns


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs")
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--root", type=Path, default=ROOT, help="the KB (default: bundled)")
    args = parser.parse_args()
    kbtool = [sys.executable, "-m", "kbtool", "--root", str(args.root)]
    runs = 2 if args.quick else 5
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        bugs = generate(tree, args.files)
        py_files = sum(1 for _ in tree.rglob("*.py"))
        size = sum(p.stat().st_size for p in tree.rglob("*.py"))
        scan_s, proc = timed([*kbtool, "scan", "-q", "-f", "json", str(tree)], runs)
        if proc.returncode not in (0, 1):
            print(proc.stderr, file=sys.stderr)
            return 2
        data = json.loads(proc.stdout)
        summary = data["summary"]
        flagship = sum(
            f["entry"] == "async-context-manager-dependency-injection" for f in data["findings"]
        )
        jobs_s, _ = timed([*kbtool, "scan", "-q", "-f", "json", "--jobs", "0", str(tree)], runs)
        ast_s, _ = timed([sys.executable, "-c", AST_LOOP, str(tree)], runs)
        print(f"tree: {py_files} Python files ({size / 1e6:.1f} MB), {bugs} planted flagship bugs")
        print(
            f"kbtool scan: {scan_s:.2f} s (median of {runs}), {summary['detectors']} detectors "
            f"of {summary['entries_with_detectors']} entries, {summary['findings']} findings "
            f"({flagship} flagship), {summary['files_scanned']} files scanned"
        )
        print(f"kbtool scan --jobs 0 (one worker per CPU): {jobs_s:.2f} s")
        print(
            f"reference ast.parse loop: {ast_s:.2f} s  ->  scan / ast.parse = {scan_s / ast_s:.2f}x"
        )
        rg = shutil.which("rg")
        patterns = bundled_regexes(args.root)
        if rg and patterns:
            cmd = [rg, "-c", "--no-messages"]
            for p in patterns:
                cmd += ["-e", p]
            rg_s, _ = timed([*cmd, str(tree)], runs)
            print(f"reference rg ({len(patterns)} patterns): {rg_s:.2f} s")
        elif not rg:
            print("reference rg: not installed (apt-get install ripgrep)")
        if bugs and flagship < bugs:
            print(f"FAIL: the scan found {flagship} of {bugs} planted flagship bugs")
            return 1
        if scan_s > TARGET_SECONDS:
            print(f"FAIL: over the {TARGET_SECONDS:.0f} s target")
            return 1
        print(f"OK: within the {TARGET_SECONDS:.0f} s target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
