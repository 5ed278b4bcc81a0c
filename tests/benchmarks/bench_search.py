"""Scaling benchmark of search and the index: ``python tests/benchmarks/bench_search.py``.

On generated KBs (``kbgen.py``: 1–3 KB of text an entry, 50 entries a file) of each size
given (default 1k, 10k and 100k entries; ``--sizes 1000000`` for the 1M run, ~2.4 GB of
XML: give ``--dir`` outside any repository, it is not deleted when given) it measures, each
figure a whole process and each beside a reference from the same run:

- the index on disk against the KB's XML (target ≤ 0.8×);
- the full build (``kbtool index --full``) against a bare lxml parse of the same files, the
  medians of ``--build-runs`` pairs (default 3; one at 1M), and its peak RSS (the largest of
  its processes);
- every query class: a rare word, a word no entry has (did you mean), a word in most
  entries, a two-word phrase, a filter-only query; against ``python -c pass`` and against
  warm ``rg -i -l`` of the same text over the same files;
- the update after one file changed (``kbtool index``);
- every query class again while a watcher keeps the index fresh (``kbtool index --watch``,
  kbtool.search.watch): queries then skip the walk that stats every file.

Each figure prints as ``RESULT <name>: <value> (<ratio> x <reference>)``; with ``--json FILE``
all of them are also written for ``plot.py`` and docs/performance.md. The load average is
printed before and after each size: the machine is shared, so compare the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, NamedTuple

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

from kbgen import generate  # noqa: E402

PY = sys.executable
CONSOLE = shutil.which("kbtool", path=str(Path(PY).parent)) or ""
KBTOOL = [CONSOLE] if CONSOLE else [PY, "-m", "kbtool"]
#: Query classes: (name, kbtool search arguments, rg arguments for the same text).
QUERIES = [
    ("rare word", ["quokka"], ["-i", "-l", "quokka"]),
    ("no hit, did you mean", ["zanzibar"], ["-i", "-l", "zanzibar"]),
    ("word in most entries", ["deployment"], ["-i", "-l", "deployment"]),
    ("two-word phrase", ['"connection pool"'], ["-i", "-l", "connection pool"]),
    (
        "filter only",
        ["--category", "Infra/Docker3", "--severity", "critical"],
        ["-l", "<category>Infra/Docker3<"],
    ),
]


class Timing(NamedTuple):
    wall: float  # median wall time, seconds
    cpu: float  # median user + system CPU time of the process and its children
    rss_kb: int  # the largest peak RSS of the process (or of a child it waited for)


def run_once(cmd: list[str], cwd: Path) -> Timing:
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed: {err.decode()[:500]}")
    return Timing(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)


def timed(cmd: list[str], *, runs: int, cwd: Path, warmup: int = 2) -> Timing:
    return interleaved([cmd], runs=runs, cwd=cwd, warmup=warmup)[0]


def interleaved(cmds: list[list[str]], *, runs: int, cwd: Path, warmup: int = 2) -> list[Timing]:
    """Median timings of several commands run in turn, round after round, so that the load
    of a shared machine weighs on each of them alike."""
    samples: list[list[Timing]] = [[] for _ in cmds]
    for n in range(warmup + runs):
        for cmd, out in zip(cmds, samples, strict=True):
            timing = run_once(cmd, cwd)
            if n >= warmup:
                out.append(timing)
    return [median(out) for out in samples]


def median(samples: list[Timing]) -> Timing:
    """The median wall and CPU time of some runs, and the largest peak RSS among them."""
    return Timing(
        statistics.median(s.wall for s in samples),
        statistics.median(s.cpu for s in samples),
        max(s.rss_kb for s in samples),
    )


def result(name: str, value: float, unit: str, ref: float, ref_name: str) -> None:
    shown = f"{value * 1000:.1f} ms" if unit == "ms" else f"{value:.2f} {unit}"
    print(f"RESULT {name}: {shown} ({value / ref:.2f} x {ref_name})", flush=True)


def kb_at(base: Path, entries: int) -> Path:
    root = base / f"kb{entries}"
    marker = root / ".generated"
    if not marker.exists():
        shutil.rmtree(root, ignore_errors=True)
        start = time.perf_counter()
        if entries >= 500_000:  # one generator a core: a 1M KB takes minutes to write
            import multiprocessing

            jobs = os.cpu_count() or 1
            with multiprocessing.get_context("fork").Pool(jobs) as pool:
                pool.starmap(generate, [(root, entries, 7, (k, jobs)) for k in range(jobs)])
        else:
            generate(root, entries)
        marker.write_text(str(entries))
        print(f"generated {entries} entries in {time.perf_counter() - start:.1f} s", flush=True)
    return root


def bare_parse(root: Path) -> float:
    """Reference for the build: parse every file with lxml in one process, nothing else."""
    code = (
        "import sys, pathlib; from lxml import etree\n"
        "for p in sorted(pathlib.Path(sys.argv[1]).glob('*.xml')):\n"
        "    etree.fromstring(p.read_bytes())\n"
    )
    return run_once([PY, "-c", code, str(root / "learnings")], root).wall


def bench_build(root: Path, runs: int, out: dict[str, Any]) -> tuple[float, Timing]:
    """The bare parse and the full build, in turn ``runs`` times: their medians (a single
    pair of runs moved the ratio from 7× to 10× on this shared machine). Every pair is kept
    in ``out`` too."""
    pairs = []
    for _ in range(runs):
        parse = bare_parse(root)
        build = run_once([*KBTOOL, "index", "--full"], root)
        pairs.append((parse, build))
        print(f"  build {build.wall:.2f} s, bare parse {parse:.2f} s", flush=True)
    parse = statistics.median(p for p, _ in pairs)
    build = median([b for _, b in pairs])
    out.update(bare_parse=parse, build=build.wall, build_cpu=build.cpu, build_rss_kb=build.rss_kb)
    out["build_pairs"] = [{"bare_parse": p, "build": b.wall, "build_cpu": b.cpu} for p, b in pairs]
    return parse, build


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f}/{five:.1f}"


def bench_size(
    root: Path,
    entries: int,
    runs: int,
    rg: str,
    *,
    queries_only: bool = False,
    build_runs: int = 3,
) -> dict[str, Any]:
    print(f"\n== {entries} entries ({root}), load {load()}", flush=True)
    out: dict[str, Any] = {"entries": entries, "load_before": load()}
    xml = sum(p.stat().st_size for p in (root / "learnings").glob("*.xml"))
    out["xml_bytes"] = xml
    out["python_c_pass"] = timed([PY, "-c", "pass"], runs=runs, cwd=root).wall
    result(f"python_c_pass_{entries}", out["python_c_pass"], "ms", 1, "1 s")

    if queries_only:  # an index built by an earlier run: bring it up to date, then query
        run_once([*KBTOOL, "index"], root)
        bench_queries(root, entries, runs, rg, out)
        return out
    parse, build = bench_build(root, build_runs if entries < 1_000_000 else 1, out)
    result(f"index_build_{entries}", build.wall, "s", parse, "bare lxml parse")
    print(f"RESULT build_peak_rss_{entries}: {build.rss_kb / 1024:.0f} MB", flush=True)
    index = root / ".kbtool" / "index.db"
    out["index_bytes"] = index.stat().st_size
    result(f"index_size_{entries}", out["index_bytes"] / 1e6, "MB", xml / 1e6, "the XML")

    target = sorted((root / "learnings").glob("*.xml"))[7 % max(1, entries // 50)]
    samples = []
    for n in range(3):
        text = target.read_text(encoding="utf-8")
        target.write_text(
            text.replace("<description>", f"<description>edit{n} ", 1), encoding="utf-8"
        )
        samples.append(run_once([*KBTOOL, "index"], root).wall)
    out["update"] = statistics.median(samples)
    result(f"index_update_one_file_{entries}", out["update"], "s", out["python_c_pass"], "python")
    bench_validate_cold(root, entries, out)
    # A file changed less than 2 s before it was read is hashed again by the next query
    # (RACY_NS in kbtool.search.stamps); let that window pass so the index is up to date.
    time.sleep(2.5)
    run_once([*KBTOOL, "index"], root)
    bench_queries(root, entries, runs, rg, out)
    return out


def bench_validate_cold(root: Path, entries: int, out: dict[str, Any]) -> None:
    """``kbtool validate --no-cache`` against ``xmllint --noout --schema`` on the same files,
    for the scaling table (bench_validate.py measures validate on its own, in more detail)."""
    xmllint = shutil.which("xmllint")
    if xmllint is None:
        print("xmllint not found (apt-get install libxml2-utils): no validate figures")
        return
    files = sorted(str(p.relative_to(root)) for p in (root / "learnings").glob("*.xml"))
    schema = str(REPO / "spec" / "learning.xsd")
    runs = 3 if entries <= 100_000 else 1
    ours, theirs = interleaved(
        [[*KBTOOL, "validate", "--no-cache"], [xmllint, "--noout", "--schema", schema, *files]],
        runs=runs,
        cwd=root,
        warmup=0,
    )
    out.update(validate=ours.wall, validate_cpu=ours.cpu, xmllint=theirs.wall)
    result(f"validate_no_cache_{entries}", ours.wall, "s", theirs.wall, "xmllint --schema")


def bench_queries(root: Path, entries: int, runs: int, rg: str, out: dict[str, Any]) -> None:
    """Every query class, then again with a watcher running."""
    out["queries"] = {}
    for name, args, rg_args in QUERIES:
        ours, theirs, start = interleaved(
            [[*KBTOOL, "search", *args], [rg, *rg_args, "learnings"], [PY, "-c", "pass"]],
            runs=runs,
            cwd=root,
        )
        out["queries"][name] = {
            "kbtool": ours.wall,
            "rg": theirs.wall,
            "python_c_pass": start.wall,
            "kbtool_cpu": ours.cpu,
            "python_c_pass_cpu": start.cpu,
        }
        key = name.split(",")[0].replace(" ", "_").replace("-", "_")
        result(f"search_{key}_{entries}", ours.wall, "ms", start.wall, "python -c pass")
        result(f"  vs_rg_{key}_{entries}", ours.wall, "ms", theirs.wall, f"rg {' '.join(rg_args)}")
        print(f"         cpu {ours.cpu * 1000:.1f} ms ({ours.cpu / start.cpu:.2f} x python's)")
    out["watched"] = bench_watched(root, entries, runs, rg)
    out["load_after"] = load()
    print(f"load after {out['load_after']}", flush=True)


WATCHER = (
    "import sys, pathlib\n"
    "from kbtool.config import load_config\n"
    "from kbtool.search.watch import watch\n"
    "watch(load_config(root=pathlib.Path(sys.argv[1])), lambda report: None,\n"
    "      on_ready=lambda vouching: print('ready', vouching, flush=True))\n"
)


def bench_watched(root: Path, entries: int, runs: int, rg: str) -> dict[str, Any]:
    """The query classes again with a watcher running (``kbtool index --watch``): queries
    then skip the freshness walk (kbtool.search.watch)."""
    watcher = subprocess.Popen(
        [PY, "-c", WATCHER, str(root)], cwd=root, stdout=subprocess.PIPE, text=True
    )
    figures: dict[str, Any] = {}
    try:
        assert watcher.stdout is not None
        line = watcher.stdout.readline().strip()
        if line != "ready True":
            print(f"watcher did not vouch ({line!r}): no watched figures", flush=True)
            return figures
        for name, args, rg_args in QUERIES:
            ours, theirs, start = interleaved(
                [[*KBTOOL, "search", *args], [rg, *rg_args, "learnings"], [PY, "-c", "pass"]],
                runs=runs,
                cwd=root,
            )
            figures[name] = {"kbtool": ours.wall, "rg": theirs.wall, "python_c_pass": start.wall}
            key = name.split(",")[0].replace(" ", "_").replace("-", "_")
            result(f"watched_{key}_{entries}", ours.wall, "ms", start.wall, "python -c pass")
            rg_name = f"rg {' '.join(rg_args)}"
            result(f"  watched_vs_rg_{key}_{entries}", ours.wall, "ms", theirs.wall, rg_name)
    finally:
        watcher.terminate()
        watcher.wait(10)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="entries, comma-separated")
    parser.add_argument("--runs", type=int, default=11, help="runs per figure (median)")
    parser.add_argument(
        "--dir",
        type=Path,
        help="where to keep the generated KBs (default: a temporary folder, removed afterwards)",
    )
    parser.add_argument(
        "--build-runs",
        type=int,
        default=3,
        help="full builds (each beside a bare parse) per size below 1M: the medians (1M: one)",
    )
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--quick", action="store_true", help="1k and 10k entries, 5 runs")
    parser.add_argument(
        "--queries-only",
        action="store_true",
        help="with --dir: time only the queries on KBs and indexes an earlier run left there",
    )
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.runs = "1000,10000", 5
    rg = shutil.which("rg")
    if not rg:
        raise SystemExit("ripgrep (rg) is needed: apt-get install -y ripgrep")
    # An installed wheel has byte-compiled modules; so must this checkout, or the start-up
    # figures would include compiling kbtool (PYTHONDONTWRITEBYTECODE may be set).
    subprocess.run(
        [PY, "-m", "compileall", "-q", str(REPO / "kbtool")], check=True, stdout=subprocess.DEVNULL
    )
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; median of {args.runs} runs")
    base = args.dir or Path(tempfile.mkdtemp(prefix="kbtool-bench-search-"))
    figures = []
    try:
        for entries in (int(s) for s in args.sizes.split(",")):
            root = kb_at(base, entries)
            figures.append(
                bench_size(
                    root,
                    entries,
                    args.runs,
                    rg,
                    queries_only=args.queries_only,
                    build_runs=args.build_runs,
                )
            )
            if args.json:
                args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    finally:
        if args.dir is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
