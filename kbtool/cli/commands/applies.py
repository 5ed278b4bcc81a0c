"""The ``kbtool applies`` command body: options (:data:`OPTS`), text and JSON output.

No typer here: ``kbtool.cli`` builds the typer command
from :data:`OPTS`. The JSON shape is documented in docs/json-output.md.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TextIO

from kbtool.cli.options import Opt, format_opt

DOC = """List the learnings whose versions match what the project runs.

Reads the installed environment (this interpreter's), another one (--env: a site-packages
folder, a virtual environment or its python), or a lock file (--from: requirements*.txt
or pip freeze output, uv.lock, poetry.lock, pdm.lock, pylock.toml, Pipfile.lock, rye's
requirements.lock, pip list --format=json, conda's environment.yml or conda-lock.yml, or a
manifest: pyproject.toml, setup.cfg, Pipfile; read, never executed). Each learning comes
with the symptom you would see on those versions. --upgrade NAME==VERSION shows what an
upgrade changes: learnings that start or stop applying, symptoms that change. Exit 1 when a
critical learning applies (with --upgrade: when the upgrade makes one apply or changes its
symptoms), 0 otherwise, 2 usage error, 3 unreadable lock file or configuration."""

OPTS = (
    Opt(
        "from_file",
        ("--from",),
        "Read versions from this file: requirements*.txt, uv.lock, poetry.lock, pdm.lock, "
        "pylock.toml, Pipfile.lock, pip list JSON, environment.yml, conda-lock.yml, "
        "pyproject.toml, setup.cfg or Pipfile (a manifest's ranges are unknown versions).",
        metavar="FILE",
    ),
    Opt(
        "env",
        ("--env",),
        "Read another environment: its site-packages folder, its folder (with pyvenv.cfg) or "
        "its python executable (nothing is run).",
        metavar="PATH",
    ),
    Opt(
        "python",
        ("--python",),
        "The Python version the project runs, for learnings bound to python and for markers "
        "(default: the environment's, else this interpreter's).",
        metavar="VERSION",
    ),
    Opt(
        "upgrade",
        ("--upgrade", "-u"),
        "Show what upgrading to NAME==VERSION changes (repeatable).",
        kind=list,
        default=(),
        metavar="NAME==VERSION",
    ),
    format_opt("text", "json"),
)

MAX_SYMPTOMS_SHOWN = 3


def applies_command(
    *,
    root: str | Path | None,
    from_file: str | None,
    env: str | None,
    python: str | None,
    upgrade: list[str],
    fmt: str,
    stream: TextIO | None = None,
) -> int:
    """Run ``kbtool applies``; return the exit code."""
    from kbtool.applies.check import APPLIES, UNKNOWN, assess, changes, gates, learnings_of
    from kbtool.applies.environment import parse_pins
    from kbtool.config import load_config, require_learnings
    from kbtool.errors import UsageError
    from kbtool.kb import KnowledgeBase

    out = stream or sys.stdout
    if from_file and env:
        raise UsageError("--from and --env: give one of them")
    if fmt not in ("text", "json"):
        raise UsageError(f"--format {fmt!r}: expected text or json")
    pins = parse_pins(list(upgrade))
    environment = read_environment(from_file, env, python)
    config = require_learnings(load_config(root=Path(root)) if root is not None else load_config())
    kb = KnowledgeBase.load(config)
    broken = [s.display for s in kb.sources if s.root is None]
    learnings = learnings_of(kb.entries())
    before = assess(learnings, environment)
    after_env = environment.upgraded(pins) if pins else environment
    after = assess(learnings, after_env) if pins else before
    changed = changes(before, after) if pins else []
    data: dict[str, Any] = {
        "environment": _environment_dict(environment),
        "applies": [v.to_dict() for v in after if v.state == APPLIES],
        "unknown": [v.to_dict() for v in after if v.state == UNKNOWN],
        "counts": {
            "learnings": len(learnings),
            "version_bound": len(after),
            "applies": sum(v.state == APPLIES for v in after),
            "unknown": sum(v.state == UNKNOWN for v in after),
            "critical": len(gates(after)),
        },
        "upgrade": None,
        "skipped_files": broken,
    }
    if pins:
        data["upgrade"] = {
            "pins": {
                environment.display(k): {"from": environment.lookup(k), "to": v}
                for k, v in pins.items()
            },
            "changes": [c.to_dict() for c in changed],
        }
    # What fails the run: critical learnings that apply; with upgrades, those the upgrade
    # brings in or changes (a CI job gating an upgrade pull request).
    gate = gates(after) if not pins else gates(c.after for c in changed)
    data["gate"] = [v.learning.id for v in gate]
    if fmt == "json":
        from kbtool.cicommands import json_dumps

        out.write(json_dumps(data, indent=2) + "\n")
    elif pins:
        _write_changes(out, data)
    else:
        _write_list(out, data)
    _write_summary(data)
    return 1 if gate else 0


def read_environment(from_file: str | None, env: str | None, python: str | None) -> Any:
    """The :class:`~kbtool.applies.environment.Environment` the options name."""
    from dataclasses import replace

    from packaging.version import InvalidVersion, Version

    from kbtool.applies import environment as environments
    from kbtool.applies.lockfiles import read_lockfile
    from kbtool.applies.lookup import this_python
    from kbtool.errors import UsageError

    if python is not None:
        try:
            Version(python)
        except InvalidVersion:
            raise UsageError(f"--python {python!r}: not a version, e.g. 3.12") from None
    if from_file:
        version = python or this_python()
        source = "--python" if python else "this interpreter; the file does not say"
        return read_lockfile(Path(from_file), version, source)
    found = environments.from_path(Path(env)) if env else environments.installed()
    if python is not None:
        found = replace(found, python=python, python_source="--python")
    return found


def _environment_dict(env: Any) -> dict[str, Any]:
    return {
        "source": env.source,
        "kind": env.kind,
        "python": env.python,
        "python_source": env.python_source,
        "packages": len(env.packages),
        "notes": list(env.notes),
    }


def _head(v: dict[str, Any]) -> list[str]:
    from kbtool.textsafe import sanitize

    facts = " · ".join(
        x for x in (sanitize(v["category"]), v["severity"], f"{v['path']}:{v['line']}") if x
    )
    lines = [f"{v['id']}  {sanitize(v['title'], 200)}", f"    {facts}"]
    if v.get("entry_versions"):
        lines.append(f"    the learning holds for {sanitize(v['entry_versions'])}")
    return lines


def _installed(installed: dict[str, str]) -> str:
    from kbtool.textsafe import sanitize

    return ", ".join(
        f"{sanitize(name, 60)} {'(version unknown)' if ver == '?' else sanitize(ver, 40)}"
        for name, ver in installed.items()
    )


def _symptom_lines(symptoms: list[dict[str, Any]], prefix: str = "    ") -> list[str]:
    from kbtool.textsafe import sanitize

    lines = []
    for s in symptoms[:MAX_SYMPTOMS_SHOWN]:
        where = f"  ({sanitize(s['versions'])})" if s["versions"] else ""
        lines.append(f"{prefix}{sanitize(s['text'], 200)}{where}")
    if len(symptoms) > MAX_SYMPTOMS_SHOWN:
        lines.append(f"{prefix}… and {len(symptoms) - MAX_SYMPTOMS_SHOWN} more symptoms")
    return lines


def _write_list(out: TextIO, data: dict[str, Any]) -> None:
    blocks = []
    for v in data["applies"]:
        lines = _head(v)
        if v["symptoms"]:
            lines.append(f"    on {_installed(v['installed'])}:")
            lines += _symptom_lines(v["symptoms"], "      ")
        else:
            lines.append(f"    on {_installed(v['installed'])} (no symptom recorded for them)")
        blocks.append("\n".join(lines))
    for v in data["unknown"]:
        lines = _head(v)
        lines.append(f"    may apply on {_installed(v['installed'])}: a version is unknown")
        blocks.append("\n".join(lines))
    out.write("\n\n".join(blocks) + ("\n" if blocks else ""))


def _write_changes(out: TextIO, data: dict[str, Any]) -> None:
    from kbtool.textsafe import sanitize

    upgrade = data["upgrade"]
    pins = ", ".join(
        f"{sanitize(name, 60)} {sanitize(str(p['from'] or 'not installed'), 40)} -> {p['to']}"
        for name, p in upgrade["pins"].items()
    )
    titles = {
        "symptoms": "symptoms that change",
        "starts": "starts applying",
        "stops": "stops applying",
        "unknown": "becomes or stays unknown",
    }
    out.write(f"upgrade: {pins}\n")
    for kind, title in titles.items():
        found = [c for c in upgrade["changes"] if c["change"] == kind]
        if not found:
            continue
        out.write(f"\n{title} ({len(found)}):\n")
        for c in found:
            facts = " · ".join(x for x in (c["severity"], f"{c['path']}:{c['line']}") if x)
            lines = [f"{c['id']}  {sanitize(c['title'], 200)}", f"    {facts}"]
            if c["symptoms_removed"]:
                lines.append(f"    before, on {_installed(c['before']['installed'])}:")
                lines += _symptom_lines(c["symptoms_removed"], "    - ")
            if c["symptoms_added"]:
                lines.append(f"    after, on {_installed(c['after']['installed'])}:")
                lines += _symptom_lines(c["symptoms_added"], "    + ")
            if kind == "unknown":
                lines.append(f"    {c['before']['state']} -> {c['after']['state']}")
            out.write("\n".join(lines) + "\n")
    if not upgrade["changes"]:
        out.write("no learning starts or stops applying, no symptom changes\n")


def _write_summary(data: dict[str, Any]) -> None:
    from kbtool.textsafe import sanitize

    env = data["environment"]
    counts = data["counts"]
    for note in env["notes"]:
        print(f"kbtool: note: {sanitize(note, 300)}", file=sys.stderr)
    for path in data["skipped_files"]:
        print(f"kbtool: note: {path} not read (kbtool validate says why)", file=sys.stderr)
    after = " after the upgrade" if data["upgrade"] else ""
    critical = f", {counts['critical']} critical" if counts["critical"] else ""
    if data["gate"]:
        critical += f" ({len(data['gate'])} failing the run: {', '.join(data['gate'][:5])})"
    source = "the installed packages" if env["kind"] == "installed" else env["source"]
    print(
        f"kbtool applies: {counts['applies']} of {counts['version_bound']} version-bound "
        f"learnings apply{after}{critical}, {counts['unknown']} unknown; "
        f"{env['packages']} packages from {sanitize(source, 200)}, "
        f"python {env['python']} ({env['python_source']})",
        file=sys.stderr,
    )
