"""The typer app, built from the command table (:mod:`kbtool.cli.commands`): ``--help``,
docs/cli.md, kbtool/help.json and shell completion come from it. It holds no command bodies:
each command's parameters are its ``OPTS`` and its body is its ``run``, the same ones the
start-up fast path (:mod:`kbtool.cli.fast`) parses and calls.
"""

from __future__ import annotations

import inspect
import os
import sys
from collections.abc import Callable, Sequence
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from kbtool import __version__
from kbtool.cli.commands import COMMANDS, GROUPS, Command
from kbtool.cli.options import GLOBAL_OPTS, Opt, check_values


class _Command(TyperCommand):
    """A command whose positional arguments show the conventional way: their metavar
    (``ID``, ``PATH``) as given, in brackets only when optional (``[ID]``), ``...`` when
    repeatable, and no ``<type>`` after it. Only click's public ``Command`` methods are
    overridden."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                pieces.append(_argument_usage(param))
            else:
                pieces.extend(param.get_usage_pieces(ctx))
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        args, opts = [], []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if param.param_type_name == "argument":
                args.append((_argument_name(param), record[1]))
            else:
                opts.append(record)
        if args:
            with formatter.section("Arguments"):
                formatter.write_dl(args)
        if opts:
            with formatter.section("Options"):
                formatter.write_dl(opts)


def _argument_name(param: Any) -> str:
    name = str(param.metavar or (param.name or "").upper())
    return name + ("..." if param.nargs != 1 else "")


def _argument_usage(param: Any) -> str:
    name = str(param.metavar or (param.name or "").upper())
    name = name if param.required else f"[{name}]"
    return name + ("..." if param.nargs != 1 else "")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kbtool {__version__}")
        raise typer.Exit(0)


app = typer.Typer(
    name="kbtool",
    help="Keep what your bugs taught you: validate, search, render and migrate learnings.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_ROOT, _COLOR = GLOBAL_OPTS


@app.callback()
def _main(
    root: Annotated[
        str | None, typer.Option("--root", metavar=_ROOT.metavar, help=_ROOT.help)
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
    color: Annotated[
        str, typer.Option("--color", metavar=_COLOR.metavar, help=_COLOR.help)
    ] = "auto",
) -> None:
    """Keep what your bugs taught you: validate, search, render and migrate learnings."""
    from kbtool.term import set_color

    check_values(GLOBAL_OPTS, {"color": color})
    set_color(color)


def _complete_entry_ids(ctx: typer.Context, incomplete: str) -> list[str]:
    """Entry ids for the shell, from the index (kbtool.completion)."""
    from kbtool.completion import entry_ids

    root = ctx.params.get("global_root") or ctx.find_root().params.get("root")
    return entry_ids(incomplete, root)


_COMPLETERS: dict[str, Callable[..., list[str]]] = {"entry-id": _complete_entry_ids}
_KINDS: dict[type, Any] = {str: str | None, int: int | None, bool: bool, list: list[str] | None}


def _parameter(opt: Opt, name: str | None = None) -> inspect.Parameter:
    """The typer parameter of an :class:`Opt`."""
    extra: dict[str, Any] = {"help": opt.help, "metavar": opt.metavar, "hidden": opt.hidden}
    if opt.flags:
        # A help text that states its own default ("(default: all)") gets no second one.
        if opt.minimum is not None:
            extra["min"] = opt.minimum
        info = typer.Option(*opt.flags, show_default="(default:" not in opt.help, **extra)
    else:
        info = typer.Argument(
            show_default=False, autocompletion=_COMPLETERS.get(opt.complete), **extra
        )
    default = None if opt.kind is list else opt.default
    if opt.required:
        default = inspect.Parameter.empty
    kind = _KINDS[opt.kind] if default is None or opt.kind is list else opt.kind
    return inspect.Parameter(
        name or opt.name,
        inspect.Parameter.KEYWORD_ONLY,
        default=default,
        annotation=Annotated[kind, info],
    )


#: The global options, accepted after the command too (hidden there: the app shows them).
_GLOBALS_AFTER = tuple(
    _parameter(opt._replace(hidden=True, default=None), f"global_{opt.name}") for opt in GLOBAL_OPTS
)


def _typer_command(command: Command) -> Callable[..., None]:
    """A typer command function for ``command``: its signature built from ``OPTS``."""
    opts, _, doc = command.parts()
    params = [
        inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context),
        *(_parameter(opt) for opt in opts),
        *_GLOBALS_AFTER,
    ]

    def run_command(ctx: typer.Context, **values: Any) -> None:
        from kbtool.cli.fast import invoke

        root = values.pop("global_root") or ctx.find_root().params.get("root")
        color = values.pop("global_color")
        for opt in opts:
            if opt.kind is list:
                values[opt.name] = list(values[opt.name] or [])
        raise typer.Exit(invoke(command, root, color, values))

    run_command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    run_command.__doc__ = doc
    run_command.__name__ = f"{command.name.replace(' ', '_').replace('-', '_')}_command"
    return run_command


def _build() -> None:
    groups: dict[str, typer.Typer] = {}
    for name, help_text in GROUPS.items():
        groups[name] = typer.Typer(help=help_text, no_args_is_help=True)
        app.add_typer(groups[name], name=name)
    for command in COMMANDS:
        group, _, sub = command.name.rpartition(" ")
        target = groups[group] if group else app
        target.command(sub, cls=_Command)(_typer_command(command))


_build()


def completion_script(shell: str) -> str:
    """typer's completion script for ``shell`` (bash, zsh or fish)."""
    from typer._completion_shared import get_completion_script

    from kbtool.completion import COMPLETE_VAR

    return get_completion_script(prog_name="kbtool", complete_var=COMPLETE_VAR, shell=shell)


def _click_module() -> Any:
    """click as typer uses it: vendored as ``typer._click`` since typer 0.29, else click."""
    import importlib

    try:
        return importlib.import_module("typer._click")
    except ImportError:  # pragma: no cover - a typer that depends on click again
        return importlib.import_module("click")


def run() -> None:
    """Entry point: run the app, turning library errors into messages and exit codes."""
    from kbtool.cli.fast import run_guarded

    sys.exit(run_guarded(_invoke))


def _invoke() -> int:
    """The app, with click's usage errors in kbtool's one error style: ``kbtool: error: …``
    first, then the usage line and where help is (exit 2)."""
    _click = _click_module()

    if os.environ.get("_KBTOOL_COMPLETE"):  # typer registers its shells only when asked to
        from typer._completion_classes import completion_init

        completion_init()
    try:
        code = app(standalone_mode=False, prog_name="kbtool")
    except _click.exceptions.NoArgsIsHelpError as exc:
        exc.show()  # the help text
        return int(exc.exit_code)
    except _click.exceptions.ClickException as exc:
        typer.echo(f"kbtool: error: {exc.format_message()}", err=True)
        ctx = getattr(exc, "ctx", None)
        if ctx is not None:
            typer.echo(f"{ctx.get_usage()}\nTry '{ctx.command_path} -h' for help.", err=True)
        return int(exc.exit_code)
    except typer.Abort:
        typer.echo("kbtool: aborted", err=True)
        return 1
    return code if isinstance(code, int) else 0


__all__: Sequence[str] = ("app", "run")
