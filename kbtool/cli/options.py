"""How a command declares its parameters (:class:`Opt`), the options several commands
share, and the one check of choices (``--format`` and the like) with its one wording.

No typer here: the start-up fast path (:mod:`kbtool.cli.fast`) parses argv with these lists,
and :mod:`kbtool.cli.typerapp` builds the typer commands (help, completion) from the same
lists, so parsing and ``--help`` cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kbtool.errors import UsageError
from kbtool.records import NamedTuple

TYPE_CHECKING = False  # typing is imported for the type checker only (start-up)
if TYPE_CHECKING:
    from typing import Any


class Opt(NamedTuple):
    """A command-line parameter. ``kind``: str, int, bool, or list (repeatable str)."""

    name: str  # the Python parameter name
    flags: tuple[str, ...]  # empty for a positional argument
    help: str
    kind: type = str
    default: Any = None
    metavar: str | None = None
    choices: tuple[str, ...] = ()
    required: bool = False  # a positional argument that must be given
    complete: str = ""  # what the shell completes it with: "entry-id" (kbtool.completion)
    minimum: int | None = None  # an int option's smallest value (typer words the error)
    hidden: bool = False  # accepted, not shown in --help


def listed(choices: Sequence[str]) -> str:
    """``text, json or sarif``."""
    if len(choices) == 1:
        return choices[0]
    return ", ".join(choices[:-1]) + f" or {choices[-1]}"


def format_opt(*choices: str, help: str = "Output format") -> Opt:
    """``-f/--format FORMAT``, one of ``choices`` (the first is the default)."""
    return Opt(
        "fmt",
        ("--format", "-f"),
        f"{help}: {listed(choices)}.",
        default=choices[0],
        metavar="FORMAT",
        choices=choices,
    )


def check_values(opts: Sequence[Opt], values: Mapping[str, Any]) -> None:
    """UsageError naming the flag when a value is not one of its choices: the one place
    ``--format`` (and every other choice) is checked, for both front ends."""
    for opt in opts:
        value = values.get(opt.name)
        flag = opt.flags[0] if opt.flags else (opt.metavar or opt.name.upper())
        if opt.choices and value is not None and value not in opt.choices:
            raise UsageError(f"{flag} {value!r}: expected one of {', '.join(opt.choices)}")


#: kbtool's global options: before the command, or after it (before any ``--``).
GLOBAL_OPTS = (
    Opt(
        "root",
        ("--root",),
        "Knowledge base root (default: found by walking up); may also follow the command.",
        metavar="DIR",
    ),
    Opt(
        "color",
        ("--color",),
        "Colour: auto (a terminal without NO_COLOR), always or never; may also follow the command.",
        metavar="WHEN",
        choices=("auto", "always", "never"),
    ),
)

FORMAT_CHOICES = ("text", "json", "jsonl")
FORMAT_OPT = format_opt(*FORMAT_CHOICES)
TEXT_OR_JSON = format_opt("text", "json")

CATEGORY_OPT = Opt(
    "category",
    ("--category", "-c"),
    "Only this category and those under it (Database matches Database/AsyncIO); case-insensitive.",
    metavar="CATEGORY",
)

FILTER_OPTS = (
    CATEGORY_OPT,
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


def flag_of(opts: Sequence[Opt], name: str) -> str:
    """The long flag of parameter ``name`` (``--category``), for messages."""
    for opt in opts:
        if opt.name == name and opt.flags:
            return opt.flags[0]
    return name
