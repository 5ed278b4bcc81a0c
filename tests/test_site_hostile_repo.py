"""kbtool site on the hostile pull request (tests/hostile/hostile_repo.py: planted packages,
forged caches, files and folders linked out of the root, an alias bomb, entries at the size
cap, bidi text), run as CI runs it: the console script, in the repository, under RLIMIT_AS."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "hostile"))

import hostile_repo as h


@pytest.mark.slow
def test_site_on_the_hostile_pull_request(tmp_path: Path) -> None:
    world = h.build(tmp_path)
    before = world.snapshot_outside()
    secrets = [
        p.read_bytes()
        for p in sorted(world.outside.rglob("*"))
        if p.is_file() and not p.is_symlink() and p.stat().st_size >= 8
    ]
    run = h.run(["site", "--out", "_site"], world)
    print(
        f"\nkbtool site on the hostile repository: {run.seconds:.1f} s, "
        f"peak RSS {run.peak_rss / 2**20:.0f} MiB"
    )
    assert run.code == 0, run.both
    assert world.planted_ran() == []
    assert world.snapshot_outside() == before
    assert run.peak_rss < 256 << 20
    site = world.repo / "_site"
    pages = sorted(site.rglob("*.html"))
    assert (site / "index.html") in pages and len(pages) > 3
    written = [p.read_bytes() for p in site.rglob("*") if p.is_file()]
    assert secrets
    assert not [s for s in secrets for w in written if s.strip() and s.strip() in w]
