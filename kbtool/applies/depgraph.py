"""Which packages of a universal lock file the interpreter installs: those reached from the
project's own requirements over dependency edges whose markers hold.

A ``uv.lock`` and a ``poetry.lock`` written before lock-version 2.1 (poetry 1.x) lock every
package any platform or Python version needs, and put the markers on the edges
(``{ name = "pywin32", marker = "sys_platform == 'win32'" }``; poetry:
``colorama = {version = "*", markers = "platform_system == \\"Windows\\""}``), never on the
packages. Reading every ``[[package]]`` would say a Linux project runs ``pywin32`` and
``colorama``, and that Python 3.12 runs the ``exceptiongroup`` backport. The walk starts at
the project's requirements and takes every extra and dependency group (any may be
installed):

- uv.lock: the packages uv builds from the workspace (``source = { editable | virtual }``);
  edges ``dependencies``, ``optional-dependencies``, ``dev-dependencies``;
- poetry.lock: the requirements of the ``pyproject.toml`` beside it (``[tool.poetry]``
  dependencies, dev-dependencies and groups, PEP 621 ``dependencies`` and
  ``optional-dependencies``); edges ``[package.dependencies]`` (a version, a table, or a list
  of tables for several markers).

Without a place to start (no workspace package; no ``pyproject.toml``) every package is read,
as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from kbtool.applies.poetry import poetry_marker, poetry_tables
from kbtool.versionspec import canonical

if TYPE_CHECKING:
    from kbtool.applies.lockfiles import _Reader

MAX_EDGES = 1_000_000  # edges followed in one lock file
#: An edge: the package's name, its marker (None: always), the version it pins (or None).
Edge = tuple[str, Any, "str | None"]


def uv_installed(packages: list[Any], reader: _Reader, name: str) -> set[int] | None:
    """The indexes in a uv.lock's ``packages`` the interpreter installs; None when the lock
    has no workspace package to start from."""
    roots = []
    for index, package in enumerate(packages):
        source = package.get("source") if isinstance(package, dict) else None
        if isinstance(source, dict) and ("editable" in source or "virtual" in source):
            roots.append(index)
    return _walk(packages, roots, _uv_edges, reader, name) if roots else None


def poetry_installed(
    packages: list[Any], reader: _Reader, name: str, pyproject: dict[str, Any] | None
) -> set[int] | None:
    """The indexes in a poetry.lock's ``packages`` the interpreter installs; None when the
    lock puts markers on its packages (lock-version 2.1: read as they are) or there is no
    ``pyproject.toml`` to start from."""
    if pyproject is None or any(isinstance(p, dict) and "markers" in p for p in packages):
        return None
    by_name = _by_name(packages)
    roots = []
    for dep, marker, _ in _project_requirements(pyproject):
        if reader.marker_holds(marker, f"pyproject.toml {dep[:40]}"):
            roots.extend(by_name.get(canonical(dep), []))
    return _walk(packages, roots, _poetry_edges, reader, name) if roots else None


def _by_name(packages: list[Any]) -> dict[str, list[int]]:
    by_name: dict[str, list[int]] = {}
    for index, package in enumerate(packages):
        if isinstance(package, dict) and isinstance(package.get("name"), str):
            by_name.setdefault(canonical(package["name"]), []).append(index)
    return by_name


def _walk(
    packages: list[Any],
    roots: list[int],
    edges_of: Callable[[dict[str, Any]], Iterable[Edge]],
    reader: _Reader,
    name: str,
) -> set[int]:
    by_name = _by_name(packages)
    seen = set(roots)
    stack = list(roots)
    edges = 0
    while stack and edges < MAX_EDGES:
        package = packages[stack.pop()]
        for dep, marker, version in edges_of(package):
            edges += 1
            if not reader.marker_holds(marker, f"{name} {str(package.get('name'))[:40]}"):
                continue
            targets = by_name.get(canonical(dep), [])
            if len(targets) > 1 and version is not None:
                targets = [t for t in targets if packages[t].get("version") == version]
            for target in targets:
                if target not in seen:
                    seen.add(target)
                    stack.append(target)
    return seen


def _uv_edges(package: dict[str, Any]) -> Iterable[Edge]:
    edges = package.get("dependencies")
    found = list(edges) if isinstance(edges, list) else []
    for table in ("optional-dependencies", "dev-dependencies"):
        groups = package.get(table)
        if isinstance(groups, dict):
            for group in groups.values():
                if isinstance(group, list):
                    found.extend(group)
    for dep in found:
        if isinstance(dep, dict) and isinstance(dep.get("name"), str):
            version = dep.get("version")
            yield dep["name"], dep.get("marker"), version if isinstance(version, str) else None


def _poetry_edges(package: dict[str, Any]) -> Iterable[Edge]:
    edges = package.get("dependencies")
    if isinstance(edges, dict):
        yield from _poetry_table(edges)


def _poetry_table(table: dict[str, Any]) -> Iterable[Edge]:
    """``name = "^1.0"``, ``name = {version = …, markers = …, platform = …}`` or a list of
    such tables, one per marker."""
    for dep, spec in table.items():
        if not isinstance(dep, str) or canonical(dep) == "python":
            continue
        for one in spec if isinstance(spec, list) else [spec]:
            yield dep, poetry_marker(one), None


def _project_requirements(pyproject: dict[str, Any]) -> Iterable[Edge]:
    """The requirements a pyproject.toml names: poetry's tables, then PEP 621's strings."""
    from packaging.requirements import InvalidRequirement, Requirement

    for table in poetry_tables(pyproject):
        yield from _poetry_table(table)
    project = pyproject.get("project")
    if isinstance(project, dict):
        lines = project.get("dependencies")
        lines = list(lines) if isinstance(lines, list) else []
        extras = project.get("optional-dependencies")
        if isinstance(extras, dict):
            lines += [x for group in extras.values() if isinstance(group, list) for x in group]
        for line in lines:
            try:
                req = Requirement(line) if isinstance(line, str) else None
            except InvalidRequirement:
                continue
            if req is not None:
                yield req.name, str(req.marker) if req.marker else None, None
