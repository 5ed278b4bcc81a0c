"""``kbtool render``: entries through a Jinja2 template into Markdown (and what ``plan``
shares with it: choosing the entries, rendering, writing the output)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kbtool.cli.options import Opt
from kbtool.errors import ConfigError, UsageError

if TYPE_CHECKING:
    from kbtool.config import Config
    from kbtool.kb import KnowledgeBase
    from kbtool.selection import Selection

DOC = """Render entries through a Jinja2 template into Markdown.

Your templates (--templates or the 'templates' setting) are searched first and may
extend kbtool's ({% extends "default:fix-report.md.j2" %}); they run sandboxed in a child
process with time, memory and output limits. Entry text is escaped for Markdown."""

IDS_OPT = Opt(
    "ids",
    (),
    "Entries to render (default: all, or the query).",
    kind=list,
    default=(),
    metavar="ID",
    complete="entry-id",
)
QUERY_OPT = Opt("query", ("--query",), "Render the entries a search finds.", metavar="QUERY")
CATEGORY_OPT = Opt(
    "category",
    ("--category", "-c"),
    "Only this category (a prefix: 'Database' takes 'Database/AsyncIO').",
    metavar="CATEGORY",
)
OUTPUT_OPT = Opt(
    "output",
    ("--output", "-o"),
    "Write to this file (links are made relative to its folder).",
    metavar="FILE",
)
TEMPLATES_OPT = Opt(
    "templates",
    ("--templates",),
    "Your template folder, searched before kbtool's (default: the 'templates' setting).",
    metavar="DIR",
)

OPTS = (
    Opt(
        "template",
        (),
        "Template name: fix-report.md.j2, remediation-plan.md.j2, index.md.j2 or yours.",
        metavar="TEMPLATE",
        required=True,
    ),
    IDS_OPT,
    QUERY_OPT,
    CATEGORY_OPT,
    OUTPUT_OPT,
    TEMPLATES_OPT,
    Opt("title", ("--title",), "Title for plans and indexes.", default="", metavar="TEXT"),
    Opt("limit", ("--limit",), "At most this many entries (default: all).", kind=int, metavar="N"),
)


def run(
    *,
    root: str | Path | None,
    template: str,
    ids: list[str],
    query: str | None,
    category: str | None,
    output: str | None,
    templates: str | None,
    title: str,
    limit: int | None,
    match: str | None = None,
) -> int:
    """Render the chosen entries (``match``: ``kbtool plan --match``) through ``template``."""
    from kbtool.cli.output import config_at

    config = config_at(root)
    kb = load_kb(config)
    selection = select(config, kb, ids, query, category, match, limit)
    render_and_write(config, kb, template, selection, output, templates, title)
    return 0


def load_kb(config: Config) -> KnowledgeBase:
    """The KB's files, parsed; a warning on stderr names those that could not be."""
    from kbtool.cli.output import notice
    from kbtool.kb import KnowledgeBase
    from kbtool.search.unreadable import count_unparsed

    kb = KnowledgeBase.load(config)
    count_unparsed(kb.sources, config, notice)
    return kb


def select(
    config: Config,
    kb: KnowledgeBase,
    ids: list[str] | None,
    query: str | None,
    category: str | None,
    match: str | None,
    limit: int | None,
) -> Selection:
    from kbtool.selection import select_entries

    text = match
    if match is not None:
        from kbtool.cli.errorinput import read_error_text

        text, _ = read_error_text([match], sys.stdin)
        if match == "-" and not text.strip():
            raise UsageError("--match -: nothing on standard input")
    return select_entries(
        config, kb, ids=ids or None, query=query, category=category, match=text, limit=limit
    )


def user_templates(config: Config, templates: str | None) -> Path | None:
    folder = Path(templates) if templates is not None else config.templates_dir
    if folder is None:
        return None
    if not folder.is_dir():
        if templates is None:  # a setting that names no folder: kbtool's own, said once
            from kbtool.cli.output import notice

            where = config.source.name if config.source is not None else "configuration"
            notice(
                f"{where}: templates = {config.raw.get('templates')!r} is not a folder; "
                "using kbtool's own templates"
            )
            return None
        raise UsageError(f"--templates {templates}: not a folder")
    return folder.resolve()


def write_output(output: Path, text: str) -> None:
    from kbtool.atomic import atomic_write

    target = output.resolve()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, text.encode("utf-8"))
    except OSError as exc:
        raise ConfigError(f"-o {output}: {exc.strerror or exc}") from None


def render_and_write(
    config: Config,
    kb: KnowledgeBase,
    template: str,
    selection: Selection,
    output: str | None,
    templates: str | None,
    title: str,
) -> None:
    from kbtool.selection import render_selection

    out = Path(output) if output is not None else None
    text = render_selection(
        config,
        template,
        selection,
        out=out.resolve() if out else None,
        user_dir=user_templates(config, templates),
        title=title,
        kb=kb,
    )
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_output(out, text)
        from kbtool.wording import plural

        print(f"wrote {out} ({plural(len(selection.entries), 'entry')})", file=sys.stderr)
