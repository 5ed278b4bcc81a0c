"""Benchmark of the hot ``kbtool mcp`` process: ``match_error`` at 10k entries.

    python tests/benchmarks/bench_mcp.py [--dir DIR] [--entries 10000] [--calls 200]

Generates a KB with kbgen.py (or reuses ``DIR``), builds its index, starts
``python -m kbtool mcp --root KB`` with the SDK's stdio client and, once warm, times
``match_error`` round trips (client call → server → client, over the real protocol) for
each input class, then the same tool called in-process (``KbTools.match_error``: kbtool's
work without the protocol). References measured in the same run: a raw in-process lxml
parse of one category file (50 entries), and ``python -c pass``.

Input classes:
- ``unique``: the needle entry's symptom (one entry has it; an exact hit);
- ``traceback``: a real uvicorn traceback (tests/fixtures/logs, 60 lines; no entry of the
  generated KB matches it: every error line is looked up and misses);
- ``miss``: one error line no entry has;
- ``shared``: a generated entry's own first symptom. kbgen gives every entry a symptom of
  the form ``<Exc>: '<Name>' object has no attribute '<word>'``: with names and words
  masked, about 1,000 entries share each signature, so match scores 1,000 exact candidates.
  A stress case, not a real KB's shape.

Prints ``RESULT <name>: p50 <ms> p95 <ms> (<ratio> x <reference>)``.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
NEEDLE = "ZeppelinError: quokka handshake stalled at 0x7f3a2b"
LOG = REPO / "tests" / "fixtures" / "logs" / "uvicorn_lazy_load_missing_greenlet.log"


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


REFERENCES: dict[str, float] = {}


def report(name: str, samples: list[float]) -> None:
    """p50 and p95, the p50 as a ratio to each reference of this run."""
    p50, p95 = percentiles(samples)
    ratios = ", ".join(f"{p50 / ref:.2f} x {ref_name}" for ref_name, ref in REFERENCES.items())
    print(f"RESULT {name}: p50 {p50 * 1000:.2f} ms p95 {p95 * 1000:.2f} ms ({ratios})", flush=True)


def inputs(kb: Path) -> dict[str, list[str]]:
    rng = random.Random(11)
    files = sorted((kb / "learnings").glob("*.xml"))
    shared = []
    for path in rng.sample(files, 20):
        symptoms = re.findall(r"<symptom>([^<]*)</symptom>", path.read_text(encoding="utf-8"))
        shared.append(rng.choice(symptoms[::2]).replace("&apos;", "'"))
    return {
        "unique": [NEEDLE],
        "traceback": [LOG.read_text(encoding="utf-8")],
        "miss": ["RuntimeError: the flux capacitor refused to engage (code 88)"],
        "shared": shared,
    }


def timed(call: Callable[[], Any], calls: int) -> list[float]:
    samples = []
    for _ in range(calls):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples


def lxml_parse(kb: Path, calls: int) -> float:
    from lxml import etree

    data = sorted((kb / "learnings").glob("*.xml"))[0].read_bytes()
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return percentiles(timed(lambda: etree.fromstring(data, parser), calls))[0]


def python_pass(runs: int = 10) -> float:
    return percentiles(
        timed(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), runs)
    )[0]


def over_protocol(kb: Path, classes: dict[str, list[str]], calls: int) -> dict[str, list[float]]:
    import anyio
    from mcp import ClientSession, StdioServerParameters, stdio_client

    async def main() -> dict[str, list[float]]:
        params = StdioServerParameters(
            command=sys.executable, args=["-m", "kbtool", "mcp", "--root", str(kb)]
        )
        out: dict[str, list[float]] = {}
        async with (
            stdio_client(params) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            for texts in classes.values():  # warm: imports, index connection, page cache
                for text in texts:
                    await session.call_tool("match_error", {"text": text})
            out["ping (the protocol alone)"] = []
            for _ in range(calls):
                start = time.perf_counter()
                await session.send_ping()
                out["ping (the protocol alone)"].append(time.perf_counter() - start)
            for name, texts in classes.items():
                samples = []
                for n in range(calls):
                    start = time.perf_counter()
                    result = await session.call_tool("match_error", {"text": texts[n % len(texts)]})
                    samples.append(time.perf_counter() - start)
                    assert not result.is_error, result.content
                out[name] = samples
        return out

    return anyio.run(main)


def raw_round_trips(kb: Path, classes: dict[str, list[str]], calls: int) -> dict[str, list[float]]:
    """tools/call round trips with a bare JSON-RPC client: one JSON line written to the
    server's stdin, one read from its stdout. What the server and the pipe cost, without
    the SDK client's own parsing and schema checks (assistants have their own clients)."""
    import json

    proc = subprocess.Popen(
        [sys.executable, "-m", "kbtool", "mcp", "--root", str(kb)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    assert proc.stdin is not None and proc.stdout is not None
    ids = iter(range(1, 10**9))

    def request(method: str, params: dict[str, Any]) -> dict[str, Any]:
        n = next(ids)
        proc.stdin.write(
            json.dumps({"jsonrpc": "2.0", "id": n, "method": method, "params": params}) + "\n"
        )  # type: ignore[union-attr]
        while True:
            answer = json.loads(proc.stdout.readline())  # type: ignore[union-attr]
            if answer.get("id") == n:
                return answer  # type: ignore[no-any-return]

    client = {"name": "bench", "version": "0"}
    request(
        "initialize", {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": client}
    )
    proc.stdin.write(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}) + "\n")
    out: dict[str, list[float]] = {}
    try:
        for texts in classes.values():
            for text in texts:
                request("tools/call", {"name": "match_error", "arguments": {"text": text}})
        for name, texts in classes.items():
            samples = []
            for n in range(calls):
                args = {"name": "match_error", "arguments": {"text": texts[n % len(texts)]}}
                start = time.perf_counter()
                answer = request("tools/call", args)
                samples.append(time.perf_counter() - start)
                assert not answer["result"].get("isError"), answer
            out[name] = samples
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
    return out


def in_process(kb: Path, classes: dict[str, list[str]], calls: int) -> dict[str, list[float]]:
    from kbtool.config import load_config
    from kbtool.mcp.tools import KbTools

    tools = KbTools(load_config(root=kb))
    out = {}
    for name, texts in classes.items():
        for text in texts:
            tools.match_error(text)
        samples = []
        for n in range(calls):
            start = time.perf_counter()
            tools.match_error(texts[n % len(texts)])
            samples.append(time.perf_counter() - start)
        out[name] = samples
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, help="a KB made by kbgen.py (else a temporary one)")
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        kb = args.dir or Path(tmp) / "kb"
        if not (kb / "learnings").is_dir():
            subprocess.run(
                [sys.executable, str(HERE / "kbgen.py"), str(kb), "--entries", str(args.entries)],
                check=True,
            )
        subprocess.run(
            [sys.executable, "-m", "kbtool", "index"], cwd=kb, check=True, stdout=subprocess.DEVNULL
        )
        entries = sum(
            p.read_text(encoding="utf-8").count("<learning ") for p in kb.glob("learnings/*.xml")
        )
        print(f"KB: {entries} entries in {len(list(kb.glob('learnings/*.xml')))} files", flush=True)
        print(f"load average before: {os.getloadavg()[0]:.1f}", flush=True)
        classes = inputs(kb)
        parse = lxml_parse(kb, args.calls)
        python = python_pass()
        print(f"RESULT lxml_parse_one_file (50 entries): p50 {parse * 1000:.2f} ms", flush=True)
        print(f"RESULT python -c pass: p50 {python * 1000:.1f} ms", flush=True)
        REFERENCES.update({"lxml parse of one file": parse, "python -c pass": python})
        for name, samples in over_protocol(kb, classes, args.calls).items():
            label = name if name.startswith("ping") else f"match_error over stdio, {name}"
            report(label, samples)
        for name, samples in raw_round_trips(kb, classes, args.calls).items():
            report(f"match_error raw JSON-RPC, {name}", samples)
        for name, samples in in_process(kb, classes, args.calls).items():
            report(f"match_error in-process, {name}", samples)
        print(f"load average after: {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
