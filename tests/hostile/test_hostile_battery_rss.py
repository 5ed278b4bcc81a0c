"""Peak RSS of every command over the bad-input battery (tests/fixtures/badinputs/), held to
256 MiB per command and printed (``pytest -s tests/hostile``). The battery's own test
(tests/test_badinputs.py) checks the findings; this one measures memory with ``wait4``."""

from __future__ import annotations

import shutil
from pathlib import Path

import hostile_repo as h
import pytest

BATTERY = Path(__file__).resolve().parent.parent / "fixtures" / "badinputs"


@pytest.fixture(scope="module")
def battery_world(tmp_path_factory: pytest.TempPathFactory) -> h.World:
    base = tmp_path_factory.mktemp("battery")
    world = h.World(base, base / "repo", base / "outside", base / "markers", base / "home")
    for folder in (world.outside, world.markers, world.home):
        folder.mkdir(parents=True)
    learnings = world.repo / "learnings"
    shutil.copytree(BATTERY / "xml", learnings / "xml")
    shutil.copytree(BATTERY / "duplicate_ids", learnings / "duplicate_ids")
    shutil.copytree(BATTERY / "legacy_markdown", world.repo / "legacy_markdown")
    shutil.copytree(BATTERY / "templates", world.repo / "templates")
    # Files at the 1 MiB cap, and many small ones, in the real format.
    words = " connection pool exhausted" * ((1 << 20) // 27 - 40)
    (learnings / "at_cap.xml").write_text(
        h.category_file(h.entry("at-cap", "At the cap", words, "Cap/Entry"), category="Cap/Entry")
    )
    many = learnings / "many"
    many.mkdir()
    for n in range(300):
        (many / f"file_{n:04d}.xml").write_text(
            h.category_file(h.entry(f"many-{n}", category=f"Many/N{n}"), category=f"Many/N{n}")
        )
    (world.repo / "kbtool.toml").write_text("[tool.kbtool]\n")
    return world


COMMANDS = [
    ["validate"],
    ["validate", "--format", "json"],
    ["index", "--full"],
    ["search", "connection pool"],
    ["search", "billion"],
    ["list"],
    ["stats"],
    ["links"],
    ["fmt", "--check"],
    ["scan", "."],
    ["render", "evil_template.md.j2", "--templates", "templates", "at-cap"],
    ["render", "template_dos.md.j2", "--templates", "templates", "at-cap"],
    ["plan", "at-cap"],
    ["migrate", "--reports", "legacy_markdown", "--dry-run"],
    ["import-report", "legacy_markdown/huge_heading_level_table.md", "--dry-run"],
    ["match", "-"],
]


def test_battery_peak_rss(battery_world: h.World) -> None:
    runs = []
    for args in COMMANDS:
        stdin = (BATTERY / "legacy_markdown" / "malformed_fix_report.md").read_bytes() * 200
        runs.append(h.run(args, battery_world, stdin=stdin if args == ["match", "-"] else None))
    print("\npeak RSS (MiB) and seconds of each command on the bad-input battery:")
    for r in runs:
        shown = " ".join(r.args)
        print(f"  {r.peak_rss / 2**20:6.1f}  {r.seconds:5.2f} s  exit {r.code}  kbtool {shown}")
    for r in runs:
        assert r.code in (0, 1, 2), (r.args, r.code, r.err[-1000:])  # 2: refused usage
        assert "Traceback" not in r.both, r.args
        assert 0 < r.peak_rss <= h.RSS_LIMIT, (r.args, r.peak_rss >> 20)
    assert battery_world.planted_ran() == []
