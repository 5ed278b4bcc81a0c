"""The ``kbtool`` command line: a thin layer over the library.

Each command loads the configuration, makes one library call and hands the result to a
reporter. Library errors (``KbError``) become a one-line message and their exit code:
0 clean, 1 findings, 2 usage error, 3 configuration or internal error.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperArgument, TyperCommand
from typer.models import CommandFunctionType

from kbtool import __version__


class _Argument(TyperArgument):
    """A positional argument shown the conventional way: its metavar (``ID``, ``PATH``) as
    given, in brackets only when optional (``[ID]``), ``...`` when repeatable, and no
    ``<type>`` after it (typer shows ``{ID}`` for required ones and ``ID <str>`` in the help)."""

    @property
    def display_name_raw(self) -> str:
        return self.metavar or (self.name or "").upper()

    def _rich_display_name(self) -> str:
        return self.display_name_raw + ("..." if self.nargs != 1 else "")

    def _usage_display_name(self) -> str:
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return name + ("..." if self.nargs != 1 else "")

    def display_type_rich(self, ctx: object) -> str | None:
        return None


class _Command(TyperCommand):
    """A command whose positional arguments render as :class:`_Argument` does."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if type(param) is TyperArgument:
                param.__class__ = _Argument


class _Typer(typer.Typer):
    """``typer.Typer`` whose commands are :class:`_Command` unless told otherwise."""

    def command(
        self, *args: Any, **kwargs: Any
    ) -> Callable[[CommandFunctionType], CommandFunctionType]:
        kwargs.setdefault("cls", _Command)
        return super().command(*args, **kwargs)


app = _Typer(
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
        typer.Option(
            "--root",
            metavar="DIR",
            help="Knowledge base root (default: found by walking up); may also follow the command.",
            file_okay=False,
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
    color: Annotated[
        str,
        typer.Option(
            "--color",
            metavar="WHEN",
            help="Colour: auto (a terminal without NO_COLOR), always or never; "
            "may also follow the command.",
        ),
    ] = "auto",
) -> None:
    """Keep what your bugs taught you: validate, search, render and migrate learnings."""
    from kbtool.term import set_color

    STATE.root = root
    try:
        set_color(color)
    except ValueError as exc:
        fail(str(exc))


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``kbtool: error: message`` on stderr and exit with ``code``."""
    typer.echo(f"kbtool: error: {message}", err=True)
    raise typer.Exit(code)


TextOrJson = Annotated[
    str, typer.Option("--format", "-f", metavar="FORMAT", help="Output format: text or json.")
]


def check_format(fmt: str, choices: Sequence[str]) -> None:
    """Exit 2 with a clear message unless ``--format`` is one of ``choices``."""
    if fmt not in choices:
        expected = (
            ", ".join(choices[:-1]) + f" or {choices[-1]}" if len(choices) > 1 else choices[0]
        )
        fail(f"--format {fmt!r}: expected {expected}")


def config_for(start: Path | None = None, *, need_learnings: bool = True) -> Config:
    """The configuration of the KB at --root, or the one containing ``start`` or the cwd;
    ConfigError (exit 3) when its learnings folder is missing, unless not ``need_learnings``
    (commands that create it)."""
    from kbtool.config import load_config, require_learnings

    config = load_config(start, root=STATE.root)
    return require_learnings(config) if need_learnings else config


def _complete_entry_ids(ctx: typer.Context, incomplete: str) -> list[str]:
    """Entry ids for the shell, from the index (kbtool.completion)."""
    from kbtool.completion import entry_ids

    return entry_ids(incomplete, ctx.find_root().params.get("root"))


_COMPLETERS: dict[str, Callable[..., list[str]]] = {"entry-id": _complete_entry_ids}


def _spec_command(name: str, opts: Sequence[Any], body: Callable[..., int], doc: str) -> None:
    """Register a command whose parameters are built from ``kbtool.fastcli`` options, the
    same list the start-up fast path parses with: help and behaviour cannot drift apart."""
    import inspect

    params = []
    for opt in opts:
        kind: Any = {str: str | None, int: int, bool: bool, list: list[str] | None}[opt.kind]
        extra: dict[str, Any] = {"help": opt.help, "metavar": opt.metavar}
        info = (
            # A help text that states its own default ("(default: all)") gets no second one.
            typer.Option(*opt.flags, show_default="(default:" not in opt.help, **extra)
            if opt.flags
            else typer.Argument(
                show_default=False, autocompletion=_COMPLETERS.get(opt.complete), **extra
            )
        )
        default = None if opt.kind is list else opt.default
        if opt.required:
            default = inspect.Parameter.empty
        params.append(
            inspect.Parameter(
                opt.name,
                inspect.Parameter.KEYWORD_ONLY,
                default=default,
                annotation=Annotated[kind, info],
            )
        )

    def command(**values: Any) -> None:
        for opt in opts:
            if opt.kind is list:
                values[opt.name] = values[opt.name] or []
            if opt.choices and values[opt.name] not in opt.choices:
                fail(
                    f"{opt.flags[0]} {values[opt.name]!r}: expected one of {', '.join(opt.choices)}"
                )
        raise typer.Exit(body(root=STATE.root, **values))

    command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    command.__doc__ = doc
    command.__name__ = f"{name}_command"
    app.command(name)(command)


# ---------------------------------------------------------------- commands
# Each issue's commands live in their own section below.

# ---- validate / explain (format issue) ----


def _register_validate_command() -> None:
    from kbtool.validate import command

    _spec_command("validate", command.OPTS, command.validate_command, command.DOC)


_register_validate_command()


@app.command("explain")
def explain_command(
    code: Annotated[
        str | None,
        typer.Argument(
            metavar="CODE", help="A finding code, e.g. KB203 (default: list all codes)."
        ),
    ] = None,
    fmt: TextOrJson = "text",
) -> None:
    """Explain a finding code: what it means, why it matters, a bad and a good example."""
    import json

    from kbtool import codes
    from kbtool.term import use_color

    check_format(fmt, ("text", "json"))
    if code is None:
        docs = [d for d in (codes.get(c) for c in codes.all_codes()) if d is not None]
        if fmt == "json":
            typer.echo(json.dumps([d.to_dict() for d in docs], indent=2, ensure_ascii=False))
        else:
            for d in docs:
                typer.echo(f"{d.code}  {d.severity.value:<7}  {d.name:<28}  {d.summary}")
        raise typer.Exit(0)
    doc = codes.get(code.strip().upper())
    if doc is None:
        hint = codes.close_matches(code.strip())
        tip = f" (did you mean {', '.join(hint)}?)" if hint else ""
        fail(f"unknown code {code!r}{tip}; 'kbtool explain' lists them all")
    if fmt == "json":
        typer.echo(json.dumps(doc.to_dict(), indent=2, ensure_ascii=False))
    elif use_color(sys.stdout):  # a terminal that wants colour: rich Markdown
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(doc.markdown))
    else:
        typer.echo(doc.markdown.rstrip("\n"))
    raise typer.Exit(0)


# ---- search / show / match / list / stats / index (search issue) ----


def _register_search_commands() -> None:
    from kbtool import fastcli
    from kbtool.search import commands as searchcmds

    _spec_command(
        "search",
        fastcli.SEARCH_OPTS,
        searchcmds.search_command,
        """Search the \
learnings: BM25 over titles and symptoms, then descriptions, then the rest.

Each hit shows its id, title, category, path:line and a snippet with the matched words.
The index (.kbtool/index.db) updates itself before every query. Exit 0 (also when nothing
matches: a note and close words go to stderr), 2 for an unusable query.""",
    )
    _spec_command(
        "match",
        fastcli.MATCH_OPTS,
        searchcmds.match_command,
        """Find learnings \
by an error message, log or traceback: 'pytest 2>&1 | kbtool match -'.

Addresses, numbers, quoted values, paths, UUIDs and timestamps are normalised away; exact
signature hits come first. Each hit shows its score and the input line it matched.
Exit 0 with hits, 1 when nothing matches (a note on stderr; plan --match exits the same
way), 2 usage error.""",
    )
    _spec_command(
        "list",
        fastcli.LIST_OPTS,
        searchcmds.list_command,
        """List entries: id, \
date, severity, category and title, newest first, with the same filters as search.""",
    )
    _spec_command(
        "index",
        fastcli.INDEX_OPTS,
        searchcmds.index_command,
        """Update the search \
index (.kbtool/index.db) and report the files added, modified and removed since it was last
brought up to date. Searches do this on their own.""",
    )


_register_search_commands()


def _register_read_commands() -> None:
    from kbtool import readcmds

    _spec_command("show", readcmds.SHOW_OPTS, readcmds.show_command, readcmds.SHOW_DOC)
    _spec_command("stats", readcmds.STATS_OPTS, readcmds.stats_command, readcmds.STATS_DOC)


_register_read_commands()


# ---- links / import-report / render / plan / new / report (fix-report issue) ----

if TYPE_CHECKING:
    from kbtool.config import Config
    from kbtool.kb import KnowledgeBase
    from kbtool.render.plan import Selection

_SEVERITIES = ("critical", "high", "medium", "low")


def _echo_json(data: object) -> None:
    import json

    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False))


def _write_output(output: Path, text: str) -> None:
    from kbtool.atomic import atomic_write

    target = output.resolve()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, text.encode("utf-8"))
    except OSError as exc:
        fail(f"-o {output}: {exc.strerror or exc}", 3)


def _user_templates(config: Config, templates: Path | None) -> Path | None:
    folder = templates or config.templates_dir
    if folder is None:
        return None
    if not folder.is_dir():
        if templates is None:
            return None  # the configured folder does not exist (yet): use kbtool's own
        fail(f"--templates {templates}: not a folder")
    return folder.resolve()


def _register_links_command() -> None:
    from kbtool import readcmds

    _spec_command("links", readcmds.LINKS_OPTS, readcmds.links_command, readcmds.LINKS_DOC)


_register_links_command()


@app.command("import-report")
def import_report_command(
    report: Annotated[Path, typer.Argument(metavar="REPORT", help="The Markdown fix report.")],
    category: Annotated[
        str | None,
        typer.Option(
            "--category",
            "-c",
            metavar="CATEGORY",
            help="Category of the new entry (default: the closest existing one).",
        ),
    ] = None,
    entry_id: Annotated[
        str | None,
        typer.Option("--id", metavar="ID", help="Id of the new entry (default: from the title)."),
    ] = None,
    date: Annotated[
        str | None,
        typer.Option(
            "--date",
            metavar="DATE",
            help="Date YYYY-MM-DD when the report has none (default: today).",
        ),
    ] = None,
    no_link_back: Annotated[
        bool, typer.Option("--no-link-back", help="Leave the report untouched (no Related line).")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Import a report that an entry already links to.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the entry's XML; write nothing.")
    ] = False,
    fmt: TextOrJson = "text",
) -> None:
    """Turn a Markdown fix report into a learning entry, linked both ways.

    Maps the title, problem statement, quoted error messages, the five whys (in any written
    form), root causes, solution steps with their code, files modified, verification,
    prevention and related links; keeps unmapped sections (Impact, Technical Explanation …)
    as extras. Adds a Related line to the report pointing back at the entry.
    """
    import datetime as dt

    from kbtool.reports.commands import import_report_file

    check_format(fmt, ("text", "json"))
    when = None
    if date is not None:
        try:
            when = dt.date.fromisoformat(date)
        except ValueError:
            fail(f"--date {date!r}: expected YYYY-MM-DD")
    config = config_for()
    outcome = import_report_file(
        config,
        report,
        category=category,
        entry_id=entry_id,
        date=when,
        link_back=not no_link_back,
        dry_run=dry_run,
        force=force,
    )
    result = outcome.result
    learning = result.learning
    errors = [d for d in outcome.findings if d.severity.value == "error"]
    if fmt == "json":
        _echo_json(
            {
                "id": learning.id,
                "category": outcome.category,
                "category_how": outcome.category_how,
                "path": os.path.relpath(outcome.write.path) if outcome.write else None,
                "line": outcome.write.line if outcome.write else None,
                "created_file": outcome.write.created if outcome.write else False,
                "dry_run": dry_run,
                "linked_back": outcome.linked_back,
                "mapped": [
                    {"field": m.field, "count": m.count, "source": m.source} for m in result.mapped
                ],
                "kept": [
                    {"heading": k.heading, "line": k.line, "reason": k.reason} for k in result.kept
                ],
                "warnings": [d.to_dict() for d in result.warnings],
                "notes": outcome.notes,
                "findings": [d.to_dict() for d in outcome.findings],
                "xml": outcome.xml if dry_run else None,
            }
        )
        raise typer.Exit(1 if errors else 0)
    for warning in result.warnings:
        typer.echo(f"{warning.format()} (warning)", err=True)
    if dry_run:
        typer.echo(outcome.xml, nl=False)
    out = sys.stderr if dry_run else sys.stdout

    def echo(text: str) -> None:
        typer.echo(text, file=out)

    echo(f"entry {learning.id!r}: {learning.title}")
    how = f" ({outcome.category_how})" if outcome.category_how else ""
    echo(f"category: {outcome.category}{how}")
    echo("mapped:")
    for m in result.mapped:
        echo(f"  {m.field:<15} {m.count:>3}  from {m.source}")
    if result.kept:
        echo("kept as-is (extras):")
        for k in result.kept:
            echo(f"  {k.heading or '(untitled)'} (line {k.line}): {k.reason}")
    for note in outcome.notes:
        echo(f"note: {note}")
    if outcome.write is not None:
        verb = "created" if outcome.write.created else "added to"
        echo(f"{verb} {os.path.relpath(outcome.write.path)}:{outcome.write.line}")
        if outcome.linked_back:
            echo(f"linked back: added a Related line to {os.path.relpath(report)}")
        for d in outcome.findings:
            typer.echo(d.format(), err=True)
        from kbtool.reporters import plural

        warnings = len(outcome.findings) - len(errors)
        counts = [plural(n, w) for n, w in ((len(errors), "error"), (warnings, "warning")) if n]
        echo("validate: " + (", ".join(counts) or "ok"))
    raise typer.Exit(1 if errors else 0)


def _load_kb(config: Config) -> KnowledgeBase:
    """The KB's files, parsed; a warning on stderr names those that could not be."""
    from kbtool.kb import KnowledgeBase
    from kbtool.search.commands import notice
    from kbtool.search.unreadable import count_unparsed

    kb = KnowledgeBase.load(config)
    count_unparsed(kb.sources, config, notice)
    return kb


def _selection_options(
    config: Config,
    kb: KnowledgeBase,
    ids: list[str] | None,
    query: str | None,
    category: str | None,
    match: str | None,
    limit: int | None,
) -> Selection:
    from kbtool.render.plan import select_entries

    text = match
    if match == "-":
        text = sys.stdin.read()
        if not text.strip():
            fail("--match -: nothing on standard input")
    return select_entries(
        config, kb, ids=ids or None, query=query, category=category, match=text, limit=limit
    )


_IDS = typer.Argument(
    metavar="ID",
    help="Entries to render (default: all, or the query).",
    autocompletion=_complete_entry_ids,
)
_QUERY = typer.Option("--query", metavar="QUERY", help="Render the entries a search finds.")
_CATEGORY = typer.Option(
    "--category",
    "-c",
    metavar="CATEGORY",
    help="Only this category (a prefix: 'Database' takes 'Database/AsyncIO').",
)
_OUTPUT = typer.Option(
    "--output",
    "-o",
    metavar="FILE",
    help="Write to this file (links are made relative to its folder).",
    dir_okay=False,
)
_TEMPLATES = typer.Option(
    "--templates",
    metavar="DIR",
    help="Your template folder, searched before kbtool's (default: the 'templates' setting).",
    file_okay=False,
)


def _render_and_write(
    config: Config,
    kb: KnowledgeBase,
    template: str,
    selection: Selection,
    output: Path | None,
    templates: Path | None,
    title: str,
) -> None:
    from kbtool.render.plan import render_selection

    text = render_selection(
        config,
        template,
        selection,
        out=output.resolve() if output else None,
        user_dir=_user_templates(config, templates),
        title=title,
        kb=kb,
    )
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        _write_output(output, text)
        from kbtool.reporters import plural

        typer.echo(f"wrote {output} ({plural(len(selection.entries), 'entry')})", err=True)


@app.command("render")
def render_command(
    template: Annotated[
        str,
        typer.Argument(
            metavar="TEMPLATE",
            help="Template name: fix-report.md.j2, remediation-plan.md.j2, index.md.j2 or yours.",
        ),
    ],
    ids: Annotated[list[str] | None, _IDS] = None,
    query: Annotated[str | None, _QUERY] = None,
    category: Annotated[str | None, _CATEGORY] = None,
    output: Annotated[Path | None, _OUTPUT] = None,
    templates: Annotated[Path | None, _TEMPLATES] = None,
    title: Annotated[
        str, typer.Option("--title", metavar="TEXT", help="Title for plans and indexes.")
    ] = "",
    limit: Annotated[
        int | None,
        typer.Option("--limit", metavar="N", help="At most this many entries (default: all)."),
    ] = None,
) -> None:
    """Render entries through a Jinja2 template into Markdown.

    Your templates (--templates or the 'templates' setting) are searched first and may
    extend kbtool's ({% extends "default:fix-report.md.j2" %}); they run sandboxed in a child
    process with time, memory and output limits. Entry text is escaped for Markdown.
    """
    config = config_for()
    kb = _load_kb(config)
    selection = _selection_options(config, kb, ids, query, category, None, limit)
    _render_and_write(config, kb, template, selection, output, templates, title)


@app.command("plan")
def plan_command(
    ids: Annotated[list[str] | None, _IDS] = None,
    match: Annotated[
        str | None,
        typer.Option(
            "--match",
            "-m",
            metavar="TEXT",
            help="Plan for the entries that match this error text (only the exact matches "
            "when there are any); '-' reads a log from standard input.",
        ),
    ] = None,
    query: Annotated[str | None, _QUERY] = None,
    category: Annotated[str | None, _CATEGORY] = None,
    output: Annotated[Path | None, _OUTPUT] = None,
    templates: Annotated[Path | None, _TEMPLATES] = None,
    title: Annotated[
        str,
        typer.Option(
            "--title", metavar="TEXT", help="The plan's title (default: Remediation plan)."
        ),
    ] = "",
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit", metavar="N", help="At most this many entries (default: all; 3 with --match)."
        ),
    ] = None,
) -> None:
    """Write a remediation plan: context, a checklist of steps, files, checks, prevention.

    Short for 'kbtool render remediation-plan.md.j2'. With --match, exit 1 when no entry
    matches (as 'kbtool match' exits). Straight from an error:

    \b
      kbtool plan --match "AttributeError: ..."
      pytest 2>&1 | kbtool plan --match -
    """
    config = config_for()
    kb = _load_kb(config)
    selection = _selection_options(config, kb, ids, query, category, match, limit)
    _render_and_write(
        config,
        kb,
        "remediation-plan.md.j2",
        selection,
        output,
        templates,
        title or "Remediation plan",
    )


def _ask(
    value: str | None,
    label: str,
    *,
    default: str | None = None,
    piped: bool = False,
    choices: str = "",
) -> str:
    """An option's value, else the answer: from the terminal, or (``piped``) the next line of
    standard input, where an empty line or the end of input takes the default. ``choices``
    is shown in the prompt (``Severity (critical, high, medium, low)``)."""
    if value is not None:
        return value
    if not sys.stdin.isatty():
        answer = sys.stdin.readline().strip() if piped else ""
        if answer:
            return answer
        if default is not None:
            return default
        fail(f"--{label.lower()} is needed (no terminal to ask on, and no answer on stdin)")
    prompt = f"{label} ({choices})" if choices else label
    return str(typer.prompt(prompt, default=default))


def _categories(config: Config) -> str:
    """The KB's categories, for the prompt (from the index; empty when it cannot be read)."""
    from kbtool.search.listing import list_entries

    try:
        names = sorted({row.category for row in list_entries(config)})
    except Exception:  # a prompt hint only: never fail the command over it
        return ""
    shown = ", ".join(names[:8]) + (", …" if len(names) > 8 else "")
    return f"e.g. {shown}" if shown else "e.g. Database/AsyncIO"


@app.command("new")
def new_command(
    title_words: Annotated[
        list[str] | None,
        typer.Argument(metavar="TITLE", help="The entry's title (or --title)."),
    ] = None,
    title: Annotated[
        str | None, typer.Option("--title", metavar="TEXT", help="The entry's title.")
    ] = None,
    category: Annotated[
        str | None,
        typer.Option(
            "--category", "-c", metavar="CATEGORY", help="Category, e.g. Database/AsyncIO."
        ),
    ] = None,
    severity: Annotated[
        str | None,
        typer.Option(
            "--severity", "-s", metavar="LEVEL", help="Severity: critical, high, medium or low."
        ),
    ] = None,
    description: Annotated[
        str | None,
        typer.Option(
            "--description", "-d", metavar="TEXT", help="What goes wrong (default: the title)."
        ),
    ] = None,
    tags: Annotated[
        list[str] | None, typer.Option("--tag", "-t", metavar="TAG", help="A tag (repeatable).")
    ] = None,
    symptoms: Annotated[
        list[str] | None,
        typer.Option(
            "--symptom",
            metavar="TEXT",
            help="An exact error message or observable sign (repeatable).",
        ),
    ] = None,
    from_error: Annotated[
        str | None,
        typer.Option(
            "--from-error",
            metavar="TEXT",
            help="An error message, traceback or log ('-': standard input): its error line "
            "becomes the symptom and, unless given, the title.",
        ),
    ] = None,
    edit: Annotated[
        bool, typer.Option("--edit", help="Open $EDITOR at the new entry, then validate it.")
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Write nothing.")] = False,
    fmt: TextOrJson = "text",
) -> None:
    """Create an entry (today's date, a unique id from the title) in its category file.

    Asks for what the options do not give when run on a terminal; without one, reads the
    answers from standard input, one a line, in the same order (title, category, severity,
    description; an empty line takes the default). The category file is created with its
    metadata when it does not exist. Straight from an error:

    \b
      pytest 2>&1 | kbtool new --from-error - -c Testing
    """
    from kbtool.kbwrite import slugify
    from kbtool.model import Severity
    from kbtool.reports.commands import new_entry

    check_format(fmt, ("text", "json"))
    if edit and not dry_run:
        _editor_command()  # no $EDITOR: an error before anything is written
    if title_words:
        if title is not None:
            fail("give the title once: as words or with --title, not both")
        title = " ".join(title_words)
    config = config_for(need_learnings=False)
    found_symptoms = list(symptoms or [])
    consumed = False
    if from_error is not None:
        from kbtool.fromerror import from_error as parse_error

        if from_error == "-":
            from kbtool.search.commands import MAX_STDIN_CHARS

            text, consumed = sys.stdin.read(MAX_STDIN_CHARS), True
        else:
            text = from_error
        picked = parse_error(text)
        title = title if title is not None else picked.title
        found_symptoms.insert(0, picked.symptom)
    # without a terminal, answers may be piped in, one a line, in the prompts' order; stdin is
    # read only when --title or --category is missing (otherwise nothing could be asked)
    piped = not consumed and not sys.stdin.isatty() and (title is None or category is None)
    title = _ask(title, "Title", piped=piped)
    category = _ask(
        category,
        "Category",
        piped=piped,
        choices=_categories(config) if category is None and sys.stdin.isatty() else "",
    )
    sev = (
        _ask(
            severity,
            "Severity",
            default="" if severity is None else None,
            piped=piped,
            choices=", ".join(_SEVERITIES) + "; empty for none",
        )
        .strip()
        .lower()
    )
    if sev and sev not in _SEVERITIES:
        fail(f"--severity {sev!r}: expected one of {', '.join(_SEVERITIES)}")
    description = _ask(description, "Description", default=title, piped=piped)
    learning, write = new_entry(
        config,
        title=title,
        category=category,
        description=description,
        severity=Severity(sev) if sev else None,
        tags=tags or [],
        dry_run=dry_run,
        symptoms=found_symptoms,
    )
    wanted = slugify(title)
    if fmt == "json":
        _echo_json(
            {
                "id": learning.id,
                "path": os.path.relpath(write.path),
                "line": write.line,
                "created_file": write.created,
                "dry_run": dry_run,
            }
        )
    else:
        verb = "would add" if dry_run else "added"
        typer.echo(
            f"{verb} {learning.id!r} to {os.path.relpath(write.path)}:{write.line}"
            + (" (new file)" if write.created else "")
        )
    if learning.id != wanted:
        typer.echo(
            f"kbtool: note: the id {wanted!r} is taken: this entry's id is {learning.id!r} "
            "(same title as an existing entry?)",
            err=True,
        )
    if edit and not dry_run:
        raise typer.Exit(_edit_and_validate(config, write.path, write.line))


def _editor_command() -> list[str]:
    """``$VISUAL`` or ``$EDITOR`` as a command line; a usage error when neither is set."""
    import shlex

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor or not editor.strip():
        fail("--edit: set $EDITOR (or $VISUAL) to your editor; nothing was written")
    try:
        return shlex.split(editor)
    except ValueError as exc:
        fail(f"$EDITOR {editor!r}: {exc}")


def _open_editor(path: Path, line: int) -> None:
    """Run the editor on ``path``, at ``line`` for editors known to take one."""
    import subprocess

    command = _editor_command()
    name = Path(command[0]).name
    if name in ("vi", "vim", "nvim") and line:
        command += [f"+{line}", "--", str(path)]
    elif name in ("nano", "emacs", "micro", "kak") and line:
        command += [f"+{line}", str(path)]
    elif name in ("code", "codium") and line:
        command += ["--wait", "--goto", f"{path}:{line}"]
    else:
        command.append(str(path))
    try:
        subprocess.run(command, check=False)
    except OSError as exc:
        fail(f"cannot start the editor {command[0]!r}: {exc.strerror or exc}", 3)


def _edit_and_validate(config: Config, path: Path, line: int) -> int:
    """Open the editor at ``path:line``; when it closes, validate the file (the exit code)."""
    from kbtool.validate.command import validate_command

    _open_editor(path, line)
    return validate_command(
        root=config.root,
        paths=[str(path)],
        fmt="text",
        select=[],
        ignore=[],
        strict=False,
        no_cache=False,
        output=None,
    )


@app.command("edit")
def edit_command(
    entry_id: Annotated[
        str,
        typer.Argument(metavar="ID", help="The entry to edit.", autocompletion=_complete_entry_ids),
    ],
) -> None:
    """Open $EDITOR (or $VISUAL) at the entry's line, then validate its file when the editor
    closes (exit 1 on findings). Works on an entry in a file that cannot be read, too."""
    from kbtool.errors import UsageError
    from kbtool.search.commands import notice
    from kbtool.search.show import locate
    from kbtool.search.unreadable import find_id_in_unreadable

    _editor_command()
    config = config_for()
    try:
        found = locate(config, entry_id, notice=notice)
        rel, line = found[0].path, found[0].line
    except UsageError:
        broken = find_id_in_unreadable(config, entry_id)
        if not broken:
            raise
        rel, line = broken[0]
    raise typer.Exit(_edit_and_validate(config, config.root / rel, line))


@app.command("completion")
def completion_command(
    shell: Annotated[str, typer.Argument(metavar="SHELL", help="bash, zsh or fish.")],
) -> None:
    """Print the shell completion script: commands, options, and entry ids from the index.

    \b
      bash: kbtool completion bash > ~/.local/share/bash-completion/completions/kbtool
      zsh:  kbtool completion zsh > "${fpath[1]}/_kbtool"
      fish: kbtool completion fish > ~/.config/fish/completions/kbtool.fish
    """
    from typer._completion_shared import get_completion_script

    from kbtool.completion import COMPLETE_VAR, SHELLS

    if shell not in SHELLS:
        fail(f"{shell!r}: expected one of {', '.join(SHELLS)}")
    script = get_completion_script(prog_name="kbtool", complete_var=COMPLETE_VAR, shell=shell)
    typer.echo(script, nl=False)


@app.command("init")
def init_command(
    folder: Annotated[
        Path | None,
        typer.Argument(metavar="DIR", help="The folder (default: the current one)."),
    ] = None,
    example: Annotated[
        bool, typer.Option("--example", help="Add an example entry (learnings/example.xml).")
    ] = False,
) -> None:
    """Make a folder a knowledge base: kbtool.toml, learnings/, learnings/reports/, a
    .gitignore line for the cache and a pre-commit hook; what exists is kept as it is."""
    from kbtool.kbinit import PRE_COMMIT_SNIPPET, init_kb

    target = folder or Path.cwd()
    if target.exists() and not target.is_dir():
        fail(f"{target}: not a folder")
    try:
        steps = init_kb(target, example=example)
    except OSError as exc:
        fail(f"{target}: {exc.strerror or exc}", 3)
    for step in steps:
        shown = os.path.relpath(step.path)
        shown += "/" if step.path.is_dir() else ""
        typer.echo(f"{step.action:<8} {shown}")
    if any(s.action == "kept" for s in steps):
        typer.echo("\nAdd kbtool's hook to your .pre-commit-config.yaml:\n")
        typer.echo(PRE_COMMIT_SNIPPET, nl=False)
    where = "" if folder is None else f" (in {folder})"
    typer.echo(
        f'\nNext{where}: kbtool new "Title" -c Category, or: '
        "pytest 2>&1 | kbtool new --from-error - -c Category"
    )


report_app = _Typer(help="Fix reports: write a report skeleton for an entry.", no_args_is_help=True)
app.add_typer(report_app, name="report")


@report_app.command("new")
def report_new_command(
    entry_id: Annotated[
        str,
        typer.Argument(
            metavar="ID", help="The entry to write it for.", autocompletion=_complete_entry_ids
        ),
    ],
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing report.")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the report instead; write nothing.")
    ] = False,
    fmt: TextOrJson = "text",
) -> None:
    """Write <reports>/ID.md pre-filled from the entry, and link the two both ways."""
    from kbtool.reports.commands import new_report

    check_format(fmt, ("text", "json"))
    config = config_for()
    path, added, text = new_report(config, entry_id, force=force, dry_run=dry_run)
    if fmt == "json":
        data = {"id": entry_id, "report": os.path.relpath(path), "linked": added}
        _echo_json({**data, "dry_run": dry_run, "text": text if dry_run else None})
    elif dry_run:
        typer.echo(text, nl=False)
        would = " and add <fix-report href> to the entry" if added else ""
        typer.echo(f"would write {os.path.relpath(path)}{would}", err=True)
    else:
        typer.echo(f"wrote {os.path.relpath(path)}")
        if added:
            typer.echo(f"added <fix-report href> to entry {entry_id!r}")


# ---- migrate / fmt (migration issue) ----


@app.command("migrate")
def migrate_command(
    sources: Annotated[
        list[Path] | None,
        typer.Argument(metavar="SOURCE", help="Legacy XML files or folders to migrate."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "--output",
            "-o",
            metavar="DIR",
            help="Folder for the category files (its valid category files are kept and merged).",
            file_okay=False,
        ),
    ] = None,
    in_place: Annotated[
        bool,
        typer.Option(
            "--in-place",
            help="Migrate one folder into itself: write its "
            "category files there and remove the legacy files they replace.",
        ),
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="With --in-place: go ahead even when the folder "
            "has uncommitted changes or is not under git.",
        ),
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report only; write nothing.")] = False,
    diff: Annotated[
        bool,
        typer.Option("--diff", help="Print what would change as a unified diff; write nothing."),
    ] = False,
    fmt: Annotated[
        str, typer.Option("--format", "-f", metavar="FORMAT", help="Report format: text or json.")
    ] = "text",
    encoding: Annotated[
        str | None,
        typer.Option(
            "--encoding",
            metavar="ENCODING",
            help="Encoding of files that are not valid UTF-8 and have "
            "no BOM, e.g. latin-1 (never guessed).",
        ),
    ] = None,
    default_category: Annotated[
        str,
        typer.Option(
            "--default-category", metavar="CATEGORY", help="Category of records that name none."
        ),
    ] = "General",
    reports: Annotated[
        Path | None,
        typer.Option(
            "--reports",
            metavar="DIR",
            help="Import the legacy Markdown fix reports in this folder "
            "(problem, cause or whys, and solution sections required).",
            file_okay=False,
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List minted ids too.")] = False,
) -> None:
    """Migrate legacy learnings into canonical category files, losing no text.

    Each file is repaired lexically (every change recorded), parsed strictly, its records
    found and mapped; unmapped material is kept as extras. Exit 0 done, 1 some files could
    not be read, 2 usage error, 3 configuration error or a file changed during the run.
    """
    import json

    from kbtool.errors import ConfigError
    from kbtool.migrate.learnings import MigrateOptions, apply, diff_text, plan, uncommitted

    check_format(fmt, ("text", "json"))
    if in_place and out is not None:
        fail("--in-place and --out do not go together")
    if not default_category.strip():
        fail("--default-category must not be empty")
    if not sources and reports is None:
        fail("name the legacy files or folders to migrate (or --reports DIR)")
    try:
        config = config_for(
            out if out is not None else (sources[0] if sources else None), need_learnings=False
        )
    except ConfigError:
        config = None
    options = MigrateOptions(
        sources=sources or [],
        out=out,
        in_place=in_place,
        encoding=encoding,
        default_category=default_category,
    )
    if config is not None:
        options.kb_root, options.reports_dir = config.root, config.reports_dir
        options.max_file_bytes, options.path_map = config.max_file_bytes, config.path_map
    if reports is not None:
        if sources or in_place:
            fail("--reports imports Markdown reports; migrate XML files in a separate run")
        from kbtool.migrate.fixreports import import_reports

        imported = import_reports(reports, config, out=out, dry_run=dry_run or diff)
        if fmt == "json":
            typer.echo(
                json.dumps(
                    {k: v for k, v in imported.items() if k != "text"}, indent=2, ensure_ascii=False
                )
            )
        else:
            typer.echo(imported["text"], nl=False)
        raise typer.Exit(1 if imported["failed"] else 0)
    if in_place and not (dry_run or diff) and not force:
        dirty = uncommitted(Path(sources[0]) if sources else Path.cwd())
        if dirty is None:
            fail(
                f"{sources[0] if sources else '.'} is not under git: --in-place could not be "
                "undone (commit it first, or pass --force)"
            )
        if dirty:
            shown = ", ".join(dirty[:5]) + (" …" if len(dirty) > 5 else "")
            fail(
                f"uncommitted changes under {sources[0] if sources else '.'}: {shown} "
                "(commit or stash them first, or pass --force)"
            )
    result = plan(options)
    if diff:
        sys.stdout.write(diff_text(result))
        sys.stdout.flush()
    elif not dry_run:
        apply(result)
    if fmt == "json":
        typer.echo(json.dumps(result.report.to_dict(), indent=2, ensure_ascii=False), err=diff)
    else:
        applied = not (dry_run or diff)
        typer.echo(result.report.to_text(verbose, applied=applied), nl=False, err=diff)
    raise typer.Exit(1 if result.report.failed else 0)


@app.command("fmt")
def fmt_command(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="PATH", help="Category files or folders (default: the learnings folder)."
        ),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 if a file would change.")
    ] = False,
    diff: Annotated[
        bool, typer.Option("--diff", help="Print the changes as a unified diff; write nothing.")
    ] = False,
    fmt: TextOrJson = "text",
) -> None:
    """Format category files canonically: element and attribute order, indentation.

    Keeps text, comments, each file's encoding and line endings (docs/fmt.md). Writes a file
    only when its bytes change, atomically, and never over a concurrent change. Exit 0 done
    (or nothing to do), 1 with --check/--diff when a file would change or a file is not
    well-formed, 2 usage error, 3 configuration error or a file changed during the run.
    """
    import json

    from kbtool.diagnostics import Diagnostic
    from kbtool.fmt import FmtResult, format_file, unified_diff, write
    from kbtool.kb import iter_xml_paths

    check_format(fmt, ("text", "json"))
    config = config_for(paths[0] if paths else None, need_learnings=not paths)
    results: list[FmtResult] = []
    walk_findings: list[Diagnostic] = []
    for item in iter_xml_paths(paths or (), config):
        if isinstance(item, Diagnostic):
            walk_findings.append(item)
            continue
        from kbtool.diagnostics import display_path

        result = format_file(item, config.root, config.max_file_bytes, display_path(item))
        results.append(result)
        if not (check or diff):
            from kbtool.atomic import remove_stale_temps

            remove_stale_temps(item)  # left by a run that was killed mid-write
        if result.changed and not (check or diff):
            write(result)
    if diff:
        sys.stdout.write("".join(unified_diff(r) for r in results if r.changed))
    failed = [d for r in results for d in r.findings] + walk_findings
    pending = [r for r in results if r.status == "changed"]
    if fmt == "json":
        summary = {
            s: sum(1 for r in results if r.status == s)
            for s in ("unchanged", "reformatted", "changed", "skipped", "failed")
        }
        typer.echo(
            json.dumps(
                {
                    "version": 1,
                    "command": "fmt",
                    "files": [r.to_dict() for r in results],
                    "findings": [d.to_dict() for d in walk_findings],
                    "summary": summary,
                },
                indent=2,
                ensure_ascii=False,
            ),
            err=diff,
        )
    else:
        for d in failed:
            typer.echo(d.format(), err=diff)
        for r in results:
            if r.status in ("reformatted", "changed"):
                verb = "reformatted" if r.status == "reformatted" else "would reformat"
                typer.echo(f"{verb} {r.display}", err=diff)
            elif r.status == "skipped":
                typer.echo(f"skipped {r.display}: {r.note}", err=True)
        done = sum(1 for r in results if r.status == "reformatted")
        same = sum(1 for r in results if r.status == "unchanged")
        typer.echo(
            f"kbtool fmt: {done} reformatted, {len(pending)} would be reformatted, "
            f"{same} unchanged, {len(failed)} failed",
            err=True,
        )
    raise typer.Exit(1 if failed or pending else 0)


# ---- scan (detector issue) ----


@app.command("scan")
def scan_command(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="PATH", help="Files and folders to scan (default: the current folder)."
        ),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format", "-f", metavar="FORMAT", help="Output format: text, json, sarif or github."
        ),
    ] = "text",
    entry: Annotated[
        list[str] | None,
        typer.Option(
            "--entry", "-e", metavar="ID", help="Only the detectors of this entry id (repeatable)."
        ),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            metavar="FILE",
            help="Accept the findings recorded in this baseline file.",
            dir_okay=False,
        ),
    ] = None,
    write_baseline: Annotated[
        Path | None,
        typer.Option(
            "--write-baseline",
            metavar="FILE",
            help="Record every current finding in this file (to accept them), then exit 0.",
            dir_okay=False,
        ),
    ] = None,
    max_file_size: Annotated[
        int,
        typer.Option(
            "--max-file-size", min=1, metavar="BYTES", help="Skip files larger than this (bytes)."
        ),
    ] = 1024 * 1024,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            metavar="N",
            min=0,
            help="Worker processes sharing the files (0: one per CPU, for large scans).",
        ),
    ] = 1,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary line.")] = False,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude",
            metavar="GLOB",
            help="Leave out files matching this gitignore-style glob (repeatable), "
            "e.g. '*_pb2.py' or 'migrations/'.",
        ),
    ] = None,
    no_gitignore: Annotated[
        bool, typer.Option("--no-gitignore", help="Scan files that .gitignore files name too.")
    ] = False,
    statistics: Annotated[
        bool,
        typer.Option(
            "--statistics", help="Print the number of findings per detector instead of each."
        ),
    ] = False,
) -> None:
    """Run the knowledge base's detectors over code: path:line:col: <entry-id> message.

    Exit 1 on findings. Suppress one inline with '# kbtool: ignore[<entry-id>] reason'.
    Under a folder, files its .gitignore files name are left out (nested files, negation,
    folder-only and anchored patterns, as git does).
    """
    from kbtool.scan.report import FORMATS, render, render_statistics, summary
    from kbtool.scan.scanner import scan
    from kbtool.scan.scanner import write_baseline as save_baseline

    if fmt not in FORMATS:
        fail(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")
    if baseline is not None and write_baseline is not None:
        fail("--baseline and --write-baseline do not go together")
    result = scan(
        config_for(),
        paths or [],
        entry_ids=entry or (),
        max_bytes=max_file_size,
        baseline=baseline,
        jobs=jobs or None,
        excludes=exclude or (),
        gitignore=not no_gitignore,
    )
    if write_baseline is not None:
        save_baseline(write_baseline, result.findings)
        if not quiet:
            from kbtool.reporters import plural

            typer.echo(
                f"kbtool scan: {plural(len(result.findings), 'finding')} recorded in "
                f"{write_baseline}",
                err=True,
            )
        raise typer.Exit(0)
    if statistics:
        if fmt not in ("text", "json"):
            fail(f"--statistics: --format {fmt!r}: expected text or json")
        render_statistics(result, fmt, sys.stdout)
    else:
        render(result, fmt, sys.stdout)
    sys.stdout.flush()
    if not quiet:
        typer.echo(summary(result), err=True)
    raise typer.Exit(1 if result.failed else 0)


# ---- new commands (session 3) ----


def _register_site_command() -> None:
    from kbtool.site import command as m

    _spec_command("site", m.OPTS, m.site_command, m.DOC)


_register_site_command()


def run() -> None:
    """Entry point: run the app, turning library errors into messages and exit codes."""
    from kbtool.fastcli import run_guarded

    sys.exit(run_guarded(_invoke))


def _invoke() -> int:
    """The app, with click's usage errors in kbtool's one error style: ``kbtool: error: …``
    first, then the usage line and where help is (exit 2)."""
    from typer import _click

    if os.environ.get("_KBTOOL_COMPLETE"):  # typer registers its shells only when asked to
        from typer._completion_classes import completion_init

        completion_init()
    try:
        code = app(standalone_mode=False, prog_name="kbtool")
    except _click.exceptions.NoArgsIsHelpError as exc:
        exc.show()  # the help text
        return exc.exit_code
    except _click.exceptions.ClickException as exc:
        typer.echo(f"kbtool: error: {exc.format_message()}", err=True)
        ctx = getattr(exc, "ctx", None)
        if ctx is not None:
            typer.echo(f"{ctx.get_usage()}\nTry '{ctx.command_path} -h' for help.", err=True)
        return exc.exit_code
    except typer.Abort:
        typer.echo("kbtool: aborted", err=True)
        return 1
    return code if isinstance(code, int) else 0
