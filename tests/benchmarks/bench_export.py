"""Benchmark ``kbtool export``: time and size of both formats, for the bundled KB and a
generated 10k-entry KB.

    .venv/bin/python tests/benchmarks/bench_export.py            # bundled + 10k, 3 runs
    .venv/bin/python tests/benchmarks/bench_export.py --quick    # bundled + 2k, 1 run

Timings are whole processes (``kbtool --root KB export --format F --out FILE``: load with
the hardened parser, the Pydantic model of every entry, for sqlite also the link graph, the
fix reports, FTS5 and VACUUM; atomic write), median wall and CPU time of several runs,
printed as ratios to references measured in the same run on the same files:

- ``lxml parse``: a Python process that parses every XML file with lxml and does nothing
  else (the floor for anything that reads the KB);
- ``lxml → json``: a Python process that parses the files with lxml and writes each
  entry's text fields as one JSON line (a naive exporter: no model, no validation, no
  escaping rules, no atomic write);
- ``python -c pass``: start-up alone.

Sizes are printed in bytes and as ratios to the KB's XML. The in-process split of an export
(read + model, link graph, write) says where the time goes. No target: figures for
docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))  # kbgen, bench_render

PARSE_ONLY = r"""
import sys
from pathlib import Path
from lxml import etree

parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
n = 0
for path in sorted(Path(sys.argv[1], "learnings").rglob("*.xml")):
    n += len(etree.fromstring(path.read_bytes(), parser).findall("learnings/learning"))
print(n)
"""

NAIVE_JSON = r"""
import json, sys
from pathlib import Path
from lxml import etree

parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for path in sorted(Path(sys.argv[1], "learnings").rglob("*.xml")):
        root = etree.fromstring(path.read_bytes(), parser)
        for e in root.iterfind("learnings/learning"):
            out.write(json.dumps({
                "path": str(path), "line": e.sourceline, "id": e.get("id"),
                "severity": e.get("severity"), "title": e.findtext("title"),
                "category": e.findtext("category"), "description": e.findtext("description"),
                "tags": [t.text for t in e.iterfind("tags/tag")],
                "symptoms": [s.text for s in e.iterfind("symptoms/symptom")],
                "root_causes": [c.text for c in e.iterfind("root-causes/cause")],
                "solution": [[s.text, [c.text for c in s.iterfind("code")]]
                             for s in e.iterfind("solution/step")],
                "prevention": [i.text for i in e.iterfind("prevention/item")],
            }, ensure_ascii=False) + "\n")
"""


def kbtool() -> list[str]:
    return [sys.executable, "-m", "kbtool"]


def xml_bytes(kb: Path) -> int:
    return sum(p.stat().st_size for p in (kb / "learnings").rglob("*.xml"))


def in_process(kb: Path, out: Path) -> dict[str, float]:
    """Seconds of each stage of an sqlite export, in this process."""
    sys.path.insert(0, str(ROOT))
    from kbtool.config import load_config
    from kbtool.export.ndjson import lines
    from kbtool.export.records import collect
    from kbtool.export.sqlite import write_sqlite
    from kbtool.reports.links import build_graph

    config = load_config(root=kb)
    collect(config)  # imports and Pydantic's first use, once
    start = time.perf_counter()
    collection = collect(config)
    read = time.perf_counter()
    collection.graph = build_graph(config, use_cache=False)
    graph = time.perf_counter()
    text = "".join(lines(collection))
    ndjson = time.perf_counter()
    out.unlink(missing_ok=True)
    write_sqlite(collection, out)
    done = time.perf_counter()
    del text
    return {
        "read + model": read - start,
        "link graph (sqlite only)": graph - read,
        "ndjson lines": ndjson - graph,
        "sqlite file": done - ndjson,
    }


def bench(name: str, kb: Path, work: Path, runs: int) -> None:
    from bench_render import timed  # median wall and CPU time of a whole process

    entries = subprocess.run(
        [sys.executable, "-c", PARSE_ONLY, str(kb)], check=True, capture_output=True, text=True
    ).stdout.strip()
    size = xml_bytes(kb)
    load = "/".join(f"{x:.1f}" for x in os.getloadavg()[:2])
    print(f"\n## {name}: {entries} entries, {size:,} bytes of XML (load {load})\n")
    start_wall, start_cpu = timed([sys.executable, "-c", "pass"], runs)
    parse_wall, parse_cpu = timed([sys.executable, "-c", PARSE_ONLY, str(kb)], runs)
    naive = work / f"{name}.naive.ndjson"
    naive_wall, naive_cpu = timed([sys.executable, "-c", NAIVE_JSON, str(kb), str(naive)], runs)
    rows = [
        ("python -c pass", start_wall, start_cpu, None),
        ("lxml parse (reference)", parse_wall, parse_cpu, None),
        ("lxml → json (naive)", naive_wall, naive_cpu, naive),
    ]
    for fmt in ("ndjson", "sqlite"):
        out = work / f"{name}.{'db' if fmt == 'sqlite' else fmt}"
        command = [*kbtool(), "--root", str(kb), "export", "-f", fmt, "-o", str(out)]
        wall, cpu = timed(command, runs)
        rows.append((f"kbtool export -f {fmt}", wall, cpu, out))
    print(
        "| process | wall s | CPU s | wall ÷ lxml parse | CPU ÷ lxml parse | output bytes | ÷ XML |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, wall, cpu, out in rows:
        out_size = f"{out.stat().st_size:,}" if out else ""
        ratio = f"{out.stat().st_size / size:.2f}" if out else ""
        print(
            f"| {label} | {wall:.2f} | {cpu:.2f} | {wall / parse_wall:.1f}× | "
            f"{cpu / parse_cpu:.1f}× | {out_size} | {ratio} |"
        )
    stages = in_process(kb, work / f"{name}.inproc.db")
    print("\nin process: " + ", ".join(f"{k} {v:.2f} s" for k, v in stages.items()))
    load = "/".join(f"{x:.1f}" for x in os.getloadavg()[:2])
    print(f"load average (1/5 min) after: {load}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2k entries, 1 run")
    parser.add_argument("--entries", type=int, default=None, help="generated KB size")
    args = parser.parse_args()
    runs = 1 if args.quick else 3
    entries = args.entries or (2_000 if args.quick else 10_000)
    from kbgen import generate

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        bundled = work / "bundled"
        shutil.copytree(ROOT / "learnings", bundled / "learnings")
        print(f"python {sys.version.split()[0]}, sqlite {__import__('sqlite3').sqlite_version}")
        print(f"{runs} run(s) each; medians")
        bench("bundled", bundled, work, runs)
        generated = work / f"gen{entries}"
        generate(generated, entries)
        bench(f"generated {entries:,}", generated, work, runs)


if __name__ == "__main__":
    main()
