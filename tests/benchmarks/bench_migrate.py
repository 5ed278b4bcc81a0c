"""Benchmark ``kbtool migrate``: 500 legacy files (5 MB) into category files.

    .venv/bin/python tests/benchmarks/bench_migrate.py            # 500 files, 3 runs
    .venv/bin/python tests/benchmarks/bench_migrate.py --quick    # 100 files, 1 run

The legacy folder is generated from the shapes of tests/fixtures/legacy/ (every malformed
kind, every layout and naming variant): each file is one of the corpus files, with its ids
and titles made unique and extra paragraphs of prose (with bare '&' and stray '<' in them)
until the folder weighs 5 MB. Timings are whole processes
(``kbtool migrate SRC --out OUT --encoding latin-1``: read, decode, repair, strict parse,
records, fields, ids, links, canonical bytes, atomic writes), median of the runs. The
reference, measured in the same run over the same files: a Python process that parses each
file *after repair* with lxml and serialises it again (the least any migration must do).

Target: at most 10 s for 500 files; the script exits 1 when it is slower.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CORPUS = ROOT / "tests" / "fixtures" / "legacy"
TARGET_SECONDS = 10.0

REFERENCE = r"""
import sys
from pathlib import Path
from lxml import etree

parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
total = 0
for path in sorted(Path(sys.argv[1]).glob("*.xml")):
    root = etree.fromstring(path.read_bytes(), parser)
    total += len(etree.tostring(root, encoding="UTF-8"))
print(total)
"""

WORDS = [
    "the",
    "pool",
    "retried",
    "connection",
    "after",
    "timeout",
    "because",
    "worker",
    "queue",
    "session",
    "cache",
    "index",
    "request",
    "latency",
    "deploy",
    "rollback",
    "migration",
    "schema",
    "lock",
    "replica",
    "shard",
    "token",
    "header",
    "handler",
    "config",
    "client",
    "server",
    "async",
    "await",
    "commit",
    "transaction",
]
HAZARDS = [" R&D ", " a < b ", " p99 <10ms ", " x && y ", " ?a=1&b=2 ", " Record<A, B[]> "]


def _paragraph(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(40, 90))]
    text = " ".join(words)
    return text + rng.choice(HAZARDS) + " ".join(rng.choice(WORDS) for _ in range(10)) + "."


def _grow(text: str, index: int, size: int, rng: random.Random) -> str:
    """One corpus file made unique and padded to about ``size`` characters."""
    text = re.sub(r'(\sid=")([^"]*)"', lambda m: f'{m.group(1)}g{index}-{m.group(2)}"', text)
    text = re.sub(
        r"<(title|name|headline|Title|kb:title)>", lambda m: f"<{m.group(1)}>[{index}] ", text
    )
    pad = []
    while len(text) + sum(map(len, pad)) < size:
        pad.append(f"\n  <discussion>{_paragraph(rng)}</discussion>")
    closing = max(
        text.rfind("</learning>"), text.rfind("</Learning>"), text.rfind("</kb:learning>")
    )
    if closing < 0:  # envelopes and reports: pad the first record
        closing = max(
            text.find("</learning>"),
            text.find("</fix>"),
            text.find("</item>"),
            text.find("</lesson>"),
            text.find("</learning_entry>"),
        )
    if closing < 0:
        closing = text.rfind("</")
    return text[:closing] + "".join(pad) + "\n" + text[closing:]


def generate(folder: Path, count: int, total_bytes: int) -> int:
    rng = random.Random(518)
    templates = []
    for path in sorted(CORPUS.glob("*.xml")):
        data = path.read_bytes()
        if path.name == "index.xml" or not data.isascii() or data.startswith(b"\xef\xbb\xbf"):
            continue  # keep the generated folder plain UTF-8 so every file repeats cleanly
        templates.append(data.decode("utf-8"))
    per_file = total_bytes // count
    size = 0
    for i in range(count):
        text = _grow(templates[i % len(templates)], i, per_file, rng)
        data = text.encode("utf-8")
        (folder / f"legacy_{i:04}.xml").write_bytes(data)
        size += len(data)
    return size


def repaired_copy(src: Path, dst: Path) -> None:
    """The same files after the repair pass, for the lxml reference."""
    sys.path.insert(0, str(ROOT))
    from kbtool.migrate.legacy.decode import Decoded, decode
    from kbtool.migrate.legacy.repair import repair

    for path in sorted(src.glob("*.xml")):
        decoded = decode(path.read_bytes(), "latin-1")
        assert isinstance(decoded, Decoded), path
        (dst / path.name).write_text(repair(decoded.text).text, encoding="utf-8")


def timed(command: list[str], runs: int, before: object = None) -> float:
    times = []
    for _ in range(runs):
        if callable(before):
            before()
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 files (1 MB), one run")
    args = parser.parse_args()
    count, total, runs = (100, 1_000_000, 1) if args.quick else (500, 5_000_000, 3)
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="bench-migrate-") as tmp:
        base = Path(tmp)
        src, fixed, out = base / "legacy", base / "repaired", base / "out"
        src.mkdir()
        fixed.mkdir()
        size = generate(src, count, total)
        repaired_copy(src, fixed)
        reference = timed([python, "-c", REFERENCE, str(fixed)], runs)

        def clean() -> None:
            shutil.rmtree(out, ignore_errors=True)

        command = [python, "-m", "kbtool", "migrate", str(src), "--out", str(out)]
        command += ["--encoding", "latin-1"]
        migrate = timed(command, runs, clean)
        done = subprocess.run(
            [*command, "--format", "json"],
            check=True,
            capture_output=True,
            text=True,
        )
        report = json.loads(done.stdout)["summary"]
        again = timed(command, runs)
    records = report["records"] + report["already_migrated"]
    print(
        f"files: {count}, {size / 1e6:.1f} MB; records: {records}, "
        f"repairs: {report['repairs']}, category files: {report['outputs']}"
    )
    print(f"reference (lxml parse + serialise of the repaired files): {reference:.2f} s")
    print(f"kbtool migrate (second run, nothing to write): {again:.2f} s")
    ratio = migrate / reference
    print(f"RESULT migrate_{count}_files: {migrate:.2f} s ({ratio:.1f} x lxml parse+serialise)")
    if not args.quick and migrate > TARGET_SECONDS:
        print(f"FAIL: slower than the {TARGET_SECONDS:.0f} s target")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
