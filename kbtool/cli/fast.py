"""The start-up fast path: parse argv with the command table and run the command, no typer.

``kbtool search`` must answer in well under the time typer takes to start (typer imports
pydantic and builds an adapter for every parameter of every command: ~200 ms of CPU instead
of ~55 ms, ``tests/benchmarks/bench_search.py``). So :func:`run_fast`, called by
``kbtool.__main__`` first, parses ``kbtool [GLOBALS] COMMAND [ARGS]`` itself with the
command's :class:`~kbtool.cli.options.Opt` list (the one the typer command is built from)
and calls the same ``run``.

Anything it does not fully understand (``--help``, an unknown option, a value of the wrong
type, a missing argument, an unknown command) makes it step aside: typer then parses the
same argv and prints its own messages. ``tests/test_cli_table.py`` checks that both parse
every option of every command to the same values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from kbtool.cli.commands import Command, find
from kbtool.cli.options import GLOBAL_OPTS, Opt

TYPE_CHECKING = False  # typing is imported for the type checker only (start-up)
if TYPE_CHECKING:
    from typing import Any


class StepAside(Exception):
    """The fast path does not handle this argv: let typer parse it."""


class Parsed:
    """A command line the fast path understood."""

    __slots__ = ("color", "command", "root", "values")

    def __init__(
        self, command: Command, root: str | None, color: str | None, values: dict[str, Any]
    ) -> None:
        self.command, self.root, self.color, self.values = command, root, color, values


def defaults(opts: Sequence[Opt]) -> dict[str, Any]:
    return {opt.name: list(opt.default) if opt.kind is list else opt.default for opt in opts}


def parse(argv: Sequence[str], opts: Sequence[Opt]) -> dict[str, Any]:
    """Parse ``argv`` as click would for these options; StepAside when unsure."""
    by_flag = {flag: opt for opt in opts for flag in opt.flags}
    positionals = [opt for opt in opts if not opt.flags]
    values = defaults(opts)
    args = list(argv)
    i = 0
    at = 0  # the positional argument being filled
    only_positional = False
    while i < len(args):
        arg = args[i]
        i += 1
        if only_positional or arg == "-" or not arg.startswith("-"):
            if at >= len(positionals):
                raise StepAside  # one too many: typer says so
            positional = positionals[at]
            if positional.kind is list:
                values[positional.name].append(arg)
            else:
                values[positional.name] = _convert(positional, arg, None)
                at += 1
            continue
        if arg == "--":
            only_positional = True
            continue
        flag, eq, inline = arg.partition("=") if arg.startswith("--") else (arg[:2], "", arg[2:])
        opt = by_flag.get(flag)
        if opt is None:
            raise StepAside
        if opt.kind is bool:
            if eq or inline:
                raise StepAside
            values[opt.name] = True
            continue
        if eq or inline:
            value = inline
        elif i < len(args):
            value = args[i]
            i += 1
        else:
            raise StepAside
        values[opt.name] = _convert(opt, value, values[opt.name])
    if any(opt.required and values[opt.name] is None for opt in opts):
        raise StepAside  # missing: typer prints its usage message
    return values


def _convert(opt: Opt, value: str, current: Any) -> Any:
    if opt.kind is list:
        return [*current, value]
    if opt.kind is int:
        try:
            number = int(value)
        except ValueError:
            raise StepAside from None
        if opt.minimum is not None and number < opt.minimum:
            raise StepAside  # typer says what the range is
        return number
    if opt.choices and value not in opt.choices:
        raise StepAside  # typer's run says so, in the one wording (options.check_values)
    return value


def parse_command(argv: Sequence[str]) -> Parsed | None:
    """``[GLOBALS] COMMAND ARGS…`` → the command and its values; None when unsure.

    The global options (``--root``, ``--color``) go before the command or anywhere after
    it (before ``--``); the last one given wins."""
    found: dict[str, Any] = {"root": None, "color": None}
    i = 0
    by_flag = {flag: opt for opt in GLOBAL_OPTS for flag in opt.flags}
    while i < len(argv) and argv[i].startswith("-"):
        flag, eq, value = argv[i].partition("=")
        if flag not in by_flag:
            return None
        if not eq:
            if i + 1 >= len(argv):
                return None
            value, i = argv[i + 1], i + 1
        found[by_flag[flag].name], i = value, i + 1
    located = find(argv[i:])
    if located is None:
        return None
    command, words = located
    opts, _, _ = command.parts()
    try:
        values = parse(argv[i + words :], (*opts, *GLOBAL_OPTS))
    except StepAside:
        return None
    for opt in GLOBAL_OPTS:
        value = values.pop(opt.name)
        if value is not None:
            found[opt.name] = value
    return Parsed(command, found["root"], found["color"], values)


def run_guarded(body: Callable[[], int | None]) -> int:
    """Run a command body the way every kbtool command runs: a library error becomes
    ``kbtool: error: …`` and its exit code, never a traceback (``KBTOOL_DEBUG=1`` shows it)."""
    import os
    import sys

    from kbtool.errors import KbError

    try:
        return body() or 0
    except KbError as exc:
        label = "" if getattr(exc, "bare", False) else "error: "  # "kbtool: aborted"
        print(f"kbtool: {label}{exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly, and keep Python's final flush of
        # stdout from failing again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:  # the last guard: no traceback for users
        if os.environ.get("KBTOOL_DEBUG"):
            raise
        print(f"kbtool: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        print("kbtool: set KBTOOL_DEBUG=1 for a traceback", file=sys.stderr)
        return 3


def invoke(command: Command, root: str | None, color: str | None, values: dict[str, Any]) -> int:
    """Check the values (choices, minimums), set the colour, run the command."""
    from kbtool.cli.options import check_values
    from kbtool.errors import KbError

    opts, body, _ = command.parts()
    check_values((*opts, *GLOBAL_OPTS), {**values, "color": color})
    if color is not None:
        from kbtool.term import set_color

        set_color(color)
    try:
        return body(root=root, **values)
    except KbError as exc:  # the library names parameters; say them as this command's flags
        exc.words = {o.name: o.flags[0] for o in (*opts, *GLOBAL_OPTS) if o.flags}
        raise


def run_fast(argv: Sequence[str]) -> int | None:
    """The exit code of the command, or None when typer should handle ``argv``."""
    parsed = parse_command(argv)
    if parsed is None:
        return None
    return run_guarded(lambda: invoke(parsed.command, parsed.root, parsed.color, parsed.values))
