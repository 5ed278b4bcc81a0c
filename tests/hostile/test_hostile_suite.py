"""The hostile pull request: every command run against an attacker's repository.

:func:`hostile_repo.build` plants a ``kbtool`` package and start-up hooks, forges every cache
kbtool keeps (``links-reports.json``, ``validate.cache``, ``index.db``), links files and a
folder out of the root, points ``.kbtool/.gitignore``, ``index.lock`` and ``index.db-wal``
at files outside, raises ``max-file-bytes`` to 100 MB, and adds an alias bomb, entries at
the size cap, bidi text and a reserved id. Each command runs as CI runs it (the console
script, a subprocess in the repository) under RLIMIT_AS and a timeout. The suite asserts
that no planted code ran, that nothing outside the root was written or echoed, that every
verdict is the true one, and that each command's peak RSS stayed under 256 MiB (the
figures are printed: ``pytest -s tests/hostile``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import hostile_repo as h
import pytest

# Each command, what it must say (a substring of its output) and its exit code.
TRUE_FINDINGS = (
    "learnings/huge_entry.xml:0:0: KB105",  # the config's 100 MB cap is held to 4 MiB
    "learnings/leak.xml:0:0: KB104",  # a file linked out of the root
    "learnings/outside_folder:0:0: KB104",  # a folder linked out, reported
    "learnings/reports/bomb.md:2:1: KB406",  # YAML aliases refused
    "learnings/reports/linked.md:0:0: KB406",  # a report linked out of the root
    "learnings/reports/pool.md:13:37: KB403",  # true finding the forged links cache hid
    "learnings/security_hostile.xml:17:7: KB319",  # bidi control in a title
    "learnings/security_hostile.xml:22:15: KB302",  # id 'con'
    "learnings/security_hostile.xml:29:7: KB320",  # zero-width space
)
COMMANDS: list[tuple[list[str], int, tuple[str, ...]]] = [
    (["validate"], 1, TRUE_FINDINGS),
    (["validate"], 1, TRUE_FINDINGS),  # again: now with the caches kbtool wrote itself
    (["validate", "--format", "json"], 1, ('"KB319"', '"KB403"')),
    (["search", "zanzibar"], 0, ("no entries match",)),  # only the forged index has it
    (["search", "pool"], 0, ("pool-exhausted", "big-entry", "\\u202e")),
    (["search", "connection", "--format", "json"], 0, ('"big-entry"',)),
    (["match", "-"], 1, ("no entry has a symptom",)),
    (["list"], 0, ("Rotate the keys \\u202e", "Pool\\u200bsize")),
    (["show", "bidi-title"], 0, ("\\u202e",)),
    (["stats"], 0, ("5 entries",)),
    (["links"], 0, ("(broken)",)),
    (["index"], 0, ("entries",)),
    (["index", "--check"], 0, ("entries",)),
    (["plan", "pool-exhausted"], 0, ("# Remediation plan",)),
    (["render", "fix-report", "pool-exhausted"], 0, ("Pool exhausted under load",)),
    (["import-report", "learnings/reports/linked.md", "--dry-run"], 1, ("refused",)),
    (["import-report", "learnings/reports/bomb.md", "--dry-run"], 1, ("anchors or aliases",)),
    (["migrate", "legacy", "--out", "migrated", "--dry-run"], 1, ("KB104",)),
    (["migrate", "--reports", "learnings/reports", "--dry-run"], 1, ("linked.md",)),
    (["fmt", "--check"], 1, ("KB104",)),
    (["scan", "."], 0, ()),
    (["explain", "KB319"], 0, ("bidi-control",)),
    (["new", "Pool exhausted again", "--dry-run", "--category", "Security/Hostile"], 0, ()),
    (["report", "new", "pool-exhausted", "--dry-run"], 0, ("Pool exhausted under load",)),
    (["fmt"], 1, ("KB104",)),
    (["applies", "--from", "requirements.txt"], 3, ("outside the project",)),
    (["applies", "--from", "uv.lock"], 3, ("a link; not followed",)),
    (["applies", "--from", "poetry.lock"], 0, ("no valid package name", "1 packages")),
]


class Attack:
    def __init__(self, world: h.World) -> None:
        self.world = world
        self.runs: list[h.Run] = []
        self.before: dict[str, object] = {}
        self.after: dict[str, object] = {}


@pytest.fixture(scope="module")
def attack(tmp_path_factory: pytest.TempPathFactory) -> Attack:
    world = h.build(tmp_path_factory.mktemp("hostile"))
    h.forge_index(world, h.run_env(world))
    assert b"zanzibar" in (world.repo / ".kbtool" / "index.db").read_bytes()
    attack = Attack(world)
    attack.before = {"git": _tree(world.repo / ".git"), "outside": world.snapshot_outside()}
    for args, _, _ in COMMANDS:
        stdin = ("E" * (20 << 20)).encode() if args == ["match", "-"] else None
        attack.runs.append(h.run(args, world, stdin=stdin))
    attack.after = {"git": _tree(world.repo / ".git"), "outside": world.snapshot_outside()}
    return attack


@pytest.fixture(scope="module")
def attacked(attack: Attack) -> tuple[h.World, list[h.Run]]:
    return attack.world, attack.runs


def test_nothing_outside_the_root_was_written(attack: Attack) -> None:
    assert attack.after["outside"] == attack.before["outside"]


def test_git_folder_untouched(attack: Attack) -> None:
    assert attack.after["git"] == attack.before["git"]


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_no_planted_code_ran(attacked: tuple[h.World, list[h.Run]]) -> None:
    world, _ = attacked
    assert world.planted_ran() == []


@pytest.mark.parametrize("n", range(len(COMMANDS)), ids=[" ".join(c[0]) for c in COMMANDS])
def test_every_verdict_is_the_true_one(attacked: tuple[h.World, list[h.Run]], n: int) -> None:
    _, runs = attacked
    args, code, expected = COMMANDS[n]
    result = runs[n]
    assert result.code == code, (args, result.code, result.out[-2000:], result.err[-2000:])
    for text in expected:
        assert text in result.both, (args, text, result.out[-3000:], result.err[-2000:])
    assert "Traceback" not in result.both
    assert "forged-entry" not in result.both and "zanzibar entry" not in result.both.lower()


def test_nothing_outside_the_root_was_echoed_or_copied_in(
    attacked: tuple[h.World, list[h.Run]],
) -> None:
    world, runs = attacked
    for result in runs:
        assert h.SECRET not in result.both, result.args
        assert "\u202e" not in result.both and "\u200b" not in result.both, result.args
        assert len(result.both) < 4 << 20, (result.args, "output not bounded")
    for path in world.repo.rglob("*"):
        if path.is_file() and not path.is_symlink() and ".git" not in path.parts:
            assert h.SECRET.encode() not in path.read_bytes(), path


def test_peak_rss_of_every_command(attacked: tuple[h.World, list[h.Run]]) -> None:
    _, runs = attacked
    print("\npeak RSS (MiB) and seconds of each command on the hostile repository:")
    for result in runs:
        shown = " ".join(result.args)
        print(f"  {result.peak_rss / 2**20:6.1f}  {result.seconds:5.2f} s  kbtool {shown}")
    worst = max(runs, key=lambda r: r.peak_rss)
    print(f"  worst: {worst.peak_rss / 2**20:.1f} MiB (kbtool {' '.join(worst.args)})")
    assert all(0 < r.peak_rss <= h.RSS_LIMIT for r in runs), [
        (r.args, r.peak_rss >> 20) for r in runs if r.peak_rss > h.RSS_LIMIT
    ]


def test_no_output_line_is_a_ci_runner_command(attacked: tuple[h.World, list[h.Run]]) -> None:
    """The entries and the fix report carry GitHub, Azure and TeamCity commands: run again
    as a runner reads a step (the runners' environment, output into pipes; the suite's runs
    write to files, which no runner reads), no line of any command's output is a command."""
    from helpers_ci import runner_commands

    world, _ = attacked
    leaked, echoed = {}, 0
    for args, _, _ in COMMANDS:
        proc = subprocess.run(
            [h.kbtool_command(), *args],
            cwd=world.repo,
            env=h.run_env(world),
            input=b"",
            capture_output=True,
            timeout=h.TIMEOUT,
            check=False,
        )
        both = (proc.stdout + proc.stderr).decode("utf-8", "replace")
        echoed += "HOSTILE" in both
        leaked[" ".join(args)] = runner_commands(both)
    assert echoed >= 5  # the markers reach the output of the reading commands
    assert {args: found for args, found in leaked.items() if found} == {}


def test_json_verdict_matches_text(attacked: tuple[h.World, list[h.Run]]) -> None:
    _, runs = attacked
    data = json.loads(runs[2].out)
    text_codes = sorted(line.split(" ")[1] for line in runs[0].out.splitlines())
    json_codes = sorted(d["code"] for d in data["diagnostics"])
    assert json_codes == text_codes


READERS = [
    ["validate"],
    ["search", "pool"],
    ["links"],
    ["plan", "pool-exhausted"],
    ["import-report", "learnings/reports/linked.md", "--dry-run"],
    ["migrate", "legacy", "--out", "migrated", "--dry-run"],
    ["migrate", "--reports", "learnings/reports", "--dry-run"],
    ["fmt", "--check"],
    ["scan", "."],
]


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace(1)")
@pytest.mark.parametrize("args", READERS, ids=[" ".join(a) for a in READERS])
def test_no_file_outside_the_root_is_opened(attack: Attack, args: list[str]) -> None:
    """Every ``open`` of the command and its children, with the file each descriptor really
    names (``strace -y``): none may lead outside the root (the outside files are reachable
    from inside only through links)."""
    world = attack.world
    trace = world.root / "strace.txt"
    strace = ["strace", "-f", "-y", "-qq", "-e", "trace=open,openat,creat", "-o", str(trace)]
    probe = subprocess.run([*strace, "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"strace cannot trace here: {probe.stderr.decode()[:200]}")
    h.run(args, world, command=[*strace, h.kbtool_command()])
    outside = str(world.outside)
    opened = [line for line in trace.read_text().splitlines() if outside in line]
    assert opened == [], opened[:5]
