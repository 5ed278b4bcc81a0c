"""``propose_entry``: a draft learning from an assistant, checked, then added as ``proposed``.

The draft becomes a :class:`kbtool.model.Learning` (pydantic checks the fields), then a
one-entry category file that goes through ``kbtool validate``'s per-file checks (the XSD and
the semantics, KB2xx/KB3xx); any error refuses the draft and nothing is written. Otherwise
:func:`kbtool.kbwrite.add_learning` appends it to its category's file (or creates that file),
atomically, with a new id that no entry has: nothing is ever overwritten. A human promotes
the entry by setting ``status="active"``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kbtool.errors import UsageError
from kbtool.mcp import shapes

if TYPE_CHECKING:
    from kbtool.config import Config
    from kbtool.kb import KnowledgeBase
    from kbtool.model import Learning

MAX_FIELD_CHARS = 20_000
MAX_TITLE_CHARS = 300
MAX_ITEMS = 20
# Characters XML 1.0 cannot hold: a draft is cleaned of them rather than refused.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass
class Draft:
    title: str
    symptoms: list[str]
    cause: str
    fix: str
    category: str
    description: str = ""
    severity: str | None = None
    tags: list[str] = field(default_factory=list)
    code: str | None = None
    code_lang: str | None = None
    prevention: list[str] = field(default_factory=list)


def _clean(value: str, what: str, most: int = MAX_FIELD_CHARS) -> str:
    """``value`` without terminal escapes (an assistant pastes coloured test output: the
    ESC alone would go, leaving ``[31m`` in a symptom that then matches nothing) and
    characters XML cannot hold; UsageError when it is over ``most``."""
    from kbtool.search.escapes import strip_escapes

    text = _NOT_XML.sub("", strip_escapes(value)).strip()
    if len(text) > most:
        raise UsageError(f"{what} is {len(text):,} characters; at most {most:,}")
    return text


def _items(values: list[str], what: str) -> list[str]:
    if len(values) > MAX_ITEMS:
        raise UsageError(f"{what}: at most {MAX_ITEMS} items, not {len(values)}")
    return [t for t in (_clean(v, what) for v in values) if t]


def to_learning(draft: Draft, taken: set[str], today: dt.date) -> Learning:
    """The draft as a proposed Learning with a fresh id; UsageError naming what is wrong."""
    from pydantic import ValidationError

    from kbtool.kbwrite import make_id
    from kbtool.model import CodeBlock, Learning, Severity, Status, Step, Symptom

    title = " ".join(_clean(draft.title, "title", MAX_TITLE_CHARS).split())
    category = " ".join(_clean(draft.category, "category", 200).split())
    parts = [part.strip() for part in category.split("/")]
    if category and any(part in ("", ".", "..") for part in parts):
        raise UsageError(
            f"category {category!r}: names separated by '/', none empty, '.' or '..' "
            "(e.g. Database/AsyncIO; kb://stats lists them)"
        )
    category = "/".join(parts)
    cause, fix = _clean(draft.cause, "cause"), _clean(draft.fix, "fix")
    symptoms = _items(draft.symptoms, "symptoms")
    missing = [
        name
        for name, value in (("title", title), ("category", category), ("cause", cause))
        if not value
    ]
    missing += ["fix"] if not fix else []
    missing += ["symptoms (at least one)"] if not symptoms else []
    if missing:
        raise UsageError("the draft needs " + ", ".join(missing))
    severity = None
    if draft.severity:
        try:
            severity = Severity(draft.severity.strip().lower())
        except ValueError:
            raise UsageError(
                f"severity {draft.severity!r}: expected critical, high, medium or low"
            ) from None
    code = _clean(draft.code or "", "code")
    try:
        return Learning(
            id=make_id(title, taken),
            severity=severity,
            status=Status.PROPOSED,
            title=title,
            date=today,
            category=category,
            description=_clean(draft.description, "description") or cause,
            tags=[t.lower() for t in _items(draft.tags, "tags")],
            symptoms=[Symptom(text=s) for s in symptoms],
            root_causes=[cause],
            solution=[
                Step(
                    text=fix,
                    code=[CodeBlock(text=code, lang=(draft.code_lang or "").strip() or None)]
                    if code
                    else [],
                )
            ],
            prevention=_items(draft.prevention, "prevention"),
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise UsageError(f"the draft is not a valid entry: {problems}") from None


def _schema_problems(config: Config, learning: Learning) -> list[str]:
    """Errors of validate's per-file checks on a file holding only this entry."""
    from kbtool import entry_xml
    from kbtool.kbwrite import category_path
    from kbtool.model import CategoryFile, Metadata
    from kbtool.validate.engine import check_one

    path = category_path(config, learning.category)
    meta = Metadata(name=f"Learnings - {learning.category}", category=learning.category)
    data = entry_xml.dump_file(CategoryFile(metadata=meta, learnings=[learning]))
    rel = path.relative_to(config.root).as_posix() if config.inside(path) else path.name
    from kbtool.codes import severity
    from kbtool.diagnostics import Severity as Level

    checked, _ = check_one(path, rel, data, config)
    return [
        f"{code} {message}"
        for _, _, code, message in checked.findings
        if code < "KB4" and severity(code) is Level.ERROR
    ]


def write_draft(
    config: Config, draft: Draft, kb: KnowledgeBase, *, today: dt.date
) -> shapes.ProposeResult:
    """Check the draft, then add it (see the module docstring)."""
    from kbtool.diagnostics import Severity as Level
    from kbtool.kbwrite import add_learning
    from kbtool.validate import validate

    taken = set(kb.ids())
    learning = to_learning(draft, taken, today)
    problems = _schema_problems(config, learning)
    if problems:
        raise UsageError("the draft does not validate: " + "; ".join(problems[:5]))
    written = add_learning(config, learning, taken=taken)
    result = validate(config, [written.path])
    own = [d for d in result.diagnostics if d.line >= written.line]
    return shapes.ProposeResult(
        id=written.entry_id,
        path=written.path.relative_to(config.root).as_posix(),
        line=written.line,
        created_file=written.created,
        status="proposed",
        findings=[
            shapes.ValidationFinding(
                line=d.line,
                code=d.code,
                severity="error" if d.severity is Level.ERROR else "warning",
                message=d.message,
            )
            for d in own
        ],
    )
