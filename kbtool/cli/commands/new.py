"""``kbtool new``: an entry (today's date, a unique id from the title) in its category file."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kbtool import fields
from kbtool.cli.options import TEXT_OR_JSON, Opt, listed
from kbtool.errors import KbError, UsageError

if TYPE_CHECKING:
    from kbtool.config import Config

DOC = """Create an entry (today's date, a unique id from the title) in its category file.

Asks for what the options do not give when run on a terminal; without one, reads the
answers from standard input, one a line, in the same order (title, category, severity,
description; an empty line takes the default). The category file is created with its
metadata when it does not exist. Straight from an error:

\b
  pytest 2>&1 | kbtool new --from-error - -c Testing"""

SEVERITIES = fields.SEVERITIES


class Aborted(KbError):
    """The prompt got no answer (end of input): ``kbtool: aborted``, exit 1, as before."""

    exit_code = 1
    bare = True


OPTS = (
    Opt(
        "title_words", (), "The entry's title (or --title).", kind=list, default=(), metavar="TITLE"
    ),
    Opt("title", ("--title",), "The entry's title.", metavar="TEXT"),
    Opt(
        "category",
        ("--category", "-c"),
        "Category, e.g. Database/AsyncIO.",
        metavar="CATEGORY",
    ),
    Opt(
        "severity",
        ("--severity", "-s"),
        f"Severity: {listed(SEVERITIES)}.",
        metavar="LEVEL",
    ),
    Opt(
        "description",
        ("--description", "-d"),
        "What goes wrong (default: the title).",
        metavar="TEXT",
    ),
    Opt("tags", ("--tag", "-t"), "A tag (repeatable).", kind=list, default=(), metavar="TAG"),
    Opt(
        "symptoms",
        ("--symptom",),
        "An exact error message or observable sign (repeatable).",
        kind=list,
        default=(),
        metavar="TEXT",
    ),
    Opt(
        "from_error",
        ("--from-error",),
        "An error message, traceback or log (a file's path, or '-': standard input): its "
        "error line becomes the symptom and, unless given, the title.",
        metavar="TEXT",
    ),
    Opt(
        "edit",
        ("--edit",),
        "Open $EDITOR at the new entry, then validate it.",
        kind=bool,
        default=False,
    ),
    Opt("dry_run", ("--dry-run",), "Write nothing.", kind=bool, default=False),
    TEXT_OR_JSON,
)


def run(
    *,
    root: str | Path | None,
    title_words: list[str],
    title: str | None,
    category: str | None,
    severity: str | None,
    description: str | None,
    tags: list[str],
    symptoms: list[str],
    from_error: str | None,
    edit: bool,
    dry_run: bool,
    fmt: str,
) -> int:
    from kbtool.authoring import new_entry
    from kbtool.cli.editor import edit_and_validate, editor_command
    from kbtool.cli.output import write_json
    from kbtool.config import load_config
    from kbtool.kbwrite import slugify
    from kbtool.model import Severity

    if edit and not dry_run:
        editor_command()  # no $EDITOR: an error before anything is written
    if title_words:
        if title is not None:
            raise UsageError("give the title once: as words or with --title, not both")
        title = " ".join(title_words)
    config = load_config(root=Path(root)) if root is not None else load_config()
    found_symptoms = list(symptoms)
    consumed = False
    if from_error is not None:
        from kbtool.cli.errorinput import read_error_text
        from kbtool.fromerror import from_error as parse_error

        text, consumed = read_error_text([from_error], sys.stdin)
        picked = parse_error(text)
        title = title if title is not None else picked.title
        found_symptoms.insert(0, picked.symptom)
    # without a terminal, answers may be piped in, one a line, in the prompts' order; stdin is
    # read only when --title or --category is missing (otherwise nothing could be asked)
    piped = not consumed and not sys.stdin.isatty() and (title is None or category is None)
    title = ask(title, "Title", piped=piped)
    category = ask(
        category,
        "Category",
        piped=piped,
        choices=categories(config) if category is None and sys.stdin.isatty() else "",
    )
    sev = (
        ask(
            severity,
            "Severity",
            default="" if severity is None else None,
            piped=piped,
            choices=", ".join(SEVERITIES) + "; empty for none",
        )
        .strip()
        .lower()
    )
    if sev and sev not in SEVERITIES:
        raise UsageError(f"--severity {sev!r}: expected one of {', '.join(SEVERITIES)}")
    description = ask(description, "Description", default=title, piped=piped)
    learning, write = new_entry(
        config,
        title=title,
        category=category,
        description=description,
        severity=Severity(sev) if sev else None,
        tags=tags,
        dry_run=dry_run,
        symptoms=found_symptoms,
    )
    wanted = slugify(title)
    if fmt == "json":
        write_json(write.to_dict(dry_run=dry_run), sys.stdout)
    else:
        verb = "would add" if dry_run else "added"
        print(
            f"{verb} {learning.id!r} to {os.path.relpath(write.path)}:{write.line}"
            + (" (new file)" if write.created else "")
        )
    if learning.id != wanted:
        print(
            f"kbtool: note: the id {wanted!r} is taken: this entry's id is {learning.id!r} "
            "(same title as an existing entry?)",
            file=sys.stderr,
        )
    if edit and not dry_run:
        return edit_and_validate(config, write.path, write.line)
    return 0


def ask(
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
        raise UsageError(
            f"--{label.lower()} is needed (no terminal to ask on, and no answer on stdin)"
        )
    prompt = f"{label} ({choices})" if choices else label
    if default is not None:
        prompt += f" [{default}]"
    while True:
        try:
            answer = input(f"{prompt}: ")
        except EOFError:
            raise Aborted("aborted") from None
        if answer or default is not None:
            return answer or (default or "")


def categories(config: Config) -> str:
    """The KB's categories, for the prompt (from the index; empty when it cannot be read)."""
    from kbtool.search.listing import list_entries

    try:
        names = sorted({row.category for row in list_entries(config)})
    except Exception:  # a prompt hint only: never fail the command over it
        return ""
    shown = ", ".join(names[:8]) + (", …" if len(names) > 8 else "")
    return f"e.g. {shown}" if shown else "e.g. Database/AsyncIO"
