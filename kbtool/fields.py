"""The field vocabulary of the learning format, in one place: every field's names and order.

A field has one key (the model's attribute, ``files_modified``), one XML name (the element or
attribute, ``files-modified``), the child element of a list container (``file``), the name
templates and fix reports use when it differs (``files``), and the heading people write
(``Files Modified``). Fields are listed per XML element in the XSD's order (attributes
first). Every table of names elsewhere is derived from here: the element order ``kbtool fmt``
writes, the index's body text, the import-report field names, the render context names, the
canonical names of legacy migration. :mod:`kbtool.model` takes its XML names from here and a
test checks the XSD agrees, so a field added to one and not the other fails.

Also here: the severities and statuses an entry may have, and the issue-URL rule.

Dependency-free (no pydantic, no lxml): the search path and every package read it cheaply.
"""

from __future__ import annotations


class Field:
    """One field of an element. (A plain class: a NamedTuple costs the search path's start-up
    more than this whole module.)"""

    __slots__ = ("attr", "body", "context", "item", "key", "label", "xml")

    def __init__(
        self,
        key: str,
        xml: str,
        *,
        item: str | None = None,
        attr: bool = False,
        context: str | None = None,
        label: str | None = None,
        body: bool = False,
    ) -> None:
        self.key = key
        """The model's attribute name."""
        self.xml = xml
        """The element (or, with ``attr``, the attribute) name."""
        self.item = item
        """The child element of a list container (``<tags><tag>``)."""
        self.attr = attr
        self.context = context
        """Its name in the template context and in fix reports, when it differs from ``key``."""
        self.label = label
        """How a heading names it (a fix report's ``## Files Modified``)."""
        self.body = body
        """Long text the search index keeps as the entry's body."""

    def __repr__(self) -> str:
        return f"Field({self.key!r}, {self.xml!r})"

    @property
    def short(self) -> str:
        """The template context / fix-report name (``files`` for ``files_modified``)."""
        return self.context or self.key

    @property
    def heading(self) -> str:
        return self.label or self.key.replace("_", " ").title()


_ = Field

#: Each element's fields, in the XSD's order (attributes first, then child elements).
ELEMENTS: dict[str, tuple[Field, ...]] = {
    "specification": (
        _("schema_version", "schema-version", attr=True),
        _("metadata", "metadata"),
        _("learnings", "learnings", item="learning"),
    ),
    "metadata": (
        _("name", "name"),
        _("type", "type"),
        _("category", "category"),
        _("version", "version"),
        _("last_updated", "last_updated"),
        _("description", "description"),
    ),
    "learning": (
        _("id", "id", attr=True),
        _("severity", "severity", attr=True),
        _("status", "status", attr=True),
        _("versions", "versions", attr=True),
        _("title", "title"),
        _("date", "date"),
        _("category", "category"),
        _("description", "description"),
        _("tags", "tags", item="tag"),
        _("symptoms", "symptoms", item="symptom"),
        _("root_causes", "root-causes", item="cause", body=True),
        _("five_whys", "five-whys", item="why", context="whys", body=True),
        _("solution", "solution", item="step", body=True),
        _("files_modified", "files-modified", item="file", context="files", body=True),
        _("verification", "verification", item="check", body=True),
        _("prevention", "prevention", item="item", body=True),
        _("test_cases", "test-case", body=True),
        _("references", "references"),
        _("supersedes", "supersedes"),
        _("review_by", "review-by"),
        _("detectors", "detectors", item="detector"),
        _("extras", "extras", body=True),
        _("provenance", "provenance"),
    ),
    "symptom": (_("versions", "versions", attr=True),),
    "why": (_("question", "question"), _("answer", "answer")),
    "step": (_("title", "title", attr=True), _("code", "code")),
    "code": (
        _("lang", "lang", attr=True),
        _("file", "file", attr=True),
        _("kind", "kind", attr=True),
    ),
    "provenance": (
        _("source", "source", attr=True),
        _("xpath", "xpath", attr=True),
        _("originals", "original"),
        _("repairs", "repair"),
    ),
    "original": (_("field", "field", attr=True),),
    "repair": (_("line", "line", attr=True),),
}
del _

LEARNING = ELEMENTS["learning"]
BY_KEY = {f.key: f for f in LEARNING}
BY_XML = {f.xml: f for f in LEARNING}
BY_SHORT = {f.short: f for f in LEARNING}


def field(element: str, key: str) -> Field:
    """The field ``key`` of ``element`` (KeyError when the vocabulary has no such field)."""
    for f in ELEMENTS[element]:
        if f.key == key:
            return f
    raise KeyError(f"{element}.{key}: not in kbtool/fields.py")


def child_order(element: str) -> tuple[str, ...]:
    """The child element names of ``element``, in the XSD's order."""
    return tuple(f.xml for f in ELEMENTS[element] if not f.attr)


def attribute_order(element: str) -> tuple[str, ...]:
    """The attribute names of ``element``, in the XSD's order."""
    return tuple(f.xml for f in ELEMENTS[element] if f.attr)


#: Elements of a ``<learning>`` the index keeps as body text.
BODY_TAGS = frozenset(f.xml for f in LEARNING if f.body)

#: Entry severities, most severe first (``model.Severity``); the first two fail a scan.
SEVERITIES = ("critical", "high", "medium", "low")
SEVERE = SEVERITIES[:2]
#: The words people write for each severity (front matter, legacy files), in SEVERITIES order.
SEVERITY_WORDS: dict[str, frozenset[str]] = {
    "critical": frozenset(
        [
            "critical",
            "crit",
            "blocker",
            "showstopper",
            "urgent",
            "emergency",
            "fatal",
            "highest",
            "p0",
            "sev0",
            "sev1",
            "sev-1",
            "s0",
            "s1",
            "critique",
            "kritisch",
        ]
    ),
    "high": frozenset(
        [
            "high",
            "major",
            "important",
            "severe",
            "serious",
            "p1",
            "sev2",
            "sev-2",
            "s2",
            "hoch",
            "haute",
            "elevee",
            "alta",
        ]
    ),
    "medium": frozenset(
        ["medium", "med", "moderate", "normal", "mid", "p2", "sev3", "sev-3", "s3"]
    ),
    "low": frozenset(
        [
            "low",
            "minor",
            "trivial",
            "cosmetic",
            "lowest",
            "p3",
            "p4",
            "sev4",
            "sev-4",
            "s4",
            "niedrig",
            "faible",
            "basse",
            "baja",
        ]
    ),
}

# A bare number is a level on the 1-5 scale incident tools use, 1 the most severe (as SEV1,
# and priority 1 is the highest); 0 is above it (SEV0, P0).
_SEVERITY_SCALE = {"0": "critical", "1": "critical", "2": "high", "3": "medium", "4": "low"}
_SEVERITY_SCALE["5"] = "low"


def severity_of(value: str) -> str | None:
    """The severity a person meant: ``CRITICAL``, ``P0_CRITICAL``, ``mission-critical``,
    ``SEV-1``, ``Sev 1``, ``1`` → ``critical``; None if unknown. The one reading of
    written severities (legacy files, fix reports, front matter)."""
    import re

    bare = value.strip()
    if bare in _SEVERITY_SCALE:
        return _SEVERITY_SCALE[bare]
    joined = re.sub(r"\b(sev|p|s)[\s_\-]+(\d)\b", r"\1\2", value.lower())  # "Sev 2" → "sev2"
    words = set(re.split(r"[^a-z0-9]+", joined))
    for level in SEVERITIES:
        if words & SEVERITY_WORDS[level]:
            return level
    return None


#: Entry statuses (``model.Status``), the default first.
STATUSES = ("active", "superseded", "archived", "proposed")

#: An issue or pull/merge request URL (GitHub, GitLab, Gitea, Jira): a ``<issue href>``.
ISSUE_URL = r"/(?:issues|pull|merge_requests)/\d+|/browse/[A-Z][A-Z0-9]+-\d+"


def reference_kind(url: str) -> str:
    """``issue`` for an issue or pull-request URL, else ``link``."""
    import re  # off the start-up path: re caches the compiled pattern

    return "issue" if re.search(ISSUE_URL, url) else "link"
