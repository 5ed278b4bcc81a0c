"""The shapes of the template context: the TypedDicts every template receives.

This is the contract ``docs/templates.md`` documents (``tests/test_render.py`` fails when the
two disagree); :mod:`kbtool.render.context` builds values of these shapes. Kept apart from the
building code, which needs them only for type checking: creating fifteen TypedDict classes is
start-up time ``kbtool show`` does not need.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict, get_type_hints


class SymptomCtx(TypedDict):
    """An error message or sign; ``versions`` is a PEP 440 specifier set, or "". ``kind`` is
    "error" for text a program printed (print it as code) or "text" for a described sign."""

    text: str
    versions: str
    kind: str


class WhyCtx(TypedDict):
    """One of the five whys, numbered from 1."""

    n: int
    question: str
    answer: str


class CodeCtx(TypedDict):
    """A code block; ``lang`` may be "". ``file`` is the file it belongs in ("" when unknown);
    ``kind`` is "fix" (the code to write) or "bad" (the broken code it replaces)."""

    lang: str
    text: str
    file: str
    kind: str


class StepBlockCtx(TypedDict):
    """One piece of a step in reading order: ``kind`` is "text" (a paragraph of the body),
    "code" (``text`` is the code, ``lang`` its language, ``file`` its file or "") or "bad"
    (the broken code the next "code" block replaces). ``label`` is the step's own lead-in
    line that named the code's file ("In `app/x.py`:"), as written, or ""."""

    kind: str
    text: str
    lang: str
    file: str
    label: str


class StepCtx(TypedDict):
    """A solution step: ``title`` is short and never empty (the step's ``title`` attribute,
    else its first paragraph when that is one short line, else the first sentence or clause
    of it); ``body`` is the prose the title does not already say; ``blocks`` is the body with
    each code block placed after the paragraph that leads into it (one ending with a colon),
    the rest at the end. A lead-in paragraph that only names a file ("In `app/x.py`:")
    becomes that code block's ``file``. ``lead`` is the first paragraph when the title was
    taken whole from it but does not give it back as written (it ended in a colon, or no
    full stop): a document that must import back exactly prints it below the title."""

    n: int
    text: str
    title: str
    lead: str
    body: str
    code: list[CodeCtx]
    blocks: list[StepBlockCtx]


class FileCtx(TypedDict):
    """A modified file: ``text`` as written, split into ``path`` and ``note``."""

    path: str
    note: str
    text: str


class ReferenceCtx(TypedDict):
    """A reference: ``kind`` is fix-report, learning, issue or link; ``target`` the href or
    id as written; ``href`` a usable link target ("" when there is none; for a learning its
    file and ``#L<line>``); ``path`` the target file relative to the KB root ("" for URLs);
    ``title`` the learning's title; ``n`` its position among the selected entries (0 when
    it is not selected, so a template links to its section only when it is there);
    ``url_kind`` the kind its URL reads as (issue or link), which a template names when
    ``kind`` says otherwise."""

    kind: str
    target: str
    label: str
    href: str
    path: str
    title: str
    n: int
    url_kind: str


class EntryLinkCtx(TypedDict):
    """Another entry: its id, title, and a link to its file and line."""

    id: str
    title: str
    path: str
    line: int
    href: str


class CheckCtx(TypedDict):
    """A verification check; ``repo_only`` is true when it runs a script of the knowledge
    base's own repository (``tests/repro/``), which a team applying the fix does not have."""

    text: str
    repo_only: bool


class DiffCtx(TypedDict):
    """A key difference between the broken and the fixed code of one file: a line (or a few
    lines) replaced."""

    file: str
    before: str
    after: str


class SectionCtx(TypedDict):
    """A report section kept as-is (``<extras><section>``): ``after`` names the field it
    followed in its report (``title``, ``description``, ``whys``, ``solution``, …; "" if
    unknown); ``field`` is set for prose that belongs to a mapped section."""

    heading: str
    text: str
    after: str
    field: str


class BacklinkCtx(TypedDict):
    """Something that points at the entry: ``kind`` is report, learning or supersedes;
    ``source`` the report path or entry id."""

    kind: str
    source: str
    path: str
    line: int
    label: str
    href: str


class EntryCtx(TypedDict):
    """One learning entry. Optional values are "" (strings) or [] (lists), never None."""

    id: str
    title: str
    date: str
    category: str
    severity: str
    status: str
    description: str
    tags: list[str]
    symptoms: list[SymptomCtx]
    root_causes: list[str]
    whys: list[WhyCtx]
    solution: list[StepCtx]
    files: list[FileCtx]
    verification: list[str]
    prevention: list[str]
    test_cases: list[str]
    references: list[ReferenceCtx]
    fix_reports: list[ReferenceCtx]
    supersedes: list[str]
    review_by: str
    sections: list[SectionCtx]
    path: str
    line: int
    href: str
    backlinks: list[BacklinkCtx]
    n: int
    link: str
    versions: list[str]
    applies: str
    superseded_by: list[EntryLinkCtx]
    checks: list[CheckCtx]
    bad_examples: list[CodeCtx]
    differences: list[DiffCtx]
    selected_by: str


class CategoryCtx(TypedDict):
    """A category and its entries (in file order); ``anchor`` is the GitHub anchor of a
    ``## name`` heading."""

    name: str
    path: str
    href: str
    anchor: str
    count: int
    entries: list[EntryCtx]


class RenderContext(TypedDict):
    """What every template receives. ``entry`` is present when exactly one entry is
    selected; ``query`` is the search or match text that selected the entries, or "";
    ``skeleton`` is true for ``kbtool report new`` (empty sections get placeholders)."""

    title: str
    query: str
    skeleton: bool
    entries: list[EntryCtx]
    categories: list[CategoryCtx]
    entry: NotRequired[EntryCtx]


CONTEXT_TYPES: tuple[type, ...] = (
    RenderContext,
    EntryCtx,
    CategoryCtx,
    SymptomCtx,
    WhyCtx,
    StepCtx,
    StepBlockCtx,
    CodeCtx,
    FileCtx,
    ReferenceCtx,
    SectionCtx,
    BacklinkCtx,
    EntryLinkCtx,
    CheckCtx,
    DiffCtx,
)


def describe_types() -> dict[str, dict[str, str]]:
    """``{TypedDict name: {field: type as written in the docs}}``, for the docs test."""
    out: dict[str, dict[str, str]] = {}
    for cls in CONTEXT_TYPES:
        hints = get_type_hints(cls, include_extras=True)
        out[cls.__name__] = {name: _type_name(hint) for name, hint in hints.items()}
    return out


def _type_name(hint: Any) -> str:
    origin = getattr(hint, "__origin__", None)
    if origin is NotRequired:
        return f"{_type_name(hint.__args__[0])} (optional)"
    if origin is list:
        return f"list[{_type_name(hint.__args__[0])}]"
    if getattr(hint, "__name__", None):
        return str(hint.__name__)
    return str(hint)
