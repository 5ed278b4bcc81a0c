"""Start-up of the reading commands: ``python tests/benchmarks/bench_cli.py [--runs N]``.

Whole process, over the bundled KB (this repository), each as a ratio to ``python -c pass``
measured in the same run (issue 12, point 9). Targets: ``show``, ``list``, ``stats``,
``links`` and ``--version`` ≤ 6×, ``--help`` ≤ 8×. Prints
``RESULT <name>: <ms> (<ratio> x python -c pass) [cpu …] target ≤ N x: met|NOT MET``.
The CPU time of the process is printed too: the fairer figure on a busy machine. kbtool's
bytecode is compiled first and PYTHONDONTWRITEBYTECODE dropped, as for an installed kbtool.
"""

from __future__ import annotations

import argparse
import compileall
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

from bench_search import KBTOOL, PY, timed  # noqa: E402

ENTRY = "async-context-manager-dependency-injection"
COMMANDS = {
    "show": (["show", ENTRY], 6),
    "list": (["list"], 6),
    "stats": (["stats"], 6),
    "links": (["links"], 6),
    "--version": (["--version"], 6),
    "--help": (["--help"], 8),
    "search": (["search", "session"], 6),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    # Users run kbtool with its bytecode cached: make sure the runs here do too.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    import kbtool

    compileall.compile_dir(Path(kbtool.__file__).parent, quiet=1)
    for argv, _ in COMMANDS.values():  # bring the index up to date first
        timed([*KBTOOL, *argv], runs=1, warmup=0, cwd=REPO)
    ref = timed([PY, "-c", "pass"], runs=args.runs, cwd=REPO)
    print(f"reference: python -c pass {ref.wall * 1000:.1f} ms [cpu {ref.cpu * 1000:.1f} ms]")
    for name, (argv, target) in COMMANDS.items():
        t = timed([*KBTOOL, *argv], runs=args.runs, cwd=REPO)
        ratio, cpu_ratio = t.wall / ref.wall, t.cpu / max(ref.cpu, 1e-6)
        verdict = "met" if ratio <= target else "NOT MET"
        print(
            f"RESULT kbtool {name}: {t.wall * 1000:.1f} ms ({ratio:.2f} x python -c pass) "
            f"[cpu {t.cpu * 1000:.1f} ms, {cpu_ratio:.2f} x] target ≤ {target} x: {verdict}",
            flush=True,
        )


if __name__ == "__main__":
    main()
