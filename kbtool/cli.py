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


@app.command("scan")
def scan_command(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Files and folders to scan (default: the current folder)."),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="Output format: text, json, sarif or github.")
    ] = "text",
    entry: Annotated[
        list[str] | None,
        typer.Option("--entry", "-e", help="Only the detectors of this entry id (repeatable)."),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option("--baseline", help="Accept the findings recorded in this baseline file.",
                     dir_okay=False),
    ] = None,
    write_baseline: Annotated[
        Path | None,
        typer.Option("--write-baseline", help="Record every current finding in this file "
                     "(to accept them), then exit 0.", dir_okay=False),
    ] = None,
    max_file_size: Annotated[
        int, typer.Option("--max-file-size", min=1, help="Skip files larger than this (bytes).")
    ] = 1024 * 1024,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary line.")] = False,
) -> None:
    """Run the knowledge base's detectors over code: path:line:col: <entry-id> message.

    Exit 1 on findings. Suppress one inline with '# kbtool: ignore[<entry-id>] reason'.
    """
    from kbtool.scan import scan
    from kbtool.scan import write_baseline as save_baseline
    from kbtool.scan_report import FORMATS, render, summary

    if fmt not in FORMATS:
        fail(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")
    if baseline is not None and write_baseline is not None:
        fail("--baseline and --write-baseline do not go together")
    result = scan(config_for(), paths or [], entry_ids=entry or (), max_bytes=max_file_size,
                  baseline=baseline)
    if write_baseline is not None:
        save_baseline(write_baseline, result.findings)
        if not quiet:
            typer.echo(f"kbtool scan: {len(result.findings)} finding(s) recorded in "
                       f"{write_baseline}", err=True)
        raise typer.Exit(0)
    render(result, fmt, sys.stdout)
    sys.stdout.flush()
    if not quiet:
        typer.echo(summary(result), err=True)
    raise typer.Exit(1 if result.failed else 0)


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
