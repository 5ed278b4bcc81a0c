"""The ``kbtool`` command line: a thin layer over the library.

- :mod:`kbtool.cli.commands`: the command table; one module a command (``DOC``, ``OPTS``,
  ``run``), each loading the configuration, making its library calls and printing.
- :mod:`kbtool.cli.options`: how parameters are declared (``Opt``), shared options, the one
  check of choices.
- :mod:`kbtool.cli.fast`: the start-up fast path (no typer).
- :mod:`kbtool.cli.typerapp`: the typer app built from the table (help, completion).

``app`` and ``run`` are loaded on first use, so importing a command module (as the fast path
does) never imports typer. Library errors (``KbError``) become a one-line message and their
exit code: 0 clean, 1 findings, 2 usage error, 3 configuration or internal error.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing is imported for the type checker only (start-up)
if TYPE_CHECKING:
    from typing import Any


def __getattr__(name: str) -> Any:
    if name in ("app", "run"):
        from kbtool.cli import typerapp

        return getattr(typerapp, name)
    raise AttributeError(f"module 'kbtool.cli' has no attribute {name!r}")
