"""Benchmark of ``kbtool match`` on logs: ``python tests/benchmarks/bench_match.py``.

Against the bundled KB, whole process, median of several runs, each figure as a ratio to a
reference measured in the same run:

- every labelled log of tests/fixtures/logs/ (1-170 lines), against ``python -c pass``;
- a 16 MB log (uvicorn access lines, with the uvicorn traceback of the flagship case at its
  end), against ``grep -c`` of the traceback's last line over the same file.

Prints ``RESULT <name>: <value> (<ratio> x <reference>)``.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
LOGS = REPO / "tests" / "fixtures" / "logs"
KBTOOL = [sys.executable, "-m", "kbtool"]
RUNS = 5


def timed(cmd: list[str], cwd: Path, stdin: Path | None = None) -> float:
    samples = []
    for _ in range(RUNS):
        with (stdin or Path(os.devnull)).open("rb") as fh:
            start = time.perf_counter()
            subprocess.run(cmd, cwd=cwd, stdin=fh, stdout=subprocess.DEVNULL, check=False)
            samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def result(name: str, value: float, ref: float, ref_name: str) -> None:
    print(f"RESULT {name}: {value * 1000:.0f} ms ({value / ref:.2f} x {ref_name})", flush=True)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(REPO / "learnings", root / "learnings")
        subprocess.run([*KBTOOL, "index"], cwd=root, check=True, stdout=subprocess.DEVNULL)
        python = timed([sys.executable, "-c", "pass"], root)
        logs = sorted(LOGS.glob("*.log"))
        each = statistics.median(timed([*KBTOOL, "match", "-"], root, log) for log in logs)
        result(f"match_labelled_log_median_of_{len(logs)}", each, python, "python -c pass")

        flagship = (LOGS / "uvicorn_lazy_load_missing_greenlet.log").read_text(encoding="utf-8")
        access = 'INFO:     10.0.3.7:51234 - "GET /api/orders/17 HTTP/1.1" 200 OK\n'
        big = root / "big.log"
        big.write_text(access * (16_000_000 // len(access)) + flagship, encoding="utf-8")
        last = flagship.strip().splitlines()[-2]
        grep = timed(["grep", "-c", "-F", last, str(big)], root)
        ours = timed([*KBTOOL, "match", "-"], root, big)
        result("match_16MB_log", ours, grep, "grep -c -F of its error line")


if __name__ == "__main__":
    main()
