"""Pydantic models of the learning format; they mirror ``spec/learning.xsd``.

Each field names the XML element or attribute it mirrors in ``json_schema_extra``
(``xml``: the name; ``item``: the child element of a list container; ``attr``: an attribute),
taken from the field vocabulary (:mod:`kbtool.fields`); importing this module checks that the
vocabulary and the models name the same fields, and a test walks the XSD to check that the
models agree with it.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kbtool import fields
from kbtool.entryview import split_file_line as split_file_line  # its home is off pydantic
from kbtool.ids import ID_PATTERN as ID_PATTERN
from kbtool.ids import ID_RE as ID_RE
from kbtool.ids import id_problem

SCHEMA_VERSION = "1"


def _xml(element: str, key: str) -> dict[str, Any]:
    """The ``json_schema_extra`` of a field, from the vocabulary (KeyError when it lacks it)."""
    f = fields.field(element, key)
    extra: dict[str, Any] = {"xml": f.xml}
    if f.item:
        extra["item"] = f.item
    if f.attr:
        extra["attr"] = True
    return extra


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Status(StrEnum):
    ACTIVE = "active"
    SUPERSEDED = "superseded"
    ARCHIVED = "archived"
    PROPOSED = "proposed"  # written by a tool or an assistant; a human promotes it


class CodeKind(StrEnum):
    """``<code kind>``: the code to write, or the broken code it replaces."""

    FIX = "fix"
    BAD = "bad"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, use_enum_values=False)


class Symptom(_Model):
    """An exact error message or observable sign, optionally limited to library versions."""

    text: str = Field(min_length=1)
    versions: str | None = Field(default=None, json_schema_extra=_xml("symptom", "versions"))


class Why(_Model):
    question: str = Field(min_length=1, json_schema_extra=_xml("why", "question"))
    answer: str = Field(min_length=1, json_schema_extra=_xml("why", "answer"))


class CodeBlock(_Model):
    text: str
    lang: str | None = Field(default=None, json_schema_extra=_xml("code", "lang"))
    # the file the code belongs in, and "bad" for the broken code the next block replaces
    file: str | None = Field(default=None, json_schema_extra=_xml("code", "file"))
    kind: CodeKind | None = Field(default=None, json_schema_extra=_xml("code", "kind"))


class Step(_Model):
    """A solution step: prose, then zero or more code blocks."""

    text: str = ""
    code: list[CodeBlock] = Field(default_factory=list, json_schema_extra=_xml("step", "code"))
    # a short title for the step (else renderers take one from its first sentence)
    title: str | None = Field(default=None, json_schema_extra=_xml("step", "title"))


ReferenceKind = Literal["fix-report", "learning", "issue", "link"]


class Reference(_Model):
    """``<fix-report href>``, ``<learning ref>``, ``<issue href>`` or ``<link href>``."""

    kind: ReferenceKind
    target: str = Field(min_length=1, description="href, or the id for kind 'learning'")
    label: str = ""


class Original(_Model):
    field: str = Field(json_schema_extra=_xml("original", "field"))
    value: str


class Repair(_Model):
    line: int | None = Field(default=None, ge=1, json_schema_extra=_xml("repair", "line"))
    text: str


class Provenance(_Model):
    """Where a migrated or imported entry came from."""

    source: str = Field(json_schema_extra=_xml("provenance", "source"))
    xpath: str | None = Field(default=None, json_schema_extra=_xml("provenance", "xpath"))
    originals: list[Original] = Field(
        default_factory=list, json_schema_extra=_xml("provenance", "originals")
    )
    repairs: list[Repair] = Field(
        default_factory=list, json_schema_extra=_xml("provenance", "repairs")
    )


class Learning(_Model):
    """One learning entry (``<learning id="…">``)."""

    id: str = Field(pattern=ID_PATTERN, json_schema_extra=_xml("learning", "id"))
    severity: Severity | None = Field(default=None, json_schema_extra=_xml("learning", "severity"))
    status: Status = Field(default=Status.ACTIVE, json_schema_extra=_xml("learning", "status"))
    # where the whole learning holds (as Symptom.versions), e.g. "sqlalchemy>=2.1"
    versions: str | None = Field(default=None, json_schema_extra=_xml("learning", "versions"))
    title: str = Field(min_length=1, json_schema_extra=_xml("learning", "title"))
    date: dt.date | None = Field(
        default=None, json_schema_extra=_xml("learning", "date")
    )  # None: unknown
    category: str = Field(min_length=1, json_schema_extra=_xml("learning", "category"))
    description: str = Field(min_length=1, json_schema_extra=_xml("learning", "description"))
    tags: list[str] = Field(default_factory=list, json_schema_extra=_xml("learning", "tags"))
    symptoms: list[Symptom] = Field(
        default_factory=list, json_schema_extra=_xml("learning", "symptoms")
    )
    root_causes: list[str] = Field(
        default_factory=list, json_schema_extra=_xml("learning", "root_causes")
    )
    five_whys: list[Why] = Field(
        default_factory=list, json_schema_extra=_xml("learning", "five_whys")
    )
    solution: list[Step] = Field(
        default_factory=list, json_schema_extra=_xml("learning", "solution")
    )
    files_modified: list[str] = Field(
        default_factory=list, json_schema_extra=_xml("learning", "files_modified")
    )
    verification: list[str] = Field(
        default_factory=list, json_schema_extra=_xml("learning", "verification")
    )
    prevention: list[str] = Field(
        default_factory=list, json_schema_extra=_xml("learning", "prevention")
    )
    test_cases: list[str] = Field(
        default_factory=list, json_schema_extra=_xml("learning", "test_cases")
    )
    references: list[Reference] = Field(
        default_factory=list, json_schema_extra=_xml("learning", "references")
    )
    supersedes: list[str] = Field(
        default_factory=list, json_schema_extra=_xml("learning", "supersedes")
    )
    review_by: dt.date | None = Field(default=None, json_schema_extra=_xml("learning", "review_by"))
    detectors: list[str] = Field(
        default_factory=list,
        description="Each detector as its XML text (see spec/detectors.md)",
        json_schema_extra=_xml("learning", "detectors"),
    )
    extras: list[str] = Field(
        default_factory=list,
        description="Kept-as-is material, each item one XML element as text",
        json_schema_extra=_xml("learning", "extras"),
    )
    provenance: Provenance | None = Field(
        default=None, json_schema_extra=_xml("learning", "provenance")
    )

    @field_validator("id")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        problem = id_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value


class Metadata(_Model):
    name: str = Field(min_length=1, json_schema_extra=_xml("metadata", "name"))
    type: Literal["learnings"] = Field(
        default="learnings", json_schema_extra=_xml("metadata", "type")
    )
    category: str = Field(min_length=1, json_schema_extra=_xml("metadata", "category"))
    version: str | None = Field(default=None, json_schema_extra=_xml("metadata", "version"))
    last_updated: dt.date | None = Field(
        default=None, json_schema_extra=_xml("metadata", "last_updated")
    )
    description: str | None = Field(default=None, json_schema_extra=_xml("metadata", "description"))


class CategoryFile(_Model):
    """One file under ``learnings/``: ``<specification>`` with metadata and entries."""

    schema_version: str = Field(
        default=SCHEMA_VERSION, json_schema_extra=_xml("specification", "schema_version")
    )
    metadata: Metadata = Field(json_schema_extra=_xml("specification", "metadata"))
    learnings: list[Learning] = Field(
        default_factory=list, json_schema_extra=_xml("specification", "learnings")
    )


_ELEMENT_OF: dict[type[BaseModel], str] = {
    CategoryFile: "specification",
    Metadata: "metadata",
    Learning: "learning",
    Symptom: "symptom",
    Why: "why",
    Step: "step",
    CodeBlock: "code",
    Provenance: "provenance",
    Original: "original",
    Repair: "repair",
}


def vocabulary_problems() -> list[str]:
    """Where :mod:`kbtool.fields` and these models disagree (empty when they agree)."""
    problems = []
    for cls, element in _ELEMENT_OF.items():
        named = [k for k, f in cls.model_fields.items() if f.json_schema_extra]
        listed = [f.key for f in fields.ELEMENTS[element]]
        if sorted(named) != sorted(listed):
            problems.append(f"<{element}>: model {cls.__name__} has {named}, fields.py {listed}")
    if set(fields.ELEMENTS) != set(_ELEMENT_OF.values()):
        problems.append(f"fields.py elements {sorted(fields.ELEMENTS)} without a model")
    if tuple(Severity) != fields.SEVERITIES or tuple(Status) != fields.STATUSES:
        problems.append("Severity/Status differ from fields.SEVERITIES/STATUSES")
    return problems


if vocabulary_problems():  # a field added to one and not the other: fail loudly, at once
    raise RuntimeError(
        "kbtool/fields.py and kbtool/model.py disagree: " + "; ".join(vocabulary_problems())
    )


def json_schema() -> dict[str, Any]:
    """JSON Schema of a category file, as committed in ``spec/learning.schema.json``."""
    schema = CategoryFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://kbtool.dev/spec/learning.schema.json"
    return schema
