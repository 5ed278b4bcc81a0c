"""Installed versions, looked up one project at a time (``kbtool match`` asks for the few
its hits name; reading the whole environment is :func:`kbtool.applies.environment.installed`).
Light on purpose: it is imported on match's start-up path."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from kbtool.versionspec import PYTHON, canonical


def this_python() -> str:
    """The running interpreter's version, e.g. ``3.11.7``."""
    return ".".join(str(n) for n in sys.version_info[:3])


def installed_lookup(path: list[str] | None = None) -> Callable[[str], str | None]:
    """A lookup (see :func:`kbtool.versionspec.holds`) of this interpreter's installed
    versions that reads only the projects asked for, remembered; None when a project is not
    installed.

    Most projects are found by the name of their ``NAME-VERSION.dist-info`` folder on
    ``sys.path`` (``path``), without ``importlib.metadata``, whose import alone costs more
    than the rest of ``kbtool match``. Anything less plain (an ``.egg-info``, a zip on the
    path, a folder that cannot be listed) is asked of ``importlib.metadata``, which then
    gives the answer."""
    import functools

    folders = _DistFolders(sys.path if path is None else path)

    @functools.cache
    def lookup(key: str) -> str | None:
        if key == PYTHON:
            return this_python()
        found = folders.version(canonical(key))
        if found is not _UNSURE:
            return found
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version(key)
        except (PackageNotFoundError, ValueError, OSError):
            return None

    return lookup


_UNSURE = "?unsure"


class _DistFolders:
    """The ``.dist-info`` folders of the entries of ``sys.path``, listed once."""

    def __init__(self, path: list[str]) -> None:
        self._path = path
        self._listed: list[list[str]] | None = None
        self._plain = True

    def _listings(self) -> list[list[str]]:
        if self._listed is None:
            self._listed = []
            for entry in self._path:
                try:
                    with os.scandir(entry or ".") as items:
                        self._listed.append([i.name for i in items])
                except NotADirectoryError:
                    self._plain = False  # a zip file: importlib.metadata reads it
                except OSError:
                    continue  # missing: importlib.metadata finds nothing there either
        return self._listed

    def version(self, key: str) -> str | None:
        """The version of project ``key`` (canonical) from the first folder that has it,
        None when no folder has it, :data:`_UNSURE` when only importlib.metadata can tell."""
        for names in self._listings():
            for name in names:
                if name.endswith(".dist-info"):
                    project, _, version = name[: -len(".dist-info")].rpartition("-")
                    if project and canonical(project) == key:
                        return version
                elif name.endswith(".egg-info"):
                    project = name[: -len(".egg-info")].split("-")[0]
                    if canonical(project) == key:
                        return _UNSURE  # its version may be only in PKG-INFO
        return None if self._plain else _UNSURE
