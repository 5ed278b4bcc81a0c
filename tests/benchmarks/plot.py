"""Draw docs/scaling.png from ``bench_search.py --json`` figures.

    pip install -e '.[bench]'
    python tests/benchmarks/plot.py FIGURES.json [MORE.json …] [-o docs/scaling.png]

Time against entries on log-log axes: one line per query class of ``kbtool search``, the
same classes' ``rg -i -l`` (dashed), and ``python -c pass`` (dotted) for scale. Figures of
several runs (say 1k–100k, then the 1M run) are merged by entry count.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent.parent


def load(paths: list[Path]) -> list[dict[str, Any]]:
    by_size: dict[int, dict[str, Any]] = {}
    for path in paths:
        for figures in json.loads(path.read_text(encoding="utf-8")):
            by_size[int(figures["entries"])] = figures
    return [by_size[n] for n in sorted(by_size)]


def plot(runs: list[dict[str, Any]], out: Path) -> None:
    matplotlib = importlib.import_module("matplotlib")
    importlib.import_module("matplotlib.ticker")
    matplotlib.use("Agg")
    plt = importlib.import_module("matplotlib.pyplot")
    sizes = [r["entries"] for r in runs]
    classes = list(runs[0]["queries"])
    fig, ax = plt.subplots(figsize=(8, 6.5), dpi=110)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for n, name in enumerate(classes):
        color = colors[n % len(colors)]
        ours = [r["queries"][name]["kbtool"] * 1000 for r in runs]
        rg = [r["queries"][name]["rg"] * 1000 for r in runs]
        ax.plot(sizes, ours, "o-", color=color, label=f"kbtool search: {name}")
        ax.plot(sizes, rg, "x--", color=color, alpha=0.6, linewidth=1, label=f"rg -i -l: {name}")
    ax.plot(
        sizes,
        [_reference(r) * 1000 for r in runs],
        ":",
        color="grey",
        label="python -c pass",
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("entries in the KB (50 a file, 1–3 KB each)")
    ax.set_ylabel("whole process, ms (median)")
    ax.set_title("kbtool search against rg -i -l, same files, same run")
    ax.grid(True, which="both", alpha=0.3)
    ax.yaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
    ax.legend(fontsize=7, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.12))
    fig.tight_layout()
    fig.savefig(out)
    print(f"wrote {out}", file=sys.stderr)


def _reference(run: dict[str, Any]) -> float:
    import statistics

    return statistics.median(q["python_c_pass"] for q in run["queries"].values())


def table(runs: list[dict[str, Any]]) -> str:
    """The scaling table of docs/performance.md, as Markdown: a column a KB size."""

    def ms(value: float, ref: float) -> str:
        return f"{value * 1000:.0f} ms ({value / ref:.1f}×)"

    head = ["", *(f"{r['entries']:,} entries" for r in runs)]
    lines = [
        ("XML", [f"{r['xml_bytes'] / 1e6:,.1f} MB" for r in runs]),
        (
            "index on disk (× the XML)",
            [
                f"{r['index_bytes'] / 1e6:,.1f} MB ({r['index_bytes'] / r['xml_bytes']:.2f}×)"
                for r in runs
            ],
        ),
        (
            "full build (× bare lxml parse)",
            [f"{r['build']:,.1f} s ({r['build'] / r['bare_parse']:.1f}×)" for r in runs],
        ),
        ("build peak RSS", [f"{r['build_rss_kb'] / 1024:,.0f} MB" for r in runs]),
        (
            "update, one file changed (× python -c pass)",
            [ms(r["update"], r["python_c_pass"]) for r in runs],
        ),
    ]
    if any("validate" in r for r in runs):
        lines.append(
            (
                "validate, no cache (× xmllint --noout --schema)",
                [
                    f"{r['validate']:,.2f} s ({r['validate'] / r['xmllint']:.1f}×)"
                    if "validate" in r
                    else "not run"
                    for r in runs
                ],
            )
        )
        lines.append(
            (
                "xmllint --noout --schema",
                [f"{r['xmllint']:,.2f} s" if "xmllint" in r else "not run" for r in runs],
            )
        )
    for name in runs[0]["queries"]:
        lines.append(
            (
                f"search: {name} (× python -c pass)",
                [
                    ms(r["queries"][name]["kbtool"], r["queries"][name]["python_c_pass"])
                    for r in runs
                ],
            )
        )
        lines.append(
            (
                f"rg -i -l: {name} (kbtool ÷ rg)",
                [
                    f"{r['queries'][name]['rg'] * 1000:.0f} ms "
                    f"({r['queries'][name]['kbtool'] / r['queries'][name]['rg']:.1f}×)"
                    for r in runs
                ],
            )
        )
    for name in runs[0].get("watched") or {}:
        lines.append(
            (
                f"with `kbtool index --watch` running: {name} (× python -c pass)",
                [
                    ms(r["watched"][name]["kbtool"], r["watched"][name]["python_c_pass"])
                    if name in (r.get("watched") or {})
                    else "not run"
                    for r in runs
                ],
            )
        )
    lines.append(
        (
            "python -c pass (median of the runs beside the searches)",
            [f"{_reference(r) * 1000:.0f} ms" for r in runs],
        )
    )
    lines.append(
        (
            "load average (1/5 min) before, after",
            [f"{r['load_before']}, {r['load_after']}" for r in runs],
        )
    )
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join([label, *cells]) + " |" for label, cells in lines]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("figures", type=Path, nargs="+", help="bench_search.py --json files")
    parser.add_argument("-o", "--out", type=Path, default=REPO / "docs" / "scaling.png")
    parser.add_argument("--table", action="store_true", help="also print the Markdown table")
    args = parser.parse_args()
    runs = load(args.figures)
    plot(runs, args.out)
    if args.table:
        print(table(runs))


if __name__ == "__main__":
    main()
