"""One legacy record → the fields of a canonical entry; everything else kept as extras.

Names go through ``vocabulary.field_of_name`` (exact, synonym or token rule); ``metadata``,
``meta`` and ``header`` are flattened onto the record; ``problem`` and ``solution`` are
looked inside one level (nested symptoms, causes, files, verification, code). Fields with
one value (title, date, description, …) take the most preferred name; the other names are
kept as extras. A value that does not parse (a date that is no date, a severity of
``maybe``) is kept as an extra too, and normalised values keep their original.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from lxml import etree

from kbtool.migrate.legacy.extras import Chain, ExtrasBuilder
from kbtool.migrate.legacy.layouts import is_part
from kbtool.migrate.legacy.text import (
    clean,
    clean_code,
    parse_date,
    split_bullets,
    split_commas,
    split_paths,
)
from kbtool.migrate.legacy.vocabulary import (
    CODE_NAMES,
    PROBLEM_TEXT_NAMES,
    STEP_NAMES,
    field_of_name,
    heading_field,
    is_category_name,
    normalise,
    normalise_severity,
    normalise_status,
    preference,
)
from kbtool.model import CodeBlock, Step, Symptom, Why
from kbtool.versionspec import versions_problem
from kbtool.xmlnodes import elements, is_element, line_of, text_of

SINGLE_FIELDS = frozenset(
    {"id", "title", "date", "category", "description", "severity", "status", "review_by"}
)
KEPT_CONCEPTS = frozenset({"impact", "alternatives"})  # recognised, but no canonical element
LESSON_RANK = 10_000  # a lesson is the description only when nothing else describes the record
# Parts of a structured item written first and without their name; the others are written
# "name: value", so no part loses its element name.
_PLAIN_PARTS = frozenset(
    {"title", "name", "description", "summary", "text", "details", "message", "location", "path"}
)
# On the record element itself these name the record (``<entry ref="R-19">``, ``<adr
# number="12">``); anywhere else ``ref`` is a reference and ``number`` a count.
_RECORD_ID_ATTRS = frozenset({"ref", "number", "no", "num", "nr"})
# List fields an attribute of a record may hold (``fix="…"``); references and files need
# their element (a line, an ``href``), lessons and impact are kept as they are.
_ATTRIBUTE_LISTS = frozenset(
    {"symptoms", "root_causes", "solution", "verification", "prevention", "test_cases"}
)
_PATH_ATTRS = ("path", "file", "src", "name", "href")
_NOTE_ATTRS = ("note", "change", "changes", "description", "what")
_HREF_ATTRS = ("href", "url", "path", "file", "src", "ref", "link")
_LANG_ATTRS = ("lang", "language")


@dataclass
class RawRef:
    """A reference as written; resolved to a typed reference (or kept) once ids exist."""

    text: str
    href: str | None
    line: int
    element: etree._Element | None  # None: one line of a text list inside ``container``
    container: etree._Element
    chain: tuple[etree._Element, ...]


@dataclass
class Draft:
    """What one record says, before ids, defaults and links are settled."""

    record: etree._Element
    id: str | None = None
    title: str | None = None
    date: dt.date | None = None
    category: str | None = None
    description: str | None = None
    severity: str | None = None
    status: str | None = None
    review_by: dt.date | None = None
    tags: list[str] = field(default_factory=list)
    symptoms: list[Symptom] = field(default_factory=list)
    root_causes: list[str] = field(default_factory=list)
    five_whys: list[Why] = field(default_factory=list)
    solution: list[Step] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    verification: list[str] = field(default_factory=list)
    prevention: list[str] = field(default_factory=list)
    test_cases: list[str] = field(default_factory=list)
    references: list[RawRef] = field(default_factory=list)
    supersedes: list[RawRef] = field(default_factory=list)
    originals: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extras: ExtrasBuilder = field(default_factory=ExtrasBuilder)
    mapped: Counter[str] = field(default_factory=Counter)
    kept_concepts: Counter[str] = field(default_factory=Counter)


@dataclass
class _Candidate:
    field: str
    rank: int
    seq: int
    how: str
    chain: tuple[etree._Element, ...]
    element: etree._Element | None = None  # the element, or the owner of ``attr``
    attr: str | None = None

    @property
    def owner(self) -> etree._Element:
        assert self.element is not None
        return self.element

    def raw(self) -> str:
        if self.attr is not None:
            return self.owner.get(self.attr) or ""
        return _text(self.owner)


def _leaf_text(el: etree._Element) -> str:
    return clean(_text(el))


#: Elements that mark up words inside a sentence: their text runs on with the text around
#: them (``Fix <code>x()</code> now``). Any other element inside a field is a block of its
#: own, so its text never runs into the next word (``<a>one</a>two`` is "one", "two").
_INLINE = frozenset(
    (
        *("a", "abbr", "b", "big", "cite", "code", "dfn", "em", "i", "kbd", "mark", "q", "s"),
        *("samp", "small", "span", "strike", "strong", "sub", "sup", "tt", "u", "var"),
    )
)
_BOUNDARY = "\x00"  # not a character XML text can hold
_RUN_ON = re.compile(r"(?<=\S)\x00+(?=\S)")


def _text(el: etree._Element) -> str:
    """All text inside ``el`` (comments and PIs excluded), block elements' text set apart
    by a line break where it would touch the text next to it; an inline link's target
    follows its text in parentheses (``the runbook (https://…)``)."""
    if not len(el):
        return el.text or ""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        parts.append(node.text or "")
        for child in node:
            if is_element(child):
                block = normalise(child.tag) not in _INLINE
                parts.append(_BOUNDARY if block else "")
                walk(child)
                href = _link_target(child)
                parts.append(f" ({href})" if href else "")
                parts.append(_BOUNDARY if block else "")
            parts.append(child.tail or "")

    walk(el)
    return _RUN_ON.sub("\n", "".join(parts)).replace(_BOUNDARY, "")


def _link_target(el: etree._Element) -> str | None:
    """The ``href`` of an inline ``<a>`` that its text does not already say, else None."""
    if normalise(el.tag) != "a":
        return None
    href = (el.get("href") or "").strip()
    return href if href and href != clean(_text(el)) else None


def _is_prose(el: etree._Element) -> bool:
    """Text with inline markup (``Calls to <code>fetch()</code> had <b>no</b> timeout``):
    every element inside is inline, so the whole is one text, never a list of parts. A
    code block (:func:`_is_code_block`) is not a word of a sentence."""
    inside = [c for c in el.iterdescendants() if is_element(c)]
    words_around = (el.text or "").strip() or any((c.tail or "").strip() for c in el)
    return (
        bool(inside)
        and bool(words_around)  # <why><q>…</q><a>…</a></why> is two parts, not a sentence
        and all(normalise(c.tag) in _INLINE and not _is_code_block(c) for c in inside)
    )


def _is_code_block(el: etree._Element) -> bool:
    """A ``<code>`` that is a block, not a word of a sentence: it names its language, has
    several lines, stands on a line of its own, or follows a colon (``Run this:<code>``)."""
    if normalise(el.tag) != "code":
        return False
    if _first_attr(el, _LANG_ATTRS) or "\n" in text_of(el).strip():
        return True
    previous, parent = el.getprevious(), el.getparent()
    before = previous.tail if previous is not None else parent.text if parent is not None else ""
    lines = (before or "").rsplit("\n", 1)
    on_its_own = (len(lines) > 1 or previous is None) and not lines[-1].strip()
    return on_its_own or (before or "").rstrip().endswith(":")


#: HTML that carries paragraphs and lists (wiki and HTML exports, agents writing HTML).
_HTML_BLOCK = frozenset(
    (
        *("p", "div", "br", "hr", "ul", "ol", "li", "dl", "dt", "dd", "pre", "blockquote"),
        *("h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "td", "th"),
    )
)


def _is_html(el: etree._Element) -> bool:
    """An HTML block (``<p>``, ``<ul>``…) holding only HTML: text, never fields."""
    return normalise(el.tag) in _HTML_BLOCK and all(
        normalise(c.tag) in _HTML_BLOCK | _INLINE for c in el.iterdescendants() if is_element(c)
    )


def _blocks(el: etree._Element) -> list[etree._Element]:
    """The element children that are parts of ``el``: none when ``el`` is prose."""
    return [] if _is_prose(el) else elements(el)


def _first_attr(el: etree._Element, names: Sequence[str]) -> tuple[str, str] | None:
    for name in el.attrib:
        key = normalise(str(name))
        if key in names:
            return str(name), el.get(name) or ""
    return None


class _Mapper:
    def __init__(self, record: etree._Element) -> None:
        self.record = record
        self.draft = Draft(record=record)
        self.singles: dict[str, list[_Candidate]] = {}
        self.seq = 0

    # ------------------------------------------------------------ keeping

    def keep(self, node: etree._Element, chain: Chain) -> None:
        if not is_element(node) and not chain:
            chain = (self.record,)
        self.draft.extras.add(node, chain)

    def keep_text(self, text: str | None, chain: Chain) -> None:
        if text and text.strip():
            self.draft.extras.add_text(text, chain or (self.record,))

    def keep_attributes(
        self, el: etree._Element, chain: Chain, consumed: Sequence[str] = ()
    ) -> None:
        names = [str(n) for n in el.attrib if normalise(str(n)) not in consumed]
        self.draft.extras.add_attributes(el, names, chain)

    # ------------------------------------------------------------ walking

    def run(self) -> Draft:
        self.attributes(self.record, ())
        self.walk(self.record, ())
        self.resolve_singles()
        return self.draft

    def attributes(self, el: etree._Element, chain: tuple[etree._Element, ...]) -> None:
        kept = []
        for name in el.attrib:
            found = field_of_name(str(name))
            if el is self.record and normalise(str(name)) in _RECORD_ID_ATTRS:
                found = ("id", "synonym")
            if found and found[0] in SINGLE_FIELDS:
                self.candidate(found[0], found[1], chain, el, attr=str(name))
            elif found and found[0] == "tags":
                self.draft.mapped[found[1]] += 1
                self.add_tags(split_commas(el.get(name) or ""))
            elif found and found[0] in _ATTRIBUTE_LISTS and (el.get(name) or "").strip():
                # <lesson fix="…" symptom="…"/>: the value is the list's one item (or its
                # bullet lines), as if written <fix>…</fix>
                item = etree.Element(str(name))
                item.text = el.get(name)
                self.list_field(found[0], found[1], item, chain)
            else:
                kept.append(str(name))
        self.draft.extras.add_attributes(el, kept, chain)

    def walk(self, parent: etree._Element, chain: tuple[etree._Element, ...]) -> None:
        """Map the children of ``parent`` (the record, or a metadata block flattened onto it)."""
        self.keep_text(parent.text, chain)
        for child in parent:
            if is_element(child):
                self.child(child, chain)
            else:
                self.keep(child, chain)
            self.keep_text(child.tail, chain)

    def child(self, el: etree._Element, chain: tuple[etree._Element, ...]) -> None:
        if is_part(el):  # one record in pieces: each piece flattened onto it
            self.draft.mapped["flattened"] += 1
            inner = (*chain, el)
            self.attributes(el, inner)
            self.walk(el, inner)
            return
        found = field_of_name(el.tag)
        heading = heading_field(el) if found is None else None
        if heading is not None:
            # <section name="Root Cause">: read as that field, its heading kept aside (as
            # a Markdown heading is); a copy without it, so it is no extra as well
            attr, target = heading
            self.draft.originals.append(("heading", el.get(attr) or ""))
            el = copy.deepcopy(el)
            del el.attrib[attr]
            found = (target, "token")
        if found is None:
            self.draft.mapped["extras"] += 1
            self.keep(el, chain)
            return
        name, how = found
        if name == "metadata":
            self.draft.mapped["flattened"] += 1
            inner = (*chain, el)
            self.attributes(el, inner)
            self.walk(el, inner)
        elif name in SINGLE_FIELDS:
            self.candidate(name, how, chain, el)
        elif name == "lessons":  # the description when there is none, else prevention
            self.candidate("description", how, chain, el, rank=LESSON_RANK)
        elif name in KEPT_CONCEPTS:
            self.draft.mapped["extras"] += 1
            self.draft.kept_concepts[name] += 1
            self.keep(el, chain)
        else:
            self.list_field(name, how, el, chain)

    def candidate(
        self,
        name: str,
        how: str,
        chain: tuple[etree._Element, ...],
        el: etree._Element,
        attr: str | None = None,
        rank: int | None = None,
    ) -> None:
        self.seq += 1
        if rank is None:
            rank = preference(name, attr if attr is not None else str(el.tag))
        self.singles.setdefault(name, []).append(
            _Candidate(name, rank, self.seq, how, chain, el, attr)
        )

    # ------------------------------------------------------------ one-value fields

    def resolve_singles(self) -> None:
        self.resolve_description()
        for name in sorted(self.singles):
            if name == "description":
                continue
            taken = False
            for cand in sorted(self.singles[name], key=lambda c: (c.rank, c.seq)):
                if not taken and self.take(cand):
                    taken = True
                    self.draft.mapped[cand.how] += 1
                    continue
                self.draft.mapped["extras"] += 1
                if cand.attr is not None:
                    self.draft.extras.add_attributes(cand.owner, [cand.attr], cand.chain)
                else:
                    self.keep(cand.owner, cand.chain)

    def resolve_description(self) -> None:
        """Every text that describes the problem, in order of preference, as paragraphs of
        one description; a lesson (insight, takeaway) is the description only when nothing
        else describes the record, else a prevention item."""
        for cand in sorted(self.singles.get("description", ()), key=lambda c: (c.rank, c.seq)):
            if cand.rank >= LESSON_RANK and self.draft.description:
                self.list_field("prevention", cand.how, cand.owner, cand.chain)
            elif self.take(cand):
                self.draft.mapped[cand.how] += 1
            else:
                self.draft.mapped["extras"] += 1
                if cand.attr is not None:
                    self.draft.extras.add_attributes(cand.owner, [cand.attr], cand.chain)
                else:
                    self.keep(cand.owner, cand.chain)

    def take(self, cand: _Candidate) -> bool:
        value = clean(cand.raw())
        if cand.field == "description" and cand.attr is None:
            return self.problem(cand.owner, cand.chain)
        if cand.field == "description" and value and self.draft.description:
            self.draft.description += "\n\n" + value
            return True
        if not value or not self.set_single(cand.field, value):
            return False
        if cand.attr is None:
            self.keep_attributes(cand.owner, cand.chain)
            self.keep_inside(cand.owner, (*cand.chain, cand.owner))
        return True

    def keep_inside(self, el: etree._Element, chain: Chain) -> None:
        """What a field taken as its text leaves behind: comments and processing
        instructions at any depth, and the attributes of the elements inside it
        (``<title>See <ref id="L001"/></title>``)."""
        for c in el:
            if not is_element(c):
                self.keep(c, chain)
                continue
            if c.attrib:
                self.keep_attributes(c, chain, ("href",) if _link_target(c) else ())
            self.keep_inside(c, (*chain, c))

    def set_single(self, name: str, value: str) -> bool:
        draft = self.draft
        if name in ("date", "review_by"):
            parsed = parse_date(value)
            if parsed is None:
                return False
            if not parsed[1]:
                draft.originals.append((name.replace("_", "-"), value))
            setattr(draft, name, parsed[0])
            return True
        if name == "severity":
            level = normalise_severity(value)
            if level is None:
                return False
            if level != value:
                draft.originals.append(("severity", value))
            draft.severity = level
            return True
        if name == "status":
            status = normalise_status(value)
            if status is None:
                return False
            if status != value or status == "active":  # "active" is never written out
                draft.originals.append(("status", value))
            draft.status = status
            return True
        if name == "category" and not is_category_name(value):
            draft.notes.append("a list of categories, not a category: kept as tags")
            self.add_tags(split_commas(value))
            return True
        setattr(draft, name, value)
        return True

    def problem(self, el: etree._Element, chain: tuple[etree._Element, ...]) -> bool:
        """The description, looking one level inside a structured ``<problem>``."""
        inner = (*chain, el)
        self.keep_attributes(el, chain)
        if _is_prose(el):
            self.keep_inside(el, inner)
            text = _leaf_text(el)
            previous = self.draft.description
            self.draft.description = f"{previous}\n\n{text}" if previous else text
            return bool(text)
        parts = [clean(el.text)]
        for child in el:
            if not is_element(child):
                self.keep(child, inner)
            elif _is_html(child) or (  # <p>, <ul><li>, <pre>: paragraphs too
                normalise(child.tag) in PROBLEM_TEXT_NAMES and not _blocks(child)
            ):
                self.keep_attributes(child, inner)
                parts.append(_leaf_text(child))
                self.keep_inside(child, (*inner, child))
                self.draft.mapped["inside"] += 1
            else:
                found = field_of_name(child.tag)
                if found and found[0] == "title" and not _blocks(child):
                    self.candidate("title", "inside", inner, child)
                elif found and found[0] not in SINGLE_FIELDS | KEPT_CONCEPTS | {"metadata"}:
                    self.list_field(found[0], "inside", child, inner)
                else:
                    self.draft.mapped["extras"] += 1
                    self.keep(child, inner)
            parts.append(clean(child.tail))
        text = "\n\n".join(p for p in parts if p)
        if not text:
            return bool(elements(el))  # its parts went to their fields: nothing left to keep
        previous = self.draft.description
        self.draft.description = f"{previous}\n\n{text}" if previous else text
        return True

    # ------------------------------------------------------------ lists

    def list_field(
        self, name: str, how: str, el: etree._Element, chain: tuple[etree._Element, ...]
    ) -> None:
        self.draft.mapped[how] += 1
        draft = self.draft
        if name == "tags":
            self.keep_attributes(el, chain)
            if _blocks(el):
                self.add_tags([text for text, _ in self.items(el, chain, fold=False) if text])
            else:
                self.add_tags(split_commas(_leaf_text(el)))
                self.keep_inside(el, (*chain, el))
        elif name == "symptoms":
            for text, item in self.items(el, chain, consumed=("versions",), fold=False):
                if not text:
                    continue
                versions = item.get("versions") if item is not el else None
                if versions is not None and versions_problem(versions) is not None:
                    draft.originals.append(("versions", versions))  # not PEP 440: kept aside
                    versions = None
                draft.symptoms.append(Symptom(text=text, versions=versions or None))
        elif name in ("root_causes", "five_whys"):
            self.causes(el, chain)
        elif name == "solution":
            self.solution(el, chain)
        elif name == "files_modified":
            self.files(el, chain)
        elif name in ("verification", "prevention", "test_cases"):
            getattr(draft, name).extend(text for text, _ in self.items(el, chain) if text)
        elif name in ("references", "supersedes"):
            getattr(draft, name).extend(self.refs(el, chain))
        else:  # pragma: no cover - every list field is handled above
            self.keep(el, chain)

    def items(
        self,
        el: etree._Element,
        chain: tuple[etree._Element, ...],
        consumed: Sequence[str] = (),
        fold: bool = True,
    ) -> list[tuple[str, etree._Element]]:
        """The items of a list: child elements, bullet lines, or the whole text."""
        children = _blocks(el)
        inner = (*chain, el)
        if not children:
            self.keep_attributes(el, chain, consumed)
            self.keep_inside(el, inner)
            text = _leaf_text(el)
            bullets = split_bullets(text)
            return [(t, el) for t in (bullets if bullets is not None else [text] if text else [])]
        self.keep_attributes(el, chain)
        out: list[tuple[str, etree._Element]] = []
        out.extend((t, el) for t in self.text_items(el.text))
        for child in el:
            if not is_element(child):
                self.keep(child, inner)
            else:
                out.extend(self.item(child, inner, consumed, fold))
            out.extend((t, el) for t in self.text_items(child.tail))
        return out

    def item(
        self,
        child: etree._Element,
        chain: tuple[etree._Element, ...],
        consumed: Sequence[str],
        fold: bool = True,
    ) -> list[tuple[str, etree._Element]]:
        """One list item; a structured one (named parts) becomes one text in which every
        part but the plain ones (title, description, …) keeps its name: ``a - b (action:
        modify; impact: HIGH)``. Attributes are parts too (``fold``), so no empty shell of
        the item is left in the extras."""
        if _is_prose(child):  # one sentence with inline markup: one text
            named = _attribute_parts(child, consumed) if fold else []
            if not fold:
                self.keep_attributes(child, chain, consumed)
            self.keep_inside(child, (*chain, child))
            text = _glue([*named, ("text", _leaf_text(child))])
            return [(text, child)] if text else []
        grandchildren = elements(child)
        names = [normalise(g.tag) for g in grandchildren]
        structured = len(set(names)) == len(names) and all(not _blocks(g) for g in grandchildren)
        if not grandchildren or structured:
            parts: list[tuple[str, str]] = []
            if fold:
                parts += _attribute_parts(child, consumed)
            else:
                self.keep_attributes(child, chain, consumed)
            parts.append(("text", clean(child.text)))
            for g in child:
                if not is_element(g):
                    self.keep(g, (*chain, child))
                else:
                    parts += _attribute_parts(g, ())
                    parts.append((etree.QName(g).localname, _leaf_text(g)))
                    self.keep_inside(g, (*chain, child, g))
                parts.append(("text", clean(g.tail)))
            text = _glue(parts)
            return [(text, child)] if text or (child.attrib and not grandchildren) else []
        return self.items(child, chain, consumed)

    @staticmethod
    def text_items(text: str | None) -> list[str]:
        value = clean(text)
        if not value:
            return []
        bullets = split_bullets(value)
        return bullets if bullets is not None else [value]

    def add_tags(self, tags: list[str]) -> None:
        draft = self.draft
        for raw in tags:
            tag = "-".join(raw.split())
            if len(tag) > 64:
                draft.notes.append(f"tag longer than 64 characters kept as an extra: {raw[:40]}…")
                keep = etree.Element("tag")
                keep.text = raw
                draft.extras.add(keep, ())
                continue
            if tag != raw:
                draft.originals.append(("tag", raw))
            if tag.casefold() in (t.casefold() for t in draft.tags):
                draft.originals.append(("tag", f"{raw} (repeated)"))
                continue
            draft.tags.append(tag)

    def files(self, el: etree._Element, chain: tuple[etree._Element, ...]) -> None:
        """File lines: ``path - note - text``, from an item's attributes and text. The
        list's own attributes (``<files_affected file="a.py">what changed</…>``) belong to
        its first line, or make one of their own when it has no text."""
        named = _PATH_ATTRS + _NOTE_ATTRS
        found = self.items(el, chain, consumed=named)
        if not found and any(normalise(str(a)) in named for a in el.attrib):
            found = [("", el)]
        for index, (text, item) in enumerate(found):
            own = item is not el or index == 0  # the attributes this line carries
            attrs = [(str(a), item.get(a) or "") for a in item.attrib] if own else []
            attrs = [(a, v) for a, v in attrs if normalise(a) in named and v]
            path = _first_attr(item, _PATH_ATTRS) if own else None
            if path is None and not attrs:
                split = split_paths(text)
                self.draft.files.extend(split if split else [text] if text else [])
                continue
            note = _first_attr(item, _NOTE_ATTRS) if own else None
            used = {path[0] if path else "", note[0] if note else ""}
            head = " - ".join(
                p for p in (path[1] if path else "", note[1] if note else "", text) if p
            )
            # a second path or note attribute (name= beside path=) is a part too
            self.draft.files.append(
                _glue([("text", head), *(p for p in attrs if p[0] not in used)])
            )

    def causes(self, el: etree._Element, chain: tuple[etree._Element, ...]) -> None:
        """Root causes, or a why chain when whys carry a question and an answer."""
        inner = (*chain, el)
        if not elements(el):
            self.draft.root_causes.extend(t for t, _ in self.items(el, chain) if t)
            return
        self.keep_attributes(el, chain)
        self.draft.root_causes.extend(self.text_items(el.text))
        for child in el:
            if not is_element(child):
                self.keep(child, inner)
            elif (why := self.why(child, inner)) is not None:
                self.draft.five_whys.append(why)
            else:
                self.draft.root_causes.extend(
                    t for t, _ in self.item(self.fixes(child, inner), inner, ()) if t
                )
            self.draft.root_causes.extend(self.text_items(child.tail))

    def fixes(self, cause: etree._Element, chain: tuple[etree._Element, ...]) -> etree._Element:
        """A cause's own fix (``cause/{title, description, fix}``) is a solution step; the
        cause without it is returned."""
        found = [g for g in elements(cause) if (field_of_name(g.tag) or ("",))[0] == "solution"]
        if not found:
            return cause
        for g in found:
            self.draft.mapped["inside"] += 1
            self.solution(g, (*chain, cause))
        trimmed = copy.deepcopy(cause)
        for g in [g for g in elements(trimmed) if (field_of_name(g.tag) or ("",))[0] == "solution"]:
            _remove_keeping_tail(trimmed, g)
        return trimmed

    def why_attributes(self, el: etree._Element, consumed: Sequence[str] = ()) -> None:
        """A why's attributes (``id="3"``) are kept in the provenance, not as empty shells."""
        for name in el.attrib:
            if normalise(str(name)) not in consumed:
                self.draft.originals.append((f"why-{name!s}", el.get(name) or ""))

    def why(self, el: etree._Element, chain: tuple[etree._Element, ...]) -> Why | None:
        parts = {_WHY_PARTS.get(normalise(c.tag), ""): c for c in elements(el)}
        question_attr = el.get("question")
        if "question" in parts and "answer" in parts and len(parts) == len(elements(el)) == 2:
            question, answer = _leaf_text(parts["question"]), _leaf_text(parts["answer"])
            if question and answer and not clean(el.text):
                self.why_attributes(el)
                for c in (parts["question"], parts["answer"]):
                    self.keep_attributes(c, (*chain, el))
                    self.keep_inside(c, (*chain, el, c))
                return Why(question=question, answer=answer)
        if question_attr and not elements(el) and _leaf_text(el):
            self.why_attributes(el, ("question",))
            self.keep_inside(el, (*chain, el))
            return Why(question=clean(question_attr), answer=_leaf_text(el))
        asked = _ASKED.match(_leaf_text(el)) if not elements(el) else None
        if asked and _WHY_NAME.match(normalise(el.tag)):
            # <why_2>Why did it not process the topic? Its consumer group was stuck.</why_2>
            self.why_attributes(el)
            self.keep_inside(el, (*chain, el))
            return Why(question=asked.group(1).strip(), answer=asked.group(2).strip())
        return None

    def solution(self, el: etree._Element, chain: tuple[etree._Element, ...]) -> None:
        """Steps from child elements or bullet text, with code blocks kept verbatim."""
        draft, inner = self.draft, (*chain, el)
        self.keep_attributes(el, chain)
        if not _blocks(el):
            self.keep_inside(el, inner)
            draft.solution.extend(Step(text=t) for t in self.text_items(_leaf_text(el)))
            return
        steps: list[Step] = [Step(text=t) for t in self.text_items(el.text)]
        for child in el:
            if not is_element(child):
                self.keep(child, inner)
            else:
                self.solution_child(child, inner, steps)
            steps.extend(Step(text=t) for t in self.text_items(child.tail))
        draft.solution.extend(steps)

    def solution_child(
        self, child: etree._Element, chain: tuple[etree._Element, ...], steps: list[Step]
    ) -> None:
        name, found = normalise(child.tag), field_of_name(child.tag)
        grandchildren = elements(child)
        if _names_file(child) or (grandchildren and all(_names_file(g) for g in grandchildren)):
            # changes_made/change[@file]: the files modified, each with its parts named
            self.draft.mapped["inside"] += 1
            if _names_file(child):
                holder = etree.Element("files")
                holder.append(copy.deepcopy(child))
                self.files(holder, chain)
            else:
                self.files(child, chain)
        elif name in CODE_NAMES and not grandchildren:
            code = self.code(child, chain)
            if steps:
                steps[-1].code.append(code)
            else:
                steps.append(Step(text="", code=[code]))
            self.draft.mapped["inside"] += 1
        elif name in STEP_NAMES and all(
            normalise(g.tag) in CODE_NAMES and not elements(g) for g in grandchildren
        ):
            self.keep_attributes(child, chain)
            inner = (*chain, child)
            parts = [clean(child.text)]
            codes = []
            for g in child:
                if is_element(g):
                    codes.append(self.code(g, inner))
                else:
                    self.keep(g, inner)
                parts.append(clean(g.tail))
            steps.append(Step(text="\n\n".join(p for p in parts if p), code=codes))
            self.draft.mapped["inside"] += 1
        elif (found is None or found[0] == "solution") and _one_step(grandchildren):
            # <corrective_action><what/><due/></…>: named parts of one step, kept by name
            self.draft.mapped["inside"] += 1
            steps.extend(Step(text=t) for t, _ in self.item(child, chain, ()) if t)
        elif found and found[0] == "solution":
            self.draft.mapped["inside"] += 1
            before = len(self.draft.solution)
            self.solution(child, chain)
            steps.extend(self.draft.solution[before:])
            del self.draft.solution[before:]
        elif found and found[0] not in SINGLE_FIELDS | KEPT_CONCEPTS | {"metadata"}:
            self.list_field(found[0], "inside", child, chain)
        elif (found is None or (found[0] in SINGLE_FIELDS and grandchildren)) and (
            grandchildren or clean(child.text)
        ):
            # a part of the solution under a name of its own (phase/stage/task, a step's
            # details, <corrective_action><what/><due/>): its steps, or one step
            self.draft.mapped["inside"] += 1
            if not grandchildren:
                steps.extend(Step(text=t) for t, _ in self.item(child, chain, ()) if t)
            else:
                before = len(self.draft.solution)
                self.solution(child, chain)
                steps.extend(self.draft.solution[before:])
                del self.draft.solution[before:]
        else:
            self.draft.mapped["extras"] += 1
            self.keep(child, chain)

    def code(self, el: etree._Element, chain: tuple[etree._Element, ...]) -> CodeBlock:
        lang = _first_attr(el, _LANG_ATTRS)
        self.keep_attributes(el, chain, (normalise(lang[0]),) if lang else ())
        for c in el:
            self.keep(c, (*chain, el))
        return CodeBlock(text=clean_code(text_of(el)), lang=lang[1] if lang else None)

    def refs(self, el: etree._Element, chain: tuple[etree._Element, ...]) -> list[RawRef]:
        out: list[RawRef] = []
        inner = (*chain, el)
        children = elements(el)
        if not children:
            href = _first_attr(el, _HREF_ATTRS)
            self.keep_attributes(el, chain, (normalise(href[0]),) if href else ())
            self.keep_inside(el, (*chain, el))
            text = _leaf_text(el)
            if href is not None:
                return [RawRef(text, href[1], line_of(el), el, el, chain)]
            lines = _ref_lines(text)
            return [RawRef(line, None, line_of(el), None, el, chain) for line in lines]
        self.keep_attributes(el, chain)
        for line in _ref_lines(clean(el.text)):
            out.append(RawRef(line, None, line_of(el), None, el, chain))
        for child in el:
            if not is_element(child):
                self.keep(child, inner)
            elif elements(child):
                out.extend(self.refs(child, inner))
            else:
                href = _first_attr(child, _HREF_ATTRS)
                self.keep_attributes(child, inner, (normalise(href[0]),) if href else ())
                self.keep_inside(child, (*inner, child))
                out.append(
                    RawRef(
                        _leaf_text(child),
                        href[1] if href else None,
                        line_of(child),
                        child,
                        el,
                        chain,
                    )
                )
            for line in _ref_lines(clean(child.tail)):
                out.append(RawRef(line, None, line_of(el), None, el, chain))
        return [r for r in out if r.text or r.href]


_FILE_ATTRS = ("file", "path", "filename", "file_path", "filepath")


def _remove_keeping_tail(parent: etree._Element, child: etree._Element) -> None:
    """Remove ``child`` but not the text after it (lxml's ``remove`` drops its tail too):
    the tail joins the text before it, on a line of its own where the two would touch."""
    if child.tail:
        before = child.getprevious()
        head = (parent.text if before is None else before.tail) or ""
        gap = "\n" if head and not head[-1].isspace() and not child.tail[0].isspace() else ""
        if before is None:
            parent.text = head + gap + child.tail
        else:
            before.tail = head + gap + child.tail
    parent.remove(child)


# The two parts of a why, as people name them (``<why><q>…</q><a>…</a></why>``).
_WHY_PARTS = {
    **dict.fromkeys(("question", "q", "ask", "asked", "why_question"), "question"),
    **dict.fromkeys(("answer", "a", "because", "response", "why_answer"), "answer"),
}


_WHY_NAME = re.compile(r"^why(?:_?\d+)?$")
_ASKED = re.compile(r"^(Why\b[^?\n]*\?)\s+(\S[\s\S]*)$", re.I)


def _one_step(parts: list[etree._Element]) -> bool:
    """Two or more leaves of different names none of which is a step, code or field of its
    own (``what``, ``due``, ``owner``): the named parts of one step."""
    names = {normalise(p.tag) for p in parts}
    return (
        len(names) == len(parts) >= 2
        and not any(_blocks(p) for p in parts)
        and not names & (STEP_NAMES | CODE_NAMES)
        and not any(field_of_name(p.tag) for p in parts)
    )


def _names_file(el: etree._Element) -> bool:
    return _first_attr(el, _FILE_ATTRS) is not None


def _attribute_parts(el: etree._Element, consumed: Sequence[str]) -> list[tuple[str, str]]:
    return [
        (str(name), el.get(name) or "")
        for name in el.attrib
        if normalise(str(name)) not in consumed and (el.get(name) or "").strip()
    ]


def _glue(parts: list[tuple[str, str]]) -> str:
    """Named parts as one text: plain parts first, then ``(name: value; …)``."""
    plain = [t for n, t in parts if t and normalise(n) in _PLAIN_PARTS]
    named = [f"{n}: {t}" for n, t in parts if t and normalise(n) not in _PLAIN_PARTS]
    text = " - ".join(plain)
    if named and text:
        return f"{text} ({'; '.join(named)})"
    return text or "; ".join(named)


def _ref_lines(text: str) -> list[str]:
    """References written as text: bullet or separate lines, or ``;``-separated."""
    if not text:
        return []
    lines = split_bullets(text) or text.split("\n")
    return [part.strip() for line in lines for part in line.split(";") if part.strip()]


def map_record(record: etree._Element) -> Draft:
    """Map one record element (see the module docstring)."""
    return _Mapper(record).run()
