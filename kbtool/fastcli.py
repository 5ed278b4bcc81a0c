"""One definition of the options of the fast commands, and the start-up fast path.

``kbtool search`` must answer in well under the time typer takes: through typer 0.29 (which
imports pydantic and builds an adapter for every parameter of every command) the same search
costs ~200 ms of CPU instead of ~55 ms (``tests/benchmarks/bench_search.py``). So
:func:`run_fast`, called by ``kbtool.__main__`` before anything else, parses
``kbtool [--root DIR] search|match|index|validate …`` itself and runs the same command body
the typer command runs. Those typer commands are *built from* the :class:`Opt` lists (see
``_spec_command`` in ``kbtool.cli``), so ``--help`` and behaviour cannot drift apart.

Anything the fast path does not fully understand (``--help``, an unknown option, a value of
the wrong type or choice, another command) makes it step aside: typer then parses the same
argv and prints its own messages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple


class Opt(NamedTuple):
    """A command-line parameter. ``kind``: str, int, bool, or list (repeatable str)."""

    name: str  # the Python parameter name
    flags: tuple[str, ...]  # empty for the positional argument
    help: str
    kind: type = str
    default: Any = None
    metavar: str | None = None
    choices: tuple[str, ...] = ()
    required: bool = False  # a positional argument that must be given
    complete: str = ""  # what the shell completes it with: "entry-id" (kbtool.completion)


def format_opt(*choices: str) -> Opt:
    """``-f/--format FORMAT``, one of ``choices`` (the first is the default)."""
    listed = ", ".join(choices[:-1]) + f" or {choices[-1]}"
    return Opt(
        "fmt",
        ("--format", "-f"),
        f"Output format: {listed}.",
        default=choices[0],
        metavar="FORMAT",
        choices=choices,
    )


FORMAT_CHOICES = ("text", "json", "jsonl")
FORMAT_OPT = format_opt(*FORMAT_CHOICES)

FILTER_OPTS = (
    Opt(
        "category",
        ("--category", "-c"),
        "Only this category and those under it "
        "(Database matches Database/AsyncIO); case-insensitive.",
        metavar="CATEGORY",
    ),
    Opt(
        "tag",
        ("--tag", "-t"),
        "Only entries with this tag (repeatable or comma-separated; all must be present).",
        kind=list,
        default=(),
        metavar="TAG",
    ),
    Opt(
        "severity",
        ("--severity", "-s"),
        "Only these severities: critical, high, medium, low (repeatable or comma-separated).",
        kind=list,
        default=(),
        metavar="LEVEL",
    ),
    Opt(
        "status",
        ("--status",),
        "Only these statuses: active, superseded, archived, proposed (repeatable or "
        "comma-separated).",
        kind=list,
        default=(),
        metavar="STATUS",
    ),
    Opt(
        "since",
        ("--since",),
        "Only entries dated on or after: YYYY-MM-DD, YYYY-MM, YYYY, "
        "or an age such as 30d, 6w, 3m, 1y.",
        metavar="DATE",
    ),
    Opt(
        "until",
        ("--until",),
        "Only entries dated on or before (same forms as --since).",
        metavar="DATE",
    ),
    Opt(
        "file",
        ("--file",),
        "Only entries in this file or folder (a path, or a glob relative to the KB root).",
        metavar="PATH",
    ),
)

SEARCH_OPTS = (
    Opt(
        "query",
        (),
        'What to look for: words (all must appear), "a phrase", -word to '
        "exclude, OR, prefix*, title:word. Quote it or put it after --.",
        kind=list,
        default=(),
        metavar="QUERY",
    ),
    *FILTER_OPTS,
    Opt(
        "limit",
        ("--limit", "-n"),
        "Show at most this many hits.",
        kind=int,
        default=10,
        metavar="N",
    ),
    FORMAT_OPT,
    Opt(
        "show_sql",
        ("--show-sql",),
        "Print the SQL (with its parameters inlined) that the query runs, instead of running it.",
        kind=bool,
        default=False,
    ),
    Opt(
        "ids",
        ("--ids", "-l"),
        "Print only the ids of the hits, one a line (for xargs).",
        kind=bool,
        default=False,
    ),
)

MATCH_OPTS = (
    Opt(
        "text",
        (),
        "The error message; '-' (or nothing, with input piped in) reads a log "
        "or traceback from stdin.",
        kind=list,
        default=(),
        metavar="TEXT",
    ),
    Opt(
        "limit", ("--limit", "-n"), "Show at most this many hits.", kind=int, default=5, metavar="N"
    ),
    FORMAT_OPT,
)

LIST_OPTS = (
    *FILTER_OPTS,
    Opt(
        "limit",
        ("--limit", "-n"),
        "Show at most this many entries (default: all).",
        kind=int,
        default=0,
        metavar="N",
    ),
    FORMAT_OPT,
)


INDEX_OPTS = (
    Opt("full", ("--full",), "Rebuild from scratch instead of updating.", kind=bool, default=False),
    Opt(
        "check",
        ("--check",),
        "Also run SQLite's FTS5 integrity check, which reads the whole "
        "index (rebuilds a damaged one).",
        kind=bool,
        default=False,
    ),
    format_opt("text", "json"),
)


class _StepAside(Exception):
    """The fast path does not handle this argv: let typer parse it."""


def parse(argv: Sequence[str], opts: Sequence[Opt]) -> dict[str, Any]:
    """Parse ``argv`` like click would for these options; _StepAside when unsure."""
    by_flag = {flag: opt for opt in opts for flag in opt.flags}
    positional = next((opt for opt in opts if not opt.flags), None)
    values: dict[str, Any] = {
        opt.name: list(opt.default) if opt.kind is list else opt.default for opt in opts
    }
    args = list(argv)
    i = 0
    only_positional = False
    while i < len(args):
        arg = args[i]
        i += 1
        if only_positional or arg == "-" or not arg.startswith("-"):
            if positional is None:
                raise _StepAside
            if positional.kind is list:
                values[positional.name].append(arg)
            elif values[positional.name] is None:
                values[positional.name] = arg
            else:
                raise _StepAside  # a second one: let typer say so
            continue
        if arg == "--":
            only_positional = True
            continue
        flag, eq, inline = arg.partition("=") if arg.startswith("--") else (arg[:2], "", arg[2:])
        opt = by_flag.get(flag)
        if opt is None:
            raise _StepAside
        if opt.kind is bool:
            if eq or inline:
                raise _StepAside
            values[opt.name] = True
            continue
        if eq or inline:
            value = inline
        elif i < len(args):
            value = args[i]
            i += 1
        else:
            raise _StepAside
        values[opt.name] = _convert(opt, value, values[opt.name])
    if any(opt.required and values[opt.name] is None for opt in opts):
        raise _StepAside  # missing: typer prints its usage message
    return values


def _convert(opt: Opt, value: str, current: Any) -> Any:
    if opt.kind is list:
        return [*current, value]
    if opt.kind is int:
        try:
            return int(value)
        except ValueError:
            raise _StepAside from None
    if opt.choices and value not in opt.choices:
        raise _StepAside
    return value


#: kbtool's global options, each taking a value; accepted after the command too.
GLOBAL_OPTS = ("--root", "--color")


def hoist_root(argv: Sequence[str]) -> list[str]:
    """``kbtool COMMAND … --root DIR …`` → ``kbtool --root DIR COMMAND …``: ``--root`` and
    ``--color`` are kbtool's global options, and are accepted after the command too (before
    any ``--``), so that a hook or an alias can append them."""
    args = list(argv)
    start = 0
    while start < len(args) and args[start].startswith("-"):  # globals before the command
        start += 2 if args[start] in GLOBAL_OPTS else 1
    moved: list[str] = []
    i = start + 1
    while i < len(args) and args[i] != "--":
        if args[i] in GLOBAL_OPTS and i + 1 < len(args):
            moved += args[i : i + 2]
            del args[i : i + 2]
        elif args[i].startswith(tuple(f"{g}=" for g in GLOBAL_OPTS)):
            moved.append(args.pop(i))
        else:
            i += 1
    return args[:start] + moved + args[start:]


def _split_globals(argv: Sequence[str]) -> tuple[str | None, str, list[str]] | None:
    """``[--root DIR] COMMAND ARGS…`` → (root, command, args); None for anything else."""
    found: dict[str, str] = {}
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        flag, eq, value = argv[i].partition("=")
        if flag not in GLOBAL_OPTS:
            return None
        if not eq:
            if i + 1 >= len(argv):
                return None
            value, i = argv[i + 1], i + 1
        found[flag], i = value, i + 1
    if i >= len(argv):
        return None
    if "--color" in found:
        from kbtool.term import set_color

        try:
            set_color(found["--color"])
        except ValueError:
            return None  # typer says what is wrong
    return found.get("--root"), argv[i], list(argv[i + 1 :])


def run_guarded(body: Callable[[], int | None]) -> int:
    """Run a command body the way every kbtool command runs: a library error becomes
    ``kbtool: error: …`` and its exit code, never a traceback (``KBTOOL_DEBUG=1`` shows it)."""
    import os
    import sys

    from kbtool.errors import KbError

    try:
        return body() or 0
    except KbError as exc:
        print(f"kbtool: error: {exc}", file=sys.stderr)
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


#: Commands whose options and body live in :mod:`kbtool.readcmds` (typer builds them too).
READ_COMMANDS = {
    "show": ("SHOW_OPTS", "show_command"),
    "stats": ("STATS_OPTS", "stats_command"),
    "links": ("LINKS_OPTS", "links_command"),
}


def run_fast(argv: Sequence[str]) -> int | None:
    """The exit code of a fast-path command, or None when typer should handle ``argv``."""
    split = _split_globals(argv)
    if split is None:
        return None
    if split[1] == "validate":  # kbtool.search.commands is heavier than re-validating a KB
        from kbtool.validate import command

        commands: dict[str, tuple[Any, Any]] = {
            "validate": (command.OPTS, command.validate_command)
        }
    elif split[1] in READ_COMMANDS:
        from kbtool import readcmds

        opts_name, body_name = READ_COMMANDS[split[1]]
        commands = {split[1]: (getattr(readcmds, opts_name), getattr(readcmds, body_name))}
    else:
        from kbtool.search.commands import fast_commands

        commands = fast_commands()
    if split[1] not in commands:
        return None
    try:
        values = parse(split[2], commands[split[1]][0])
    except _StepAside:
        return None
    body = commands[split[1]][1]
    return run_guarded(lambda: body(root=split[0], **values))
