"""The light entry reader: what every reader of a ``<learning>`` element needs, in one pass.

The index, the validation facts, the link graph and the scanner read entries through
:func:`read_entry`; :mod:`kbtool.entry_xml` turns an element into the full model (pydantic)
when one is wanted. lxml only, and only the element the caller already has: no pydantic, so
the search path stays light.

Texts are the element's text with XML comments and processing instructions left out,
stripped of white space at both ends; long fields keep their inner white space (the index's
tokenizer ignores it, snippets collapse it when shown).
"""

from __future__ import annotations

import sys

from kbtool.fields import BODY_TAGS
from kbtool.records import NamedTuple
from kbtool.xmlnodes import line_of, own_text

TYPE_CHECKING = False  # typing is imported for the type checker only (start-up)
if TYPE_CHECKING:
    from lxml import etree


class EntryLink(NamedTuple):
    """A reference of an entry: ``<references>`` children and ``<supersedes>``."""

    kind: str  # fix-report, learning, issue, link (the element name), or supersedes
    target: str  # the href, or the id (learning, supersedes); "" when missing
    label: str  # its text, white space collapsed
    line: int


class EntryView(NamedTuple):
    """One ``<learning>`` as read, without validation."""

    id: str  # the attribute as written ("" when missing)
    line: int
    severity: str | None  # attributes as written (None when missing)
    status: str | None
    versions: str | None  # the whole learning's PEP 440 ranges (kbtool.versionspec)
    title: str
    category: str
    date: str
    review_by: str
    description: str
    tags: list[str]
    symptoms: list[tuple[str, str | None]]  # (text, versions), empty texts left out
    body: str  # the long fields (kbtool.fields.BODY_TAGS) and reference labels
    links: list[EntryLink]
    hint: str  # the first solution step's prose, white space collapsed


def raw_text(el: etree._Element) -> str:
    """An element's text as written (no comments or PIs), without its tail."""
    # The element's own module is loaded by the time it exists; look it up without an
    # import statement, which costs more than the call itself here (~10 times an entry).
    if not len(el):  # no child nodes at all (either tree): .text is all of it
        return el.text or ""
    light = sys.modules.get("kbtool.lightxml")
    if light is not None and isinstance(el, light.Element):  # kbtool.lightxml's tree
        return "".join(el.itertext())
    tostring = sys.modules["lxml.etree"].tostring
    return str(tostring(el, method="text", encoding="unicode", with_tail=False))


def collapsed(el: etree._Element) -> str:
    """An element's text with every run of white space made one space."""
    return " ".join(raw_text(el).split())


def split_file_line(line: str) -> tuple[str, str]:
    """``"app/x.py - what changed"`` → ``("app/x.py", "what changed")``; the note may be empty."""
    for sep in (" - ", " — ", " – ", ": "):
        path, found, note = line.partition(sep)
        if found and path.strip() and " " not in path.strip():
            return path.strip(), note.strip()
    return line.strip(), ""


_PLAIN = {"title": 0, "category": 1, "date": 2, "review-by": 3}
_LINK_TAGS = frozenset(("references", "supersedes"))


def read_entry(el: etree._Element, *, texts: bool = True, links: bool | None = None) -> EntryView:
    """What the readers of an entry keep of one ``<learning>`` element.

    ``texts=False`` reads the attributes and the short fields only (title, category, date,
    review-by): what the validator's facts need; the long texts cost most. ``links``
    (default: as ``texts``) also reads the references and supersedes: what the link graph
    needs."""
    with_links = texts if links is None else links
    tags: list[str] = []
    symptoms: list[tuple[str, str | None]] = []
    found: list[EntryLink] = []
    body: list[str] = []
    plain: list[str | None] = [None, None, None, None]  # the first of each counts, as find()
    description: str | None = None
    hint: str | None = None
    for child in el.iterchildren("*"):
        tag = child.tag
        if tag in _PLAIN:
            if plain[_PLAIN[tag]] is None:
                plain[_PLAIN[tag]] = raw_text(child).strip()
        elif not texts and not (with_links and tag in _LINK_TAGS):
            continue
        elif tag == "description":
            if description is None:
                description = raw_text(child).strip()
        elif tag == "solution":
            # A step's prose and its <code> abut with no white space between them.
            body.append("\n".join(child.itertext()))  # type: ignore[arg-type]  # str in Python 3
            if hint is None:
                step = next(child.iterchildren("step"), None)
                if step is not None:
                    hint = " ".join(own_text(step).split())
        elif tag in BODY_TAGS:
            body.append(raw_text(child))
        elif tag == "symptoms":
            for s in child.iterchildren("symptom"):
                text = raw_text(s).strip()
                if text:
                    symptoms.append((text, s.get("versions")))
        elif tag == "tags":
            tags = [t for t in (raw_text(c).strip() for c in child.iterchildren("tag")) if t]
        elif tag == "references":
            for r in child.iterchildren("*"):
                target = r.get("ref") if r.tag == "learning" else r.get("href")
                label = collapsed(r)
                found.append(EntryLink(str(r.tag), target or "", label, line_of(r)))
                if label:
                    body.append(label)
        elif tag == "supersedes":
            label = collapsed(child)
            found.append(EntryLink("supersedes", child.get("ref", ""), label, line_of(child)))
    get = el.get
    return EntryView(  # by position (the fields' order): a sixth of the time of keywords
        get("id", ""),
        line_of(el),
        get("severity"),
        get("status"),
        get("versions"),
        plain[0] or "",
        plain[1] or "",
        plain[2] or "",
        plain[3] or "",
        description or "",
        tags,
        symptoms,
        "\n".join(body),
        found,
        hint or "",
    )
