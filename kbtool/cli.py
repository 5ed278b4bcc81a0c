"""The ``kbtool`` command line: a thin layer over the library.

Each command loads the configuration, makes one library call and hands the result to a
reporter. Library errors (``KbError``) become a one-line message and their exit code:
0 clean, 1 findings, 2 usage error, 3 configuration or internal error.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from kbtool import __version__
from kbtool.errors import KbError

app = typer.Typer(
    name="kbtool",
    help="Keep what your bugs taught you: validate, search, render and migrate learnings.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class State:
    root: Path | None = None


STATE = State()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kbtool {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main(
    root: Annotated[
        Path | None,
        typer.Option("--root", help="Knowledge base root (default: found by walking up).",
                     file_okay=False),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Keep what your bugs taught you: validate, search, render and migrate learnings."""
    STATE.root = root


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``kbtool: error: message`` on stderr and exit with ``code``."""
    typer.echo(f"kbtool: error: {message}", err=True)
    raise typer.Exit(code)


def config_for(start: Path | None = None):  # noqa: ANN201 - Config, imported lazily
    """The configuration of the KB at --root, or the one containing ``start`` or the cwd."""
    from kbtool.config import load_config

    return load_config(start, root=STATE.root)


# ---------------------------------------------------------------- commands
# Each issue's commands live in their own section below.

# ---- validate / explain (format issue) ----

# ---- search / show / match / list / stats / index (search issue) ----

# ---- links / import-report / render / plan / new / report (fix-report issue) ----

# ---- migrate / fmt (migration issue) ----

# ---- scan (detector issue) ----


def run() -> None:
    """Entry point: run the app, turning library errors into messages and exit codes."""
    try:
        app()  # standalone: usage errors print click's message and exit 2
    except KbError as exc:
        typer.echo(f"kbtool: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(0)
    except Exception as exc:  # the last guard: no traceback for users
        if os.environ.get("KBTOOL_DEBUG"):
            raise
        typer.echo(f"kbtool: internal error: {type(exc).__name__}: {exc}", err=True)
        typer.echo("kbtool: set KBTOOL_DEBUG=1 for a traceback", err=True)
        sys.exit(3)
