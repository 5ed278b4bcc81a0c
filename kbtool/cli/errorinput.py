"""The error text ``match``, ``plan --match``, ``render --match`` and ``new --from-error``
are given: the words on the command line, ``-`` for standard input, or the path of a log
file (``kbtool match build.log``: a path is not an error message, and reading it is what
the person meant)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from kbtool.cli.output import notice
from kbtool.errors import UsageError

#: The most of a log read: a CI log's error is near its end, and a longer input is cut.
MAX_INPUT_CHARS = 16 * 1024 * 1024
#: A longer argument is text, not a path.
MAX_PATH_CHARS = 4096


def read_error_text(
    values: Sequence[str], stdin: TextIO, *, piped: bool = False
) -> tuple[str, bool]:
    """(the text, whether stdin was read). ``piped``: no value and a pipe read stdin too."""
    values = list(values)
    if values == ["-"] or (piped and not values and not stdin.isatty()):
        return _capped(stdin, "stdin"), True
    if "-" in values:
        raise UsageError("'-' (read stdin) cannot be combined with other text")
    if len(values) == 1 and _is_file(values[0]):
        try:
            with Path(values[0]).open(encoding="utf-8", errors="replace") as log:
                return _capped(log, values[0]), False
        except OSError as exc:
            raise UsageError(f"{values[0]}: {exc.strerror or exc}") from None
    return " ".join(values), False


def _is_file(value: str) -> bool:
    if not value or "\n" in value or len(value) > MAX_PATH_CHARS:
        return False
    try:
        return Path(value).is_file()
    except (OSError, ValueError):  # a name too long for the file system, a NUL
        return False


def _capped(stream: TextIO, name: str) -> str:
    data = stream.read(MAX_INPUT_CHARS)
    if stream.read(1):
        notice(f"{name} is longer than {MAX_INPUT_CHARS >> 20} MiB: only its start is matched")
    return data
