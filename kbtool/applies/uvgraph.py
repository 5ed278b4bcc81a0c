"""Which packages of a ``uv.lock`` the interpreter installs: those reached from the
workspace's own packages over dependency edges whose markers hold.

A uv.lock is universal: it locks every package any platform or Python version needs, and
puts the markers on the edges (``{ name = "pywin32", marker = "sys_platform == 'win32'" }``),
never on the packages. Reading every ``[[package]]`` would say a Linux project runs
``pywin32``, and that Python 3.12 runs the ``exceptiongroup`` backport. The walk starts at
the packages uv builds from the workspace (``source = { editable | virtual }``) and takes
every extra and dependency group (any may be installed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kbtool.versionspec import canonical

if TYPE_CHECKING:
    from kbtool.applies.lockfiles import _Reader

MAX_EDGES = 1_000_000  # edges followed in one lock file


def installed(packages: list[Any], reader: _Reader, name: str) -> set[int] | None:
    """The indexes in ``packages`` the interpreter installs; None when the lock has no
    workspace package to start from (then every package is read, as before)."""
    by_name: dict[str, list[int]] = {}
    roots = []
    for index, package in enumerate(packages):
        if not isinstance(package, dict) or not isinstance(package.get("name"), str):
            continue
        by_name.setdefault(canonical(package["name"]), []).append(index)
        source = package.get("source")
        if isinstance(source, dict) and ("editable" in source or "virtual" in source):
            roots.append(index)
    if not roots:
        return None
    seen = set(roots)
    stack = list(roots)
    edges = 0
    while stack and edges < MAX_EDGES:
        package = packages[stack.pop()]
        for dep in _edges(package):
            edges += 1
            if not isinstance(dep, dict) or not isinstance(dep.get("name"), str):
                continue
            if not reader.marker_holds(dep.get("marker"), f"{name} {package['name'][:40]}"):
                continue
            targets = by_name.get(canonical(dep["name"]), [])
            if len(targets) > 1 and "version" in dep:
                targets = [t for t in targets if packages[t].get("version") == dep["version"]]
            for target in targets:
                if target not in seen:
                    seen.add(target)
                    stack.append(target)
    return seen


def _edges(package: dict[str, Any]) -> list[Any]:
    edges = package.get("dependencies")
    out = list(edges) if isinstance(edges, list) else []
    for table in ("optional-dependencies", "dev-dependencies"):
        groups = package.get(table)
        if isinstance(groups, dict):
            for group in groups.values():
                if isinstance(group, list):
                    out.extend(group)
    return out
