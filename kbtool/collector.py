"""Pausing Python's cyclic garbage collector around work that makes many objects and no cycles.

Validation, a scan and an index build each make millions of small objects (facts, syntax
trees, rows) that form no reference cycles: reference counting frees them, and the cyclic
collector would only walk them again and again to find them alive (half the time of a
large validation or scan). :class:`Paused` turns it off for the work and back on after.
"""

from __future__ import annotations

import gc


class Paused:
    """``with Paused():`` the collector is off inside (and back on after, if it was on).

    ``age=True`` puts the objects made inside in the collector's oldest generation on the
    way out; otherwise the first young collection afterwards walks every one still alive
    (all the facts of a validation: ~7 ms at 10k, on the way out of ``kbtool validate``).
    They are still freed when no longer referenced, and looked at by full collections. Not
    done when the process has frozen objects of its own (``gc.unfreeze`` would release
    them), which CPython 3.12 has from its start (~375): there it is a cost, not a fault."""

    __slots__ = ("_age", "_enabled")

    def __init__(self, *, age: bool = False) -> None:
        self._age = age
        self._enabled = False

    def __enter__(self) -> Paused:
        self._enabled = gc.isenabled()
        gc.disable()
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._enabled:
            return
        if self._age and gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        gc.enable()
