"""Pydantic models of the learning format; they mirror ``spec/learning.xsd``.

Each field names the XML element or attribute it mirrors in ``json_schema_extra``
(``xml``: the name; ``item``: the child element of a list container; ``attr``: an attribute),
and a test walks the XSD to check that the two agree.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kbtool.entry_xml import split_file_line as split_file_line  # its home is off pydantic
from kbtool.ids import ID_PATTERN as ID_PATTERN
from kbtool.ids import ID_RE as ID_RE
from kbtool.ids import id_problem

SCHEMA_VERSION = "1"


def _xml(name: str, *, item: str | None = None, attr: bool = False) -> dict[str, Any]:
    extra: dict[str, Any] = {"xml": name}
    if item:
        extra["item"] = item
    if attr:
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
    versions: str | None = Field(default=None, json_schema_extra=_xml("versions", attr=True))


class Why(_Model):
    question: str = Field(min_length=1, json_schema_extra=_xml("question"))
    answer: str = Field(min_length=1, json_schema_extra=_xml("answer"))


class CodeBlock(_Model):
    text: str
    lang: str | None = Field(default=None, json_schema_extra=_xml("lang", attr=True))
    # the file the code belongs in, and "bad" for the broken code the next block replaces
    file: str | None = Field(default=None, json_schema_extra=_xml("file", attr=True))
    kind: CodeKind | None = Field(default=None, json_schema_extra=_xml("kind", attr=True))


class Step(_Model):
    """A solution step: prose, then zero or more code blocks."""

    text: str = ""
    code: list[CodeBlock] = Field(default_factory=list, json_schema_extra=_xml("code"))
    # a short title for the step (else renderers take one from its first sentence)
    title: str | None = Field(default=None, json_schema_extra=_xml("title", attr=True))


ReferenceKind = Literal["fix-report", "learning", "issue", "link"]


class Reference(_Model):
    """``<fix-report href>``, ``<learning ref>``, ``<issue href>`` or ``<link href>``."""

    kind: ReferenceKind
    target: str = Field(min_length=1, description="href, or the id for kind 'learning'")
    label: str = ""


class Original(_Model):
    field: str = Field(json_schema_extra=_xml("field", attr=True))
    value: str


class Repair(_Model):
    line: int | None = Field(default=None, ge=1, json_schema_extra=_xml("line", attr=True))
    text: str


class Provenance(_Model):
    """Where a migrated or imported entry came from."""

    source: str = Field(json_schema_extra=_xml("source", attr=True))
    xpath: str | None = Field(default=None, json_schema_extra=_xml("xpath", attr=True))
    originals: list[Original] = Field(default_factory=list, json_schema_extra=_xml("original"))
    repairs: list[Repair] = Field(default_factory=list, json_schema_extra=_xml("repair"))


class Learning(_Model):
    """One learning entry (``<learning id="…">``)."""

    id: str = Field(pattern=ID_PATTERN, json_schema_extra=_xml("id", attr=True))
    severity: Severity | None = Field(default=None, json_schema_extra=_xml("severity", attr=True))
    status: Status = Field(default=Status.ACTIVE, json_schema_extra=_xml("status", attr=True))
    title: str = Field(min_length=1, json_schema_extra=_xml("title"))
    date: dt.date | None = Field(default=None, json_schema_extra=_xml("date"))  # None: unknown
    category: str = Field(min_length=1, json_schema_extra=_xml("category"))
    description: str = Field(min_length=1, json_schema_extra=_xml("description"))
    tags: list[str] = Field(default_factory=list, json_schema_extra=_xml("tags", item="tag"))
    symptoms: list[Symptom] = Field(
        default_factory=list, json_schema_extra=_xml("symptoms", item="symptom")
    )
    root_causes: list[str] = Field(
        default_factory=list, json_schema_extra=_xml("root-causes", item="cause")
    )
    five_whys: list[Why] = Field(
        default_factory=list, json_schema_extra=_xml("five-whys", item="why")
    )
    solution: list[Step] = Field(
        default_factory=list, json_schema_extra=_xml("solution", item="step")
    )
    files_modified: list[str] = Field(
        default_factory=list, json_schema_extra=_xml("files-modified", item="file")
    )
    verification: list[str] = Field(
        default_factory=list, json_schema_extra=_xml("verification", item="check")
    )
    prevention: list[str] = Field(
        default_factory=list, json_schema_extra=_xml("prevention", item="item")
    )
    test_cases: list[str] = Field(default_factory=list, json_schema_extra=_xml("test-case"))
    references: list[Reference] = Field(default_factory=list, json_schema_extra=_xml("references"))
    supersedes: list[str] = Field(default_factory=list, json_schema_extra=_xml("supersedes"))
    review_by: dt.date | None = Field(default=None, json_schema_extra=_xml("review-by"))
    detectors: list[str] = Field(
        default_factory=list,
        description="Each detector as its XML text (see spec/detectors.md)",
        json_schema_extra=_xml("detectors", item="detector"),
    )
    extras: list[str] = Field(
        default_factory=list,
        description="Kept-as-is material, each item one XML element as text",
        json_schema_extra=_xml("extras"),
    )
    provenance: Provenance | None = Field(default=None, json_schema_extra=_xml("provenance"))

    @field_validator("id")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        problem = id_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value


class Metadata(_Model):
    name: str = Field(min_length=1, json_schema_extra=_xml("name"))
    type: Literal["learnings"] = Field(default="learnings", json_schema_extra=_xml("type"))
    category: str = Field(min_length=1, json_schema_extra=_xml("category"))
    version: str | None = Field(default=None, json_schema_extra=_xml("version"))
    last_updated: dt.date | None = Field(default=None, json_schema_extra=_xml("last_updated"))
    description: str | None = Field(default=None, json_schema_extra=_xml("description"))


class CategoryFile(_Model):
    """One file under ``learnings/``: ``<specification>`` with metadata and entries."""

    schema_version: str = Field(
        default=SCHEMA_VERSION, json_schema_extra=_xml("schema-version", attr=True)
    )
    metadata: Metadata = Field(json_schema_extra=_xml("metadata"))
    learnings: list[Learning] = Field(
        default_factory=list, json_schema_extra=_xml("learnings", item="learning")
    )


def json_schema() -> dict[str, Any]:
    """JSON Schema of a category file, as committed in ``spec/learning.schema.json``."""
    schema = CategoryFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://kbtool.dev/spec/learning.schema.json"
    return schema
