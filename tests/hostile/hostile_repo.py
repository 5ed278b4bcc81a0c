"""An attacker's repository, built the way a hostile pull request would build it, and a
runner that starts kbtool on it the way CI does: a subprocess per command, in the
repository, under an address-space limit and a timeout, with its peak RSS measured.

The world (a temporary folder)::

    world/
      repo/                 the knowledge base the pull request controls (cwd of every run)
      outside/              files beside it that nothing may read or write
      markers/              where planted code would leave a file if it ever ran
      home/                 XDG_CACHE_HOME of the runs (the user's cache secret)

See docs/security.md for the threat model; tests/hostile/test_hostile_suite.py runs every
command against :func:`build`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

SECRET = "OUTSIDE-SECRET-5e1f0a"  # in every file outside the root; must never be echoed
MEMORY_LIMIT = 1024 << 20  # RLIMIT_AS of each run (RSS is measured and held to RSS_LIMIT)
RSS_LIMIT = 256 << 20
TIMEOUT = 60.0
BIDI_TITLE = "Rotate the keys \u202e;lla-pord-- \u202c then deploy"
#: CI runner commands in entry and report text (kbtool/cicommands.py): GitHub's at the start
#: of a line and anywhere, Azure's and TeamCity's anywhere.
CI_COMMANDS = (
    "::add-mask::HOSTILE-MASK",
    "  ::error file=app.py::HOSTILE-ANNOTATION",
    "log ##[error]HOSTILE-V1",
    "##vso[task.setvariable variable=HOSTILE]y",
    "##teamcity[message text='HOSTILE']",
)
PLANTED_MODULES = ("kbtool", "jinja2", "typer", "click", "lxml", "yaml", "markdown_it", "pydantic")


def entry(
    entry_id: str, title: str = "", body: str = "", category: str = "Security/Hostile"
) -> str:
    return f"""    <learning id="{entry_id}">
      <title>{title or f"Pool exhausted in {entry_id}"}</title>
      <date>2025-06-01</date>
      <category>{category}</category>
      <description>What {entry_id} teaches about connection pools.{body}</description>
    </learning>
"""


def category_file(*entries: str, category: str = "Security/Hostile") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<specification schema-version="1">
  <metadata>
    <name>Learnings - {category}</name>
    <type>learnings</type>
    <category>{category}</category>
    <last_updated>2025-06-01</last_updated>
  </metadata>
  <learnings>
{"".join(entries)}  </learnings>
</specification>
"""


REPORT = """# Pool exhausted

## Problem Statement

Requests hung{extra}.

## Root Cause Analysis - Five Whys

1. Why? The pool ran dry.

## Solution

Return connections. See [the entry](../security_hostile.xml#no-such-anchor).

## Related

- Learning entry: `learnings/security_hostile.xml`
"""

ALIAS_BOMB = (
    "---\na: &a [x, x, x, x, x, x, x, x, x]\n"
    + "".join(
        f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n"
        for p, n in zip("abcdefghi", "bcdefghij", strict=True)
    )
    + "tags: *j\n---\n"
)


@dataclass
class World:
    root: Path  # the world folder
    repo: Path
    outside: Path
    markers: Path
    home: Path
    big_ids: list[str] = field(default_factory=list)

    def snapshot_outside(self) -> dict[str, tuple[int, int, str]]:
        """Every file beside the repository (outside/ and markers/): size, mtime, hash."""
        out = {}
        for base in (self.outside, self.markers):
            for path in sorted(base.rglob("*")):
                if path.is_symlink() or not path.is_file():
                    out[str(path)] = (0, 0, "link-or-folder")
                    continue
                info = path.stat()
                out[str(path)] = (
                    info.st_size,
                    info.st_mtime_ns,
                    hashlib.sha256(path.read_bytes()).hexdigest(),
                )
        return out

    def planted_ran(self) -> list[str]:
        return sorted(p.name for p in self.markers.iterdir())


def _plant(folder: Path, markers: Path) -> None:
    """Packages and start-up hooks that leave a marker file when imported."""
    for name in PLANTED_MODULES:
        package = folder / name
        package.mkdir(parents=True, exist_ok=True)
        (package / "__init__.py").write_text(
            "import pathlib\n"
            f"pathlib.Path({str(markers / name)!r}).write_text('ran')\n"
            "raise SystemExit(0)\n"
        )
    for hook in ("sitecustomize", "usercustomize"):
        (folder / f"{hook}.py").write_text(
            f"import pathlib\npathlib.Path({str(markers / hook)!r}).write_text('ran')\n"
        )


def _write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


def build(base: Path, *, cache: str = ".kbtool", big_bytes: int = 900 * 1024) -> World:
    """The attacker's repository (see the module docstring and docs/security.md)."""
    world = World(base, base / "repo", base / "outside", base / "markers", base / "home")
    for folder in (world.repo, world.outside, world.markers, world.home):
        folder.mkdir(parents=True)
    repo, outside = world.repo, world.outside

    # Outside the root: files a link could lead to, and a neighbour KB's index.
    _write(outside / "secret.xml", category_file(entry("outside-entry", f"Leaked {SECRET}")))
    _write(outside / "secret.md", REPORT.format(extra=f" ({SECRET})"))
    _write(
        outside / "legacy" / "old.xml",
        f"<learnings><learning><title>{SECRET}</title></learning></learnings>",
    )
    _write(outside / "folder" / "inside_link.xml", category_file(entry("linked-folder", SECRET)))
    _write(outside / "neighbour" / ".kbtool" / "index.db", b"neighbour's index " + SECRET.encode())
    _write(outside / "templates" / "fix-report.md.j2", SECRET)

    # The repository: a planted package and hooks, a config that raises the cap.
    _plant(repo, world.markers)
    _write(
        repo / "kbtool.toml",
        f'[tool.kbtool]\ntemplates = "templates"\ncache = "{cache}"\nmax-file-bytes = 104857600\n',
    )
    _write(repo / "templates" / "fix-report.md.j2", '{% extends "default:fix-report.md.j2" %}\n')
    _write(
        repo / "templates" / "remediation-plan.md.j2",
        '{% extends "default:remediation-plan.md.j2" %}\n',
    )

    learnings = repo / "learnings"
    hostile = [
        entry("pool-exhausted", f"Pool exhausted under load {CI_COMMANDS[3]}"),
        entry("bidi-title", BIDI_TITLE),
        entry("con", "A reserved device name as an id"),
        # Last: its lines shift no finding's line number.
        entry("zero-width", "Pool\u200bsize too small", "\n" + "\n".join(CI_COMMANDS)),
    ]
    _write(learnings / "security_hostile.xml", category_file(*hostile))
    # An entry near the size cap (one word many times: the worst case for snippets).
    words = " connection pool exhausted" * (big_bytes // 26)
    _write(
        learnings / "big_entry.xml",
        category_file(
            entry("big-entry", "Big pool entry", words, "Big/Entry"), category="Big/Entry"
        ),
    )
    world.big_ids.append("big-entry")
    # Over the 4 MiB ceiling, though kbtool.toml allows 100 MB: must be refused (KB105).
    huge = " pool" * (5 * 1024 * 1024 // 5)
    _write(
        learnings / "huge_entry.xml",
        category_file(entry("huge-entry", "Huge", huge, "Huge/Entry"), category="Huge/Entry"),
    )
    # Links out of the root: a file, and a folder under learnings/.
    (learnings / "leak.xml").symlink_to(outside / "secret.xml")
    (learnings / "outside_folder").symlink_to(outside / "folder")
    (repo / "legacy").symlink_to(outside / "legacy")

    # Lock files for kbtool applies: an include out of the root, a link out, odd names.
    _write(repo / "requirements.txt", "fastapi==0.123.4\n-r ../outside/secret.md\n")
    (repo / "uv.lock").symlink_to(outside / "secret.xml")
    _write(
        repo / "poetry.lock",
        '[[package]]\nname = "evil\u202e\u200bname"\nversion = "1.0"\n'
        '[[package]]\nname = "pool"\nversion = "9" \n',
    )

    # Fix reports: a broken anchor (a true KB4xx finding), a link out, an alias bomb.
    reports = learnings / "reports"
    _write(reports / "pool.md", REPORT.format(extra="") + "\n".join(CI_COMMANDS) + "\n")
    (reports / "linked.md").symlink_to(outside / "secret.md")
    _write(reports / "bomb.md", ALIAS_BOMB + REPORT.format(extra=""))

    # The cache folder as committed by the pull request: forged caches and links out.
    if cache == ".kbtool":
        _forge_caches(world)
    # A git repository: .git must come out of every command untouched.
    subprocess.run(["git", "init", "-q", str(repo)], check=True, capture_output=True)
    return world


def _forge_caches(world: World) -> None:
    """Caches that would hide the true findings if trusted, and links where kbtool writes."""
    cache = world.repo / ".kbtool"
    cache.mkdir()
    pool = world.repo / "learnings" / "reports" / "pool.md"
    digest = hashlib.sha256(pool.read_bytes()).hexdigest()
    clean = {
        "title": "Pool exhausted",
        "anchors": {"no-such-anchor": 1},
        "candidates": [],
        "errors": [],
    }
    from kbtool.reports import links

    forged = {"version": links._cache_key(), "reports": {digest: clean}}
    _write(cache / "links-reports.json", json.dumps(forged))
    # A validation cache that says every file is clean (signed with a key the attacker chose).
    import marshal

    files = {
        "learnings/security_hostile.xml": {"h": "0" * 64, "f": [], "x": {}, "p": True, "s": None}
    }
    _write(cache / "validate.cache", marshal.dumps({"key": "forged", "files": files}) + b"\0" * 32)
    (cache / ".gitignore").symlink_to(world.outside / "gitignore-target")
    (cache / "index.lock").symlink_to(world.outside / "lock-target")
    (cache / "index.db-wal").symlink_to(world.outside / "neighbour" / ".kbtool" / "index.db")


def forge_index(world: World, env: dict[str, str]) -> None:
    """Replace the repository's index by one built elsewhere (another cache secret) that holds
    an entry no file has: what a committed ``.kbtool/index.db`` could carry."""
    import sqlite3

    other = dict(env, XDG_CACHE_HOME=str(world.root / "attacker-home"))
    scratch = world.root / "attacker-kb"
    shutil.copytree(world.repo / "learnings", scratch / "learnings", symlinks=True)
    subprocess.run(
        [kbtool_command(), "index"], cwd=scratch, env=other, capture_output=True, check=True
    )
    db = scratch / ".kbtool" / "index.db"
    conn = sqlite3.connect(db)
    with conn:
        rowid = 9_999_999
        conn.execute(
            "INSERT INTO entries (rowid, id, path, line, title, category, status, date, tags) "
            "VALUES (?, 'forged-entry', 'learnings/security_hostile.xml', 1, "
            "'Forged zanzibar entry', 'Security/Hostile', 'active', '2025-06-01', '')",
            (rowid,),
        )
        conn.execute(
            "INSERT INTO entries_fts (rowid, title, symptoms, tags, category) "
            "VALUES (?, 'Forged zanzibar entry', '', '', '')",
            (rowid,),
        )
        conn.execute("INSERT INTO body_fts (rowid, body) VALUES (?, 'zanzibar')", (rowid,))
    conn.close()  # checkpoints the WAL into the file
    shutil.copy(db, world.repo / ".kbtool" / "index.db")


def kbtool_command() -> str:
    """The console script next to this Python (the way CI runs kbtool)."""
    return str(Path(sys.executable).with_name("kbtool"))


def run_env(world: World) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KBTOOL", "PYTHON"))}
    env.update(
        NO_COLOR="1",
        LC_ALL="C.UTF-8",
        PYTHONIOENCODING="utf-8",
        XDG_CACHE_HOME=str(world.home),
        COLUMNS="200",
        # A step of each CI runner that acts on commands in its output (kbtool/cicommands.py).
        GITHUB_ACTIONS="true",
        TF_BUILD="True",
        TEAMCITY_VERSION="2024.1",
    )
    if os.environ.get("PYTHONSAFEPATH"):
        env["PYTHONSAFEPATH"] = os.environ["PYTHONSAFEPATH"]
    return env


@dataclass
class Run:
    args: list[str]
    code: int
    out: str
    err: str
    seconds: float
    peak_rss: int  # bytes, of the command's process (ru_maxrss of wait4)

    @property
    def both(self) -> str:
        return self.out + self.err


# A small parent for each run: it sets RLIMIT_AS, starts the command and reports its exit
# status and ``ru_maxrss`` from ``wait4``. (A child forked from pytest itself would count
# pytest's own resident pages, copied at the fork, in its peak: ~35 MiB of noise.)
_SPAWN = """
import json, os, resource, sys
limit, report, command = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
pid = os.fork()
if pid == 0:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        os.execvp(command[0], command)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
with open(report, "w") as fh:
    json.dump([os.waitstatus_to_exitcode(status), usage.ru_maxrss * 1024], fh)
"""


def run(
    args: list[str],
    world: World,
    *,
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
    timeout: float = TIMEOUT,
    command: list[str] | None = None,
) -> Run:
    """``kbtool ARGS`` in the repository, under RLIMIT_AS and a timeout; output to files
    (no pipe can fill), peak RSS from ``wait4`` (the command and the children it waited
    for, measured by a small parent: see ``_SPAWN``)."""
    out_path, err_path = world.root / "run.out", world.root / "run.err"
    in_path, report = world.root / "run.in", world.root / "run.json"
    in_path.write_bytes(stdin or b"")
    report.unlink(missing_ok=True)
    spawn = [sys.executable, "-I", "-c", _SPAWN, str(MEMORY_LIMIT), str(report)]
    started = time.monotonic()
    with out_path.open("wb") as fo, err_path.open("wb") as fe, in_path.open("rb") as fi:
        proc = subprocess.Popen(
            [*spawn, *(command or [kbtool_command()]), *args],
            cwd=world.repo,
            env=env or run_env(world),
            stdin=fi,
            stdout=fo,
            stderr=fe,
            start_new_session=True,
        )
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    seconds = time.monotonic() - started
    code, peak = json.loads(report.read_text()) if report.exists() else (-signal.SIGKILL, 0)
    return Run(
        args,
        code,  # negative: killed (the timeout, or a signal)
        out_path.read_bytes().decode("utf-8", "replace"),
        err_path.read_bytes().decode("utf-8", "replace"),
        seconds,
        peak,
    )
