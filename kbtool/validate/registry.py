"""Registries of per-file and KB-wide checks, filled by importing ``kbtool/validate/checks/``."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kbtool.validate.context import FileContext, KbContext

FileCheck = Callable[["FileContext"], None]
KbCheck = Callable[["KbContext"], None]

FILE_CHECKS: list[FileCheck] = []
KB_CHECKS: list[KbCheck] = []
PLUGIN_ERRORS: list[str] = []
_loaded = False


def file_check(fn: FileCheck) -> FileCheck:
    """Register a per-file check (results cached with the file). Returns ``fn`` unchanged."""
    if fn not in FILE_CHECKS:
        FILE_CHECKS.append(fn)
    return fn


def kb_check(fn: KbCheck) -> KbCheck:
    """Register a KB-wide check (runs on every validation, from facts). Returns ``fn``."""
    if fn not in KB_CHECKS:
        KB_CHECKS.append(fn)
    return fn


def check_name(fn: Callable[..., object]) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def load_plugins() -> None:
    """Import every module in ``kbtool/validate/checks/`` once, in name order.

    A module that fails to import is recorded in ``PLUGIN_ERRORS`` (reported as an
    internal error) and does not stop validation.
    """
    global _loaded
    if _loaded:
        return
    _loaded = True
    from kbtool.validate import checks

    for info in sorted(pkgutil.iter_modules(checks.__path__), key=lambda m: m.name):
        name = f"{checks.__name__}.{info.name}"
        try:
            importlib.import_module(name)
        except Exception as exc:
            import traceback

            last = traceback.extract_tb(exc.__traceback__)[-1:]
            where = f" ({last[0].filename}:{last[0].lineno})" if last else ""
            PLUGIN_ERRORS.append(
                f"check module {name} failed to import: {type(exc).__name__}: {exc}{where}"
            )


def signature() -> str:
    """Names of all registered checks: part of the cache key."""
    checks: list[Callable[..., object]] = [*FILE_CHECKS, *KB_CHECKS]
    return ";".join(check_name(f) for f in checks)
