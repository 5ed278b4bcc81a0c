"""Kill ``kbtool fmt`` and ``kbtool migrate --in-place`` with SIGKILL at random moments.

After every kill each file must hold either its old bytes or its new bytes (never a
truncated or half-written file), and a file may only be missing if the run was meant to
remove it. After a killed in-place migration, running it again must finish the job with
exactly the result of an uninterrupted run. Kill moments are drawn at random over the
run's measured duration (seeded, so a failure can be replayed).
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

CORPUS = Path(__file__).parent / "fixtures" / "legacy"
MESSY = (Path(__file__).parent / "test_fmt.py").read_text().split('MESSY = """')[1].split('"""')[0]
BUDGET = 6.0  # seconds of kills per command


def _state(folder: Path) -> dict[str, bytes]:
    """Every visible file (temporary files of atomic writes start with a dot)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


def _kbtool(*args: str) -> list[str]:
    return [sys.executable, "-m", "kbtool", *args]


def _timed(cmd: list[str]) -> float:
    start = time.monotonic()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.monotonic() - start


def _kill_at(cmd: list[str], delay: float) -> bool:
    """Run ``cmd`` and SIGKILL it after ``delay`` seconds; True if it was still running."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        proc.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return True


@pytest.mark.slow
def test_fmt_killed_at_random_moments_leaves_each_file_old_or_new(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    folder = kb / "learnings"
    folder.mkdir(parents=True)
    (kb / "kbtool.toml").write_text('learnings = "learnings"\n')
    old = {
        f"f{i:03}.xml": (MESSY.replace("x-1", f"x-{i}") + "<!-- padding -->\n" * (i % 40)).encode()
        for i in range(80)
    }
    reference = tmp_path / "reference"
    shutil.copytree(folder, reference / "learnings")
    for name, data in old.items():
        (reference / "learnings" / name).write_bytes(data)
    (reference / "kbtool.toml").write_text('learnings = "learnings"\n')
    cmd_ref = _kbtool("--root", str(reference), "fmt")
    duration = _timed(cmd_ref)
    new = _state(reference / "learnings")
    assert new.keys() == old.keys() and all(new[n] != old[n] for n in old)

    rng = random.Random(20251126)
    cmd = _kbtool("--root", str(kb), "fmt")
    runs = partial = 0
    deadline = time.monotonic() + BUDGET
    while runs < 8 or (time.monotonic() < deadline and runs < 40):
        for name, data in old.items():
            (folder / name).write_bytes(data)
        killed = _kill_at(cmd, rng.uniform(0.0, duration))
        state = _state(folder)
        assert state.keys() == old.keys()
        for name, data in state.items():
            assert data in (old[name], new[name]), f"run {runs}: {name} is neither old nor new"
        written = sum(state[n] == new[n] for n in old)
        partial += killed and 0 < written < len(old)
        runs += 1
    print(f"fmt: {runs} kills, {partial} mid-way through the writes")


@pytest.mark.slow
def test_migrate_in_place_killed_at_random_moments_then_resumed(tmp_path: Path) -> None:
    def fresh(target: Path) -> None:
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(CORPUS, target)
        for extra in ("a",):  # more files, so the write phase is not instantaneous
            shutil.copytree(CORPUS, target / extra, ignore=shutil.ignore_patterns("index.xml"))

    reference = tmp_path / "reference" / "legacy"  # same folder name: same provenance paths
    fresh(reference)
    old = _state(reference)
    args = ("migrate", "--in-place", "--force", "--encoding", "latin-1")
    duration = _timed(_kbtool(*args, str(reference)))
    final = _state(reference)
    removed = old.keys() - final.keys()
    assert removed and (final.keys() - old.keys())  # legacy files go, category files come

    folder = tmp_path / "run" / "legacy"
    cmd = _kbtool(*args, str(folder))
    rng = random.Random(5)
    runs = partial = 0
    deadline = time.monotonic() + BUDGET
    while runs < 5 or (time.monotonic() < deadline and runs < 20):
        fresh(folder)
        _kill_at(cmd, rng.uniform(0.0, duration))
        state = _state(folder)
        partial += any(state.get(n) == final[n] for n in final) and bool(state.keys() & removed)
        for name, data in state.items():
            allowed = [x for x in (old.get(name), final.get(name)) if x is not None]
            assert data in allowed, f"run {runs}: {name} is neither old nor new"
        assert old.keys() - state.keys() <= removed, f"run {runs}: a file vanished"
        subprocess.run(cmd, check=True, capture_output=True)  # resume: finishes the job
        assert _state(folder) == final, f"run {runs}: resumed migration differs"
        runs += 1
    print(
        f"migrate --in-place: {runs} kills, {partial} between the first write and the last removal"
    )


@pytest.mark.slow
def test_migrate_resumed_from_every_state_between_the_writes_and_the_removals(
    tmp_path: Path,
) -> None:
    """The states a kill leaves once the plan is made, built on purpose rather than hit by
    chance: the first k category files written (in the order the run writes them), for
    every k; then all written and some or all of the legacy files that are to go removed.
    Resuming must give the uninterrupted result, links included: a link from a record not
    yet written to a legacy file whose record was must still resolve."""
    from kbtool.migrate.learnings import MigrateOptions, apply, plan

    def migrate(folder: Path) -> None:  # in this process: the same code as the CLI's, faster
        apply(plan(MigrateOptions(sources=[folder], in_place=True, encoding="latin-1")))

    reference = tmp_path / "reference" / "legacy"
    shutil.copytree(CORPUS, reference)
    old = _state(reference)
    migrate(reference)
    final = _state(reference)
    written = sorted(n for n in final if final[n] != old.get(n))
    removed = sorted(old.keys() - final.keys())
    states = [(k, 0) for k in range(len(written))]
    states += [(len(written), r) for r in (0, len(removed) // 2, len(removed))]

    folder = tmp_path / "run" / "legacy"
    for k, r in states:
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(CORPUS, folder)
        for name in written[:k]:
            (folder / name).write_bytes(final[name])
        for name in removed[:r]:
            (folder / name).unlink()
        migrate(folder)
        resumed = _state(folder)
        assert resumed.keys() == final.keys(), (k, r)
        for name in final:
            assert resumed[name] == final[name], f"{k} written, {r} removed: {name} differs"
