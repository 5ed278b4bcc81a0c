"""Poetry's requirement syntax in a ``pyproject.toml``: where its tables are, and the marker
of one requirement. Read by the pyproject reader (:mod:`kbtool.applies.manifests`) and the
poetry.lock walk (:mod:`kbtool.applies.depgraph`)."""

from __future__ import annotations

from typing import Any


def poetry_tables(pyproject: dict[str, Any]) -> list[dict[str, Any]]:
    """The tables of requirements poetry reads in a pyproject: ``dependencies``,
    ``dev-dependencies`` (poetry before 1.2) and each group's ``dependencies``."""
    tool = pyproject.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    if not isinstance(poetry, dict):
        return []
    tables = [poetry.get("dependencies"), poetry.get("dev-dependencies")]
    groups = poetry.get("group")
    if isinstance(groups, dict):
        tables += [g.get("dependencies") for g in groups.values() if isinstance(g, dict)]
    return [t for t in tables if isinstance(t, dict)]


def poetry_marker(spec: object) -> str | None:
    """The PEP 508 marker of one of poetry's requirement tables (``markers``, and poetry's
    own ``platform`` key: a ``sys_platform`` value), None when it has none."""
    if not isinstance(spec, dict):
        return None
    parts = [spec["markers"]] if isinstance(spec.get("markers"), str) else []
    if isinstance(spec.get("platform"), str):
        parts.append(f'sys_platform == "{spec["platform"]}"')
    return " and ".join(f"({p})" for p in parts) or None
