"""spec/learning.xsd and the Pydantic models in kbtool/model.py describe the same format.

The test walks the XSD with lxml from ``<specification>`` and the models from ``CategoryFile``
side by side and reports every difference, in both directions: element and attribute names,
required or optional, repeated or single, fixed values and defaults, enumerations and value kinds.

Model conventions (``json_schema_extra``): ``xml`` names the element or attribute, ``attr`` marks
an attribute, ``item`` names the repeated child of a list container. A model field without ``xml``
holds the element's text; a model with a ``kind: Literal[...]`` field stands for a choice of
elements named by the literal values.
"""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal

import annotated_types
import pytest
from lxml import etree
from pydantic import BaseModel, Field
from pydantic.fields import FieldInfo

from kbtool import model
from kbtool.resources import xsd_path
from kbtool.safexml import make_parser

XS = "{http://www.w3.org/2001/XMLSchema}"
UNBOUNDED = 10**9
# Elements the models keep as serialized XML rather than model (see spec/README.md).
RAW_XML_FIELDS = {("Learning", "detectors"), ("Learning", "extras")}


# ------------------------------------------------------------------ the XSD side


@dataclass
class Particle:
    name: str
    min: int
    max: int
    decl: etree._Element


@dataclass
class Attr:
    name: str
    required: bool
    default: str | None
    fixed: str | None
    type: etree._Element | str | None


@dataclass
class Content:
    """What a complex type allows: attributes, child elements, text, wildcard, choice."""

    attrs: dict[str, Attr] = field(default_factory=dict)
    children: list[Particle] = field(default_factory=list)
    choice: list[Particle] | None = None  # a repeated choice of elements
    text: bool = False  # simple or mixed content
    simple_base: etree._Element | str | None = None
    wildcard: bool = False


class Xsd:
    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.types = {
            t.get("name"): t for t in root if t.tag in (f"{XS}complexType", f"{XS}simpleType")
        }
        self.groups = {g.get("name"): g for g in root.iterchildren(f"{XS}group")}
        self.elements = {e.get("name"): e for e in root.iterchildren(f"{XS}element")}

    def resolve(self, name: str | None) -> etree._Element | str | None:
        if name is None:
            return None
        if name.startswith("xs:"):
            return name
        return self.types[name]

    def type_of(self, decl: etree._Element) -> etree._Element | str | None:
        """The type of an element or attribute declaration: a named, inline or built-in type."""
        if decl.get("type"):
            return self.resolve(decl.get("type"))
        inline = decl.find(f"{XS}complexType")
        if inline is None:
            inline = decl.find(f"{XS}simpleType")
        return inline if inline is not None else "xs:anyType"

    def builtin_base(self, t: etree._Element | str | None) -> str:
        """The XSD built-in type a simple type (or simple content) derives from."""
        while not isinstance(t, str):
            assert t is not None
            if t.tag == f"{XS}complexType":
                t = self.content(t).simple_base
                continue
            restriction = t.find(f"{XS}restriction")
            assert restriction is not None, etree.tostring(t)
            t = self.resolve(restriction.get("base"))
        return t

    def facets(self, t: etree._Element | str | None, facet: str) -> list[str]:
        found: list[str] = []
        while t is not None and not isinstance(t, str):
            restriction = t.find(f"{XS}restriction")
            if restriction is None:
                break
            found += [f.get("value") for f in restriction.iterchildren(f"{XS}{facet}")]
            t = self.resolve(restriction.get("base"))
        return found

    def content(self, ct: etree._Element) -> Content:
        out = Content(text=ct.get("mixed") == "true")
        for part in ct:
            if part.tag == f"{XS}simpleContent":
                ext = part[0]
                out.text = True
                out.simple_base = self.resolve(ext.get("base"))
                self._attrs(ext, out)
            elif part.tag == f"{XS}complexContent":
                ext = part[0]
                base = self.content(self.types[ext.get("base")])
                out.attrs.update(base.attrs)
                out.children += base.children
                self._particles(ext, out)
                self._attrs(ext, out)
            elif part.tag in (f"{XS}sequence", f"{XS}all", f"{XS}choice", f"{XS}group"):
                self._particles(ct, out)
                break
        self._attrs(ct, out)
        return out

    def _attrs(self, holder: etree._Element, out: Content) -> None:
        for a in holder.iterchildren(f"{XS}attribute"):
            out.attrs[a.get("name")] = Attr(
                a.get("name"),
                a.get("use") == "required",
                a.get("default"),
                a.get("fixed"),
                self.type_of(a),
            )

    def _particles(self, holder: etree._Element, out: Content) -> None:
        for p in holder:
            if p.tag == f"{XS}element":
                out.children.append(
                    Particle(p.get("name"), _occurs(p, "minOccurs"), _occurs(p, "maxOccurs"), p)
                )
            elif p.tag in (f"{XS}sequence", f"{XS}all"):
                self._particles(p, out)
            elif p.tag == f"{XS}choice":
                inner = Content()
                self._particles(p, inner)
                out.choice = inner.children
            elif p.tag == f"{XS}any":
                out.wildcard = True
            elif p.tag == f"{XS}group":
                self._particles(self.groups[p.get("ref")], out)


def _occurs(el: etree._Element, name: str) -> int:
    value = el.get(name, "1")
    return UNBOUNDED if value == "unbounded" else int(value)


# ------------------------------------------------------------------ the model side


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(inner type, optional) for ``X | None``."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        assert len(args) == 1, annotation
        return args[0], True
    return annotation, False


def _list_item(annotation: Any) -> Any | None:
    return typing.get_args(annotation)[0] if typing.get_origin(annotation) is list else None


def _extra(f: FieldInfo) -> dict[str, Any]:
    extra = f.json_schema_extra
    return extra if isinstance(extra, dict) else {}


def _is_model(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, BaseModel)


def _default(f: FieldInfo) -> Any:
    value = f.get_default(call_default_factory=True)
    return value.value if isinstance(value, enum.Enum) else value


# ------------------------------------------------------------------ the comparison


class Drift:
    def __init__(self, xsd: Xsd) -> None:
        self.xsd = xsd
        self.problems: list[str] = []
        self.visited: set[str] = set()

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    # a model against the type of an element declaration
    def model(self, cls: type[BaseModel], decl: etree._Element, where: str) -> None:
        self.visited.add(cls.__name__)
        t = self.xsd.type_of(decl)
        if isinstance(t, str) or t.tag != f"{XS}complexType":
            self.fail(where, f"{cls.__name__} is a model but the XSD type is simple ({t})")
            return
        content = self.xsd.content(t)
        fields = cls.model_fields
        marked = {n: f for n, f in fields.items() if "xml" in _extra(f)}
        unmarked = [n for n in fields if n not in marked]

        # attributes, both ways
        model_attrs = {_extra(f)["xml"]: (n, f) for n, f in marked.items() if _extra(f).get("attr")}
        for name in sorted(set(content.attrs) - set(model_attrs)):
            self.fail(where, f"XSD attribute {name!r} has no field in {cls.__name__}")
        for name in sorted(set(model_attrs) - set(content.attrs)):
            self.fail(
                where,
                f"{cls.__name__}.{model_attrs[name][0]} names attribute {name!r}, "
                "which the XSD does not declare",
            )
        for name in sorted(set(model_attrs) & set(content.attrs)):
            self.attribute(content.attrs[name], *model_attrs[name], f"{where}/@{name}")

        # text content, both ways
        if content.text and not unmarked:
            self.fail(
                where,
                f"the XSD gives <{decl.get('name')}> text but {cls.__name__} has no text field",
            )
        if unmarked and not content.text and not content.choice:
            self.fail(
                where,
                f"{cls.__name__}.{unmarked[0]} holds text, but the XSD allows none in this element",
            )
        if len(unmarked) > 1:
            self.fail(where, f"{cls.__name__} has several text fields: {unmarked}")
        if content.text and unmarked and content.simple_base is not None:
            self.value(fields[unmarked[0]], content.simple_base, f"{where}/text()")

        # child elements, both ways
        model_elems = {
            _extra(f)["xml"]: (n, f) for n, f in marked.items() if not _extra(f).get("attr")
        }
        xsd_elems = {p.name: p for p in content.children}
        for name in sorted(set(xsd_elems) - set(model_elems)):
            self.fail(where, f"XSD element <{name}> has no field in {cls.__name__}")
        for name in sorted(set(model_elems) - set(xsd_elems)):
            self.fail(
                where,
                f"{cls.__name__}.{model_elems[name][0]} names element <{name}>, "
                "which the XSD does not declare here",
            )
        for p in content.children:
            if p.name in model_elems:
                self.element(cls, *model_elems[p.name], p, f"{where}/{p.name}")

    def attribute(self, attr: Attr, fname: str, f: FieldInfo, where: str) -> None:
        _inner, optional = _unwrap(f.annotation)
        if attr.required != f.is_required():
            self.fail(
                where, f"required in the XSD: {attr.required}; in the model: {f.is_required()}"
            )
        if attr.default is not None and _default(f) != attr.default:
            self.fail(where, f"XSD default {attr.default!r}, model default {_default(f)!r}")
        if attr.default is None and not attr.required and not optional:
            self.fail(where, "optional without a default in the XSD, so the model needs None")
        self.value(f, attr.type, where)

    def value(self, f: FieldInfo, t: etree._Element | str | None, where: str) -> None:
        """A field holding a simple value against the XSD simple type."""
        inner, _ = _unwrap(f.annotation)
        inner = _list_item(inner) or inner
        enums = self.xsd.facets(t, "enumeration")
        base = self.xsd.builtin_base(t)
        if isinstance(inner, type) and issubclass(inner, enum.Enum):
            values = {m.value for m in inner}
            if set(enums) != values:
                self.fail(
                    where,
                    f"enumeration differs: XSD {sorted(enums)}, {inner.__name__} {sorted(values)}",
                )
        elif enums:
            self.fail(where, f"the XSD enumerates {sorted(enums)} but the model type is {inner}")
        if (base == "xs:date") != (inner is dt.date):
            self.fail(where, f"XSD base type {base}, model type {inner}")
        if base in ("xs:integer", "xs:positiveInteger", "xs:nonNegativeInteger") or inner is int:
            ge = next((m.ge for m in f.metadata if isinstance(m, annotated_types.Ge)), None)
            want = {"xs:positiveInteger": 1, "xs:nonNegativeInteger": 0}.get(base)
            if inner is not int or ge != want:
                self.fail(where, f"XSD {base}, model {inner} with ge={ge}")

    def element(
        self, owner: type[BaseModel], fname: str, f: FieldInfo, p: Particle, where: str
    ) -> None:
        inner, optional = _unwrap(f.annotation)
        item_type = _list_item(inner)
        item_name = _extra(f).get("item")
        raw = (owner.__name__, fname) in RAW_XML_FIELDS

        if item_name:  # <container><item/>…</container>
            if item_type is None:
                self.fail(where, "has 'item' but is not a list")
                return
            if p.max != 1:
                self.fail(where, "a list container must appear at most once")
            box = self.xsd.type_of(p.decl)
            assert not isinstance(box, str)
            content = self.xsd.content(box)
            if [c.name for c in content.children] != [item_name] or content.attrs or content.text:
                self.fail(
                    where,
                    f"the container should hold only <{item_name}>, XSD has "
                    f"{[c.name for c in content.children]}",
                )
                return
            item = content.children[0]
            if item.max != UNBOUNDED:
                self.fail(f"{where}/{item_name}", "the model holds a list, the XSD allows one")
            # an empty list is written either as no container or as an empty one
            if not ((p.min == 0 and item.min >= 1) or (p.min >= 1 and item.min == 0)):
                self.fail(
                    where,
                    f"container minOccurs={p.min} and item minOccurs={item.min} "
                    "do not give one way to write an empty list",
                )
            if f.is_required():
                self.fail(where, "a list field must default to empty")
            self.item(item_type, item.decl, f, raw, f"{where}/{item_name}")
        elif item_type is not None:
            if f.is_required():
                self.fail(where, "a list field must default to empty")
            if p.max == UNBOUNDED:  # repeated element
                if p.min != 0:
                    self.fail(where, f"minOccurs={p.min}, but an empty list is allowed")
                self.item(item_type, p.decl, f, raw, where)
            elif p.max == 1:  # one element holding a choice or kept-as-is XML
                t = self.xsd.type_of(p.decl)
                assert not isinstance(t, str)
                content = self.xsd.content(t)
                if content.choice is not None:
                    self.choice(item_type, content.choice, where)
                elif content.wildcard and raw and item_type is str:
                    pass
                else:
                    self.fail(where, "the model holds a list, the XSD allows one element")
            else:
                self.fail(where, f"maxOccurs={p.max}: the model cannot bound a list")
        else:  # a single element
            if p.max != 1:
                self.fail(where, f"repeated in the XSD (maxOccurs={p.max}), single in the model")
            fixed = p.decl.get("fixed")
            required = p.min >= 1
            if fixed is not None:
                if _default(f) != fixed:
                    self.fail(where, f"XSD fixed value {fixed!r}, model default {_default(f)!r}")
                literal = typing.get_args(inner) if typing.get_origin(inner) is Literal else ()
                if literal != (fixed,):
                    self.fail(where, f"fixed {fixed!r} in the XSD, model type {inner}")
            elif required != f.is_required():
                self.fail(
                    where, f"required in the XSD: {required}; in the model: {f.is_required()}"
                )
            if not required and not optional:
                self.fail(where, "optional in the XSD, so the model needs None")
            if _is_model(inner):
                self.model(inner, p.decl, where)
            else:
                self.simple(f, p.decl, where)

    def item(
        self, item_type: Any, decl: etree._Element, f: FieldInfo, raw: bool, where: str
    ) -> None:
        t = self.xsd.type_of(decl)
        if _is_model(item_type):
            self.model(item_type, decl, where)
        elif raw:
            if item_type is not str or isinstance(t, str) or t.tag != f"{XS}complexType":
                self.fail(where, "kept-as-is XML should be a str of a complex XSD element")
        else:
            self.simple(f, decl, where)

    def simple(self, f: FieldInfo, decl: etree._Element, where: str) -> None:
        """A plain value: element text, or the one required attribute of an empty element."""
        t = self.xsd.type_of(decl)
        if isinstance(t, str) or t.tag == f"{XS}simpleType":
            self.value(f, t, where)
            return
        content = self.xsd.content(t)
        required = [a for a in content.attrs.values() if a.required]
        if content.text and not content.attrs:
            self.value(f, content.simple_base, where)
        elif not content.text and not content.children and len(content.attrs) == 1 and required:
            self.value(f, required[0].type, f"{where}/@{required[0].name}")
        else:
            self.fail(
                where,
                "a plain value in the model, but the XSD element has "
                f"attributes {sorted(content.attrs)} or children",
            )

    def choice(self, item_type: Any, options: list[Particle], where: str) -> None:
        """A tagged model (``kind: Literal[...]``) against a repeated choice of elements."""
        kind = item_type.model_fields.get("kind") if _is_model(item_type) else None
        kinds = set(typing.get_args(kind.annotation)) if kind else set()
        names = {o.name for o in options}
        if kinds != names:
            self.fail(
                where, f"choice of {sorted(names)} in the XSD, {item_type} kinds {sorted(kinds)}"
            )
        self.visited.add(getattr(item_type, "__name__", ""))
        for o in options:
            t = self.xsd.type_of(o.decl)
            assert not isinstance(t, str)
            content = self.xsd.content(t)
            attrs = [a for a in content.attrs.values() if a.required]
            if not content.text or len(content.attrs) != 1 or len(attrs) != 1:
                self.fail(
                    f"{where}/{o.name}",
                    "each choice should be text with one required attribute (the target)",
                )


@pytest.fixture(scope="module")
def xsd() -> Xsd:
    return Xsd(etree.parse(str(xsd_path()), make_parser()).getroot())


def _models() -> set[str]:
    return {
        name
        for name, obj in vars(model).items()
        if _is_model(obj) and obj.__module__ == model.__name__ and not name.startswith("_")
    }


def test_xsd_and_models_agree(xsd: Xsd) -> None:
    drift = Drift(xsd)
    assert set(xsd.elements) == {"specification"}, "one root element"
    drift.model(model.CategoryFile, xsd.elements["specification"], "/specification")
    assert drift.problems == [], "\n".join(drift.problems)
    assert drift.visited == _models(), "every model is reached from CategoryFile"


def _drift_after(edit: str, old: str, new: str) -> list[str]:
    text = xsd_path().read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    drift = Drift(Xsd(etree.fromstring(text.replace(old, new).encode(), make_parser())))
    drift.model(model.CategoryFile, drift.xsd.elements["specification"], "/specification")
    return drift.problems


@pytest.mark.parametrize(
    ("edit", "old", "new", "expected"),
    [
        (
            "element renamed",
            '<xs:element name="review-by"',
            '<xs:element name="review-date"',
            ["XSD element <review-date> has no field", "names element <review-by>"],
        ),
        (
            "required made optional",
            '<xs:element name="title" type="NonEmptyText"/>',
            '<xs:element name="title" type="NonEmptyText" minOccurs="0"/>',
            ["/title: required"],
        ),
        (
            "single made repeatable",
            '<xs:element name="review-by" type="Date" minOccurs="0"/>',
            '<xs:element name="review-by" type="Date" minOccurs="0" maxOccurs="unbounded"/>',
            ["repeated in the XSD"],
        ),
        (
            "list made single",
            '<xs:element name="cause" type="NonEmptyText" maxOccurs="unbounded"/>',
            '<xs:element name="cause" type="NonEmptyText"/>',
            ["the model holds a list"],
        ),
        (
            "enumeration grows",
            '<xs:enumeration value="archived"/>',
            '<xs:enumeration value="archived"/><xs:enumeration value="draft"/>',
            ["enumeration differs"],
        ),
        (
            "attribute added",
            '<xs:attribute name="severity" type="Severity"/>',
            '<xs:attribute name="severity" type="Severity"/>'
            '<xs:attribute name="owner" type="xs:string"/>',
            ["XSD attribute 'owner' has no field"],
        ),
        (
            "attribute made required",
            '<xs:attribute name="xpath" type="xs:string"/>',
            '<xs:attribute name="xpath" type="xs:string" use="required"/>',
            ["/@xpath: required"],
        ),
        (
            "default changed",
            'type="Status" default="active"',
            'type="Status" default="archived"',
            ["XSD default 'archived'"],
        ),
        (
            "choice grows",
            '<xs:element name="link" type="HrefRef"/>',
            '<xs:element name="link" type="HrefRef"/><xs:element name="commit" type="HrefRef"/>',
            ["choice of"],
        ),
        (
            "date made string",
            '<xs:element name="date" type="Date" minOccurs="0"/>',
            '<xs:element name="date" type="NonEmptyText" minOccurs="0"/>',
            ["XSD base type xs:string"],
        ),
    ],
)
def test_drift_is_detected(edit: str, old: str, new: str, expected: list[str]) -> None:
    """The comparison is real: each kind of XSD change is reported."""
    problems = "\n".join(_drift_after(edit, old, new))
    for fragment in expected:
        assert fragment in problems, f"{edit}: {fragment!r} not in:\n{problems}"


class _MoreSeverity(enum.StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    TRIVIAL = "trivial"


class _Owner(model.Learning):
    owner: str | None = Field(default=None, json_schema_extra={"xml": "owner"})


class _ReviewRequired(model.Learning):
    review_by: dt.date = Field(json_schema_extra={"xml": "review-by"})


class _OneTestCase(model.Learning):
    test_cases: str | None = Field(default=None, json_schema_extra={"xml": "test-case"})


class _TagItem(model.Learning):
    tags: list[str] = Field(
        default_factory=list, json_schema_extra={"xml": "tags", "item": "label"}
    )


class _Severity(model.Learning):
    severity: _MoreSeverity | None = Field(
        default=None, json_schema_extra={"xml": "severity", "attr": True}
    )


class _NoText(model.Symptom):
    text: str = Field(min_length=1, json_schema_extra={"xml": "text"})


@pytest.mark.parametrize(
    ("cls", "expected"),
    [
        (_Owner, "names element <owner>"),
        (_ReviewRequired, "/review-by: required in the XSD: False; in the model: True"),
        (_OneTestCase, "repeated in the XSD"),
        (_TagItem, "the container should hold only <label>"),
        (_Severity, "enumeration differs"),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_model_changes_are_detected(xsd: Xsd, cls: type[BaseModel], expected: str) -> None:
    """The other direction: a model that departs from the XSD is reported."""
    drift = Drift(xsd)
    learning = xsd.content(xsd.types["Learnings"]).children[0]
    drift.model(cls, learning.decl, "/learning")
    assert any(expected in p for p in drift.problems), drift.problems


def test_model_without_text_field_is_detected(xsd: Xsd) -> None:
    drift = Drift(xsd)
    symptom = xsd.content(xsd.types["Symptoms"]).children[0]
    drift.model(_NoText, symptom.decl, "/symptom")
    assert any("has no text field" in p for p in drift.problems), drift.problems
