"""The command table: every ``kbtool`` command, declared once.

Each command is a module here (or a feature's ``command.py``) with ``DOC`` (its help),
``OPTS`` (its parameters, :class:`kbtool.cli.options.Opt`) and a framework-free
``run(*, root, **values) -> int`` that returns the exit code and raises only
:class:`~kbtool.errors.KbError` subclasses for user errors. Both front ends are built from
this table: the start-up fast path (:mod:`kbtool.cli.fast`) and the typer app
(:mod:`kbtool.cli.typerapp`, for ``--help`` and shell completion). Importing this module
imports no command: each is loaded when it runs.

Adding a command is one file and one line in :data:`COMMANDS` (CONTRIBUTING.md, "Adding a
command").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import ModuleType

TYPE_CHECKING = False  # typing is imported for the type checker only (start-up)
if TYPE_CHECKING:
    from typing import Any


class Command:
    """Where a command lives: ``module`` with ``DOC``, ``OPTS`` and the function ``run``.
    (A plain class: a NamedTuple costs a millisecond of every start-up.)"""

    __slots__ = ("doc", "module", "name", "opts", "run")

    def __init__(
        self, name: str, module: str, run: str = "run", opts: str = "OPTS", doc: str = "DOC"
    ) -> None:
        self.name = name  # "scan", or "report new" for a subcommand
        self.module = module
        self.run = run
        self.opts = opts
        self.doc = doc

    def __repr__(self) -> str:
        return f"Command({self.name!r}, {self.module!r})"

    def load(self) -> ModuleType:
        module: ModuleType = __import__(self.module, fromlist=["_"])  # no importlib import
        return module

    def parts(self) -> tuple[Any, Callable[..., int], str]:
        """(OPTS, run, DOC), importing the module."""
        module = self.load()
        return getattr(module, self.opts), getattr(module, self.run), getattr(module, self.doc)


_HERE = "kbtool.cli.commands"

#: Every command, in the order ``kbtool --help`` lists them.
COMMANDS: tuple[Command, ...] = (
    Command("validate", f"{_HERE}.validate"),
    Command("explain", f"{_HERE}.explain"),
    Command("search", f"{_HERE}.search"),
    Command("match", f"{_HERE}.match"),
    Command("list", f"{_HERE}.listing"),
    Command("index", f"{_HERE}.index"),
    Command("show", f"{_HERE}.show"),
    Command("stats", f"{_HERE}.stats"),
    Command("links", f"{_HERE}.links"),
    Command("import-report", f"{_HERE}.import_report"),
    Command("render", f"{_HERE}.render"),
    Command("plan", f"{_HERE}.plan"),
    Command("new", f"{_HERE}.new"),
    Command("edit", f"{_HERE}.edit"),
    Command("completion", f"{_HERE}.completion"),
    Command("init", f"{_HERE}.init"),
    Command("report new", f"{_HERE}.report_new"),
    Command("migrate", f"{_HERE}.migrate"),
    Command("fmt", f"{_HERE}.fmt"),
    Command("scan", f"{_HERE}.scan"),
    Command("applies", f"{_HERE}.applies", run="applies_command"),
    Command("export", f"{_HERE}.export", run="export_command"),
    Command("mcp", f"{_HERE}.mcp", run="mcp_command"),
    Command("site", f"{_HERE}.site", run="site_command"),
)

#: Groups of subcommands: their help text.
GROUPS = {"report": "Fix reports: write a report skeleton for an entry."}

BY_NAME = {c.name: c for c in COMMANDS}


def find(argv: Sequence[str]) -> tuple[Command, int] | None:
    """The command ``argv`` starts with and how many words name it (``report new``: 2)."""
    if len(argv) >= 2 and f"{argv[0]} {argv[1]}" in BY_NAME:
        return BY_NAME[f"{argv[0]} {argv[1]}"], 2
    if argv and argv[0] in BY_NAME:
        return BY_NAME[argv[0]], 1
    return None
