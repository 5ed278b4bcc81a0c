"""Which elements of a legacy document are records: the three layouts, and catalogues.

- a whole file that is one record (``<learning>`` with problem/solution children);
- an envelope: a root with metadata and a container (any name) of records;
- report-style documents (``critical_fixes``, ``issue``, ``insight``): one record, or a
  list of records when their children are records;
- a catalogue (``index.xml``): paths to other files; recognised, never an entry.

An element is a record when it has a title and some content field, or two content fields
and a record-like name (``learning``, ``entry``, ``fix``, …) or an id. A document in which
no record is recognised is still read as one record, so nothing is silently left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from lxml import etree

from kbtool.migrate.legacy.repair import WRAPPER
from kbtool.migrate.legacy.vocabulary import (
    CATALOGUE_NAMES,
    PART_NAMES,
    RECORD_NAMES,
    field_of_name,
    normalise,
)
from kbtool.xmlnodes import elements, is_element, line_of, text_of

CONTENT_FIELDS = frozenset(
    {
        "description",
        "symptoms",
        "root_causes",
        "five_whys",
        "solution",
        "prevention",
        "files_modified",
        "verification",
        "lessons",
        "impact",
    }
)
_PATH_ATTRS = ("path", "href", "file", "src", "location", "ref")
_PATH_TEXT = re.compile(r"^[\w.\-/\\]+\.(?:xml|md)(?:#[\w\-]+)?$")

Kind = Literal["record", "envelope", "catalogue"]
_ABOUT = frozenset({"description"})  # what an envelope may say of itself besides a title


@dataclass
class Layout:
    kind: Kind
    records: list[etree._Element] = field(default_factory=list)
    metadata: list[etree._Element] = field(default_factory=list)  # envelope metadata blocks
    paths: list[tuple[str, int]] = field(default_factory=list)  # catalogue: (path, line)


def _is_metadata(el: etree._Element) -> bool:
    found = field_of_name(el.tag)
    return found is not None and found[0] == "metadata"


def _fields(el: etree._Element, skip: frozenset[int] = frozenset()) -> tuple[bool, set[str]]:
    """(has a title, the content fields) of an element.

    A metadata block may give the title (records keep title, date and category there), but
    not content: an envelope's metadata ``description`` describes the envelope.
    """
    title = any((field_of_name(str(a)) or ("",))[0] == "title" for a in el.attrib)
    content: set[str] = set()
    children = elements(el)
    if not children:  # a record written as attributes: <lesson title= problem= fix=/>
        for name in el.attrib:
            found = field_of_name(str(name))
            if found and found[0] in CONTENT_FIELDS and (el.get(name) or "").strip():
                content.add(found[0])
    for child in children:
        if id(child) in skip:
            continue
        if is_part(child):  # one record in pieces: the pieces' fields are the record's
            part_title, part_content = _fields(child)
            title, content = title or part_title, content | part_content
            continue
        found = field_of_name(child.tag)
        if found is None:
            continue
        if found[0] == "metadata":
            title = title or _fields(child)[0]
        elif found[0] == "title":
            title = title or bool(text_of(child).strip())
        elif found[0] in CONTENT_FIELDS:
            content.add(found[0])
    return title, content


def is_part(el: etree._Element) -> bool:
    """A piece of one record (``PART_NAMES``: ``part``, ``body``, …) that holds no record
    (``export/body/records/record`` is a container, not a part)."""
    return normalise(el.tag) in PART_NAMES and not _holds_records(el)


def _holds_records(el: etree._Element) -> bool:
    """Whether a record sits below ``el`` outside every field (a ``prevention``'s items are
    its items, not records)."""
    for child in elements(el):
        if is_record(child):
            return True
        if field_of_name(child.tag) is None and _holds_records(child):
            return True
    return False


def may_hold_records(el: etree._Element) -> bool:
    """Whether ``el`` can be a record or a container of records: a record-like name, a name
    that is no field, or a problem-like one (``problems/problem``, ``issues``). The children
    of other fields (``root_causes/cause``, ``best_practices/practice``,
    ``check_results/check``) are parts of one record."""
    if is_part(el):
        return False
    found = field_of_name(el.tag)
    return found is None or found[0] == "description" or normalise(el.tag) in RECORD_NAMES


def is_record(el: etree._Element) -> bool:
    if not may_hold_records(el):
        return False
    title, content = _fields(el)
    if title and content:
        return True
    named = normalise(el.tag) in RECORD_NAMES or field_of_name(el.tag) is None or "id" in el.attrib
    return len(content) >= 2 and named


def _catalogue_paths(root: etree._Element) -> list[tuple[str, int]]:
    paths = []
    for el in root.iter():
        if not is_element(el):
            continue
        for name in el.attrib:
            if normalise(str(name)) in _PATH_ATTRS:
                paths.append((el.get(name) or "", line_of(el)))
        if not elements(el):
            text = text_of(el).strip()
            if _PATH_TEXT.match(text):
                paths.append((text, line_of(el)))
    return [(p, line) for p, line in paths if p]


#: How deep containers of records may nest (``archive/year/quarter/month/week/entries``).
MAX_CONTAINER_DEPTH = 8


def _containers(el: etree._Element, layout: Layout, depth: int) -> None:
    """Collect records below a non-record element (containers up to ``MAX_CONTAINER_DEPTH``
    levels deep)."""
    for child in elements(el):
        if _is_metadata(child):
            layout.metadata.append(child)
        elif is_record(child):
            layout.records.append(child)
        elif depth < MAX_CONTAINER_DEPTH and (
            may_hold_records(child)
            or any(normalise(g.tag) in RECORD_NAMES for g in elements(child))
        ):
            _containers(child, layout, depth + 1)


def find_records(root: etree._Element, stem: str) -> Layout:
    """The layout of a parsed legacy document (``stem``: its file name without suffix)."""
    if normalise(root.tag) == WRAPPER.replace("-", "_"):
        layout = Layout("envelope")
        _containers(root, layout, 1)
        if not layout.records:
            layout.kind = "record"
            layout.records = [root]
        return layout
    direct = [c for c in elements(root) if not _is_metadata(c) and is_record(c)]
    own_title, own_content = _fields(root, frozenset(id(c) for c in direct))
    if _says_catalogue(root, stem) and (not direct or _pointer_records(direct)):
        paths = _catalogue_paths(root)
        if paths and not (own_title and own_content - {"description"}):
            return Layout("catalogue", paths=paths)
    # An envelope may hold one record and say what it is (its own title and description):
    # a record named as records are (learning, entry, …, no field's name) is not a part.
    entries = [d for d in direct if field_of_name(d.tag) is None]
    if direct and (len(direct) >= 2 or not own_content or (entries and own_content <= _ABOUT)):
        layout = Layout("envelope")
        _containers(root, layout, 0)
        return layout
    nested = Layout("envelope")
    _containers(root, nested, 0)
    if len(nested.records) >= 2 and not own_content - {"description"}:
        return nested  # groups of records (``section`` ×n): the root's text is the envelope's
    if (own_title and own_content) or len(own_content) >= 2:
        return Layout("record", records=[root])
    layout = Layout("envelope")
    _containers(root, layout, 0)
    if not layout.records:
        return Layout("record", records=[root])
    return layout


_CATALOGUE_TYPES = re.compile(r"\b(?:map|index|catalog(?:ue)?|manifest|registry|directory)\b", re.I)


def _says_catalogue(root: etree._Element, stem: str) -> bool:
    """A root or file named like a catalogue, or metadata whose ``type`` says it is one."""
    words = {*normalise(root.tag).split("_"), normalise(root.tag), stem.lower()}
    if words & CATALOGUE_NAMES:
        return True
    for block in (c for c in elements(root) if _is_metadata(c)):
        for child in elements(block):
            if normalise(child.tag) in ("type", "kind", "purpose") and _CATALOGUE_TYPES.search(
                text_of(child)
            ):
                return True
    return False


def _pointer_records(records: list[etree._Element]) -> bool:
    """Records that are pointers: most hold a path to another file and little else."""
    pointing = 0
    for record in records:
        paths = [c for c in elements(record) if normalise(c.tag) in _PATH_ATTRS]
        if any(_PATH_TEXT.match(text_of(p).strip()) for p in paths):
            pointing += 1
    return pointing * 2 > len(records)


def xpath_of(el: etree._Element) -> str:
    """``/learnings/entries/learning[3]`` by local names; a repair wrapper is left out."""
    steps = []
    node: etree._Element | None = el
    while node is not None:
        parent = node.getparent()
        name = etree.QName(node).localname
        if name == WRAPPER and parent is None:
            break
        if parent is not None:
            same = [c for c in parent if c.tag == node.tag]
            if len(same) > 1:
                name = f"{name}[{same.index(node) + 1}]"
        steps.append(name)
        node = parent
    return "/" + "/".join(reversed(steps))
