"""Benchmark ``kbtool plan``: a remediation plan for 1,000 entries.

    .venv/bin/python tests/benchmarks/bench_render.py            # 1,000 entries, 5 runs
    .venv/bin/python tests/benchmarks/bench_render.py --quick    # 1,000 entries, 2 runs

The KB comes from ``kbgen.py`` (1-3 KB of text an entry, 50 entries a file). Timings are
whole processes (``kbtool --root KB plan -o plan.md``: load, link graph, typed context,
sandboxed Jinja2, Markdown escaping, atomic write), median of several runs, measured in the
same run as a reference: a Python process that parses the same files with lxml and joins
the same fields into Markdown with plain f-strings (no escaping, no templates). Also printed:
the in-process split (load / context / template).

Target: the plan renders in at most 2 s; the script exits 1 when it does not.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TARGET_SECONDS = 2.0

REFERENCE = r"""
import sys
from pathlib import Path
from lxml import etree

parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
out = ["# Remediation plan", ""]
n = 0
for path in sorted(Path(sys.argv[1], "learnings").glob("*.xml")):
    root = etree.fromstring(path.read_bytes(), parser)
    for e in root.iterfind("learnings/learning"):
        n += 1
        out += [f"## {n}. {e.findtext('title')}", "", e.findtext("category") or "", "",
                "### Context", "", e.findtext("description") or "", ""]
        out += [f"- `{s.text}`" for s in e.iterfind("symptoms/symptom")]
        out += [f"- {c.text}" for c in e.iterfind("root-causes/cause")]
        out += ["", "### Steps", ""]
        for step in e.iterfind("solution/step"):
            out.append(f"- [ ] {step.text}")
            out += [f"      ```{c.get('lang') or ''}\n{c.text}\n      ```"
                    for c in step.iterfind("code")]
        out += [f"- [ ] {i.text}" for i in e.iterfind("prevention/item")]
        out += ["", f"- Entry: [{path.name}]({path.name}) line {e.sourceline}", ""]
Path(sys.argv[2]).write_text("\n".join(out), encoding="utf-8")
"""


def timed(command: list[str], runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of a whole process."""
    import resource

    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def in_process(kb: Path) -> tuple[float, float, float, int]:
    sys.path.insert(0, str(ROOT))
    from kbtool.config import load_config
    from kbtool.kb import KnowledgeBase
    from kbtool.render.context import build_context
    from kbtool.render.engine import render
    from kbtool.reports.links import build_graph

    config = load_config(root=kb)
    t0 = time.perf_counter()
    loaded = KnowledgeBase.load(config)
    entries = list(loaded.entries())
    graph = build_graph(config, loaded)
    t1 = time.perf_counter()
    context = build_context(entries, config, title="Remediation plan", graph=graph)
    t2 = time.perf_counter()
    text = render("remediation-plan.md.j2", context)
    t3 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2, len(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    runs = 2 if args.quick else 5
    sys.path.insert(0, str(HERE))
    from kbgen import generate

    with tempfile.TemporaryDirectory() as tmp:
        kb = generate(Path(tmp) / "kb", args.entries - 1)  # kbgen adds one needle entry
        out = Path(tmp) / "plan.md"
        ref_out = Path(tmp) / "reference.md"
        kbtool = [sys.executable, "-m", "kbtool", "--root", str(kb), "plan", "-o", str(out)]
        reference = [sys.executable, "-c", REFERENCE, str(kb), str(ref_out)]
        timed(kbtool, 1)  # warm the file cache and the link cache
        ours, ours_cpu = timed(kbtool, runs)
        ref, ref_cpu = timed(reference, runs)
        first = out.read_bytes()
        subprocess.run(kbtool, check=True, capture_output=True)
        deterministic = out.read_bytes() == first
        load, context, template = in_process(kb)[:3]
        entries = first.count(b"\n## ")
        print(
            f"entries in the plan: {entries}; output {len(first) / 1e6:.1f} MB "
            f"(reference {ref_out.stat().st_size / 1e6:.1f} MB); byte-identical on re-run: "
            f"{deterministic}"
        )
        print(
            f"in-process: load + link graph {load:.3f} s, context {context:.3f} s, "
            f"template {template:.3f} s"
        )
        print(
            f"kbtool plan (whole process, median of {runs}): {ours:.3f} s wall, "
            f"{ours_cpu:.3f} s CPU"
        )
        print(
            f"reference lxml + f-strings (whole process, median of {runs}): {ref:.3f} s wall, "
            f"{ref_cpu:.3f} s CPU"
        )
        print(
            f"RESULT plan_{args.entries}_entries_cpu: {ours_cpu:.3f} s "
            f"({ours_cpu / ref_cpu:.2f} x reference {ref_cpu:.3f} s)"
        )
        print(
            f"RESULT plan_{args.entries}_entries: {ours:.3f} s ({ours / ref:.2f} x reference "
            f"lxml+f-string join {ref:.3f} s); target <= {TARGET_SECONDS:.1f} s"
        )
        ok = ours <= TARGET_SECONDS and deterministic and entries >= args.entries
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
