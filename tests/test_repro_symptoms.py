"""The symptoms of the newer bundled categories are text their reproduction scripts print.

Each category file below has one script under ``tests/repro/``; each case of a script is a
function whose docstring starts with the id of the entry it reproduces (``[server]`` in the
docstring: it starts a throw-away PostgreSQL and needs Debian's ``postgresql`` package;
``[separate venv]``: it needs an environment of its own, described in its docstring, and is
not run here). The
cases run in a test-only environment made by ``scripts/repro_env.sh DIR`` and named by
``KBTOOL_REPRO_PYTHON``; without it the test is skipped (the packages are not kbtool
dependencies). For every entry, at least one symptom whose ``versions`` the environment
satisfies must appear in the output of its cases (``…`` matching any text on the line), or,
for an entry whose symptoms are observations rather than messages (a hang, a header, a test
that passes), every ``prints:`` line of its cases' docstrings must. The share of applicable
symptoms found verbatim is printed.
"""

from __future__ import annotations

import ast
import glob
import json
import os
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from lxml import etree
from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import Version

from kbtool.safexml import make_parser

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = {
    "asyncio_tasks.py": "asyncio_tasks_and_timeouts.xml",
    "http_clients.py": "http_clients.xml",
    "sqlalchemy_sessions.py": "sqlalchemy_sessions.xml",
    "alembic_pitfalls.py": "alembic.xml",
    "postgresql_drivers.py": "postgresql_drivers.xml",
    "servers.py": "servers.xml",
    "packaging_imports.py": "packaging_and_imports.xml",
    "python_typing.py": "python_typing.xml",
    "starlette_middleware.py": "starlette_middleware.xml",
    "testing_isolation.py": "testing_isolation.xml",
    "celery_pitfalls.py": "celery.xml",
    "pydantic_settings_env.py": "pydantic_settings.xml",
}


def _python() -> str:
    value = os.environ.get("KBTOOL_REPRO_PYTHON")
    if not value:
        pytest.skip("KBTOOL_REPRO_PYTHON is not set (create it with scripts/repro_env.sh DIR)")
    if not Path(value).exists():
        pytest.fail(f"KBTOOL_REPRO_PYTHON={value}: no such interpreter")
    return value


@cache
def _versions(python: str) -> dict[str, Version]:
    code = (
        "import importlib.metadata as m, json, platform\n"
        "d = {x.metadata['Name'].lower(): x.version for x in m.distributions()}\n"
        "d['python'] = platform.python_version()\n"
        "print(json.dumps(d))"
    )
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
    return {k: Version(v) for k, v in json.loads(out.stdout).items()}


def _applies(versions: str | None, installed: dict[str, Version]) -> bool:
    if not versions:
        return True
    for part in re.split(r",\s*(?=[A-Za-z])", versions):
        try:
            req = Requirement(part.strip())
        except InvalidRequirement:
            return False
        have = installed.get(req.name.lower())
        if have is None or not req.specifier.contains(have, prereleases=True):
            return False
    return True


def _cases(script: Path) -> list[tuple[str, str, bool, list[str]]]:
    """(function name, entry id, needs a server, prints: lines) of each case of a script."""
    found = []
    for node in ast.parse(script.read_text(encoding="utf-8")).body:
        doc = ast.get_docstring(node) if isinstance(node, ast.FunctionDef) else None
        if doc and re.fullmatch(
            r"(\[server\] |\[separate venv\] )?[a-z0-9-]+", doc.splitlines()[0]
        ):
            first = doc.splitlines()[0]
            if first.startswith("[separate venv] "):
                continue
            prints = [
                ln.removeprefix("prints: ") for ln in doc.splitlines() if ln.startswith("prints: ")
            ]
            found.append((node.name, first.removeprefix("[server] "), "[server]" in doc, prints))
    return found


def _pattern(symptom: str) -> re.Pattern[str]:
    parts = [re.escape(p) for p in " ".join(symptom.split()).split("…")]
    return re.compile("[^\n]*?".join(parts))


def _normalised(text: str) -> str:
    return "\n".join(" ".join(line.split()) for line in text.splitlines())


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_symptoms_are_printed_by_the_reproduction(script: str, tmp_path: Path) -> None:
    python = _python()
    installed = _versions(python)
    root = etree.parse(str(REPO / "learnings" / SCRIPTS[script]), make_parser()).getroot()
    entries = {e.get("id"): e for e in root.iterfind("learnings/learning")}
    outputs: dict[str, str] = {}
    observations: dict[str, list[str]] = {}
    server = bool(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    for case, entry, needs_server, prints in _cases(REPO / "tests" / "repro" / script):
        assert entry in entries, f"{script} {case}: no entry {entry} in {SCRIPTS[script]}"
        if needs_server and not server:
            continue
        env = {k: v for k, v in os.environ.items() if k not in ("FIXED", "RAISE")}
        proc = subprocess.run(
            [python, str(REPO / "tests" / "repro" / script), case],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp_path,
            env=env,
            check=False,
        )
        outputs[entry] = outputs.get(entry, "") + proc.stdout + proc.stderr
        observations.setdefault(entry, []).extend(prints)
    found = total = 0
    missing = []
    for entry, output in outputs.items():
        text = _normalised(output)
        applicable = [
            s.text or ""
            for s in entries[entry].iterfind("symptoms/symptom")
            if _applies(s.get("versions"), installed)
        ]
        hits = [s for s in applicable if _pattern(s).search(text)]
        found += len(hits)
        for s in applicable:
            if s not in hits:
                print(f"  not verbatim ({entry}): {s[:90]}", file=sys.stderr)
        total += len(applicable)
        observed = observations[entry] and all(p in output for p in observations[entry])
        if applicable and not hits and not observed:
            missing.append(entry)
    print(f"{script}: {found}/{total} applicable symptoms printed verbatim", file=sys.stderr)
    assert not missing, f"no symptom of {missing} is printed by {script}"
