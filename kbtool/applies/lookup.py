"""Installed versions, looked up one project at a time (``kbtool match`` asks for the few
its hits name; reading the whole environment is :func:`kbtool.applies.environment.installed`).
Light on purpose: it is imported on match's start-up path."""

from __future__ import annotations

import sys
from collections.abc import Callable

from kbtool.versionspec import PYTHON


def this_python() -> str:
    """The running interpreter's version, e.g. ``3.11.7``."""
    return ".".join(str(n) for n in sys.version_info[:3])


def installed_lookup() -> Callable[[str], str | None]:
    """A lookup (see :func:`kbtool.versionspec.holds`) of this interpreter's installed
    versions that reads only the projects asked for: ``importlib.metadata.version`` per
    canonical name, remembered; None when a project is not installed."""
    import functools

    @functools.cache
    def lookup(key: str) -> str | None:
        if key == PYTHON:
            return this_python()
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version(key)
        except (PackageNotFoundError, ValueError, OSError):
            return None

    return lookup
