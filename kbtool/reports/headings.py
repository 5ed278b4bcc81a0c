"""Fix-report headings: which field a section heading names, and the entry title.

Headings are compared normalised (lower case, no numbering, punctuation or emoji); the
variants real reports use are listed in ``docs/fix-reports.md``.
"""

from __future__ import annotations

import re

from kbtool import fields

# ------------------------------------------------------------------ headings


FIELD_ORDER = (
    "description",
    "symptoms",
    "whys",
    "root_causes",
    "solution",
    "verification",
    "files",
    "prevention",
    "references",
)
"""Field keys (``kbtool.fields.Field.short``), in the order the fix-report template writes them."""

XML_NAMES = {key: fields.BY_SHORT[key].xml for key in FIELD_ORDER}
"""Each field key's XML element (``files`` → ``files-modified``)."""

_GENRE_PREFIX = re.compile(
    r"^[^\w`\[(]*"  # an emoji before the label: "🐛 Fix: …"
    r"(?:(?:fix(?:es)?|hot-?fix|bug-?fix|bug|incident|rca|post-?mortem)"
    r"(?:\s+(?:report|review|summary|analysis))?"
    r"|(?:fix(?:es)?\s+)?(?:report|summary)|root\s+cause\s+analysis"
    r"|rapport\s+(?:de\s+correction|d'incident)|fehlerbericht|informe\s+de\s+incidente)"
    r"\s*(?::|\s[\-–—])\s*",
    re.IGNORECASE,
)
"""A genre label before the title (``Incident Report:``, ``Bug:``, ``RCA -``): a label needs
its colon or dash, so ``Fix duplicate alerts`` and ``Bug bounty …`` stay whole."""
_GENRE_SUFFIX = re.compile(
    r"[\s:\-–—]*\b(?:(?:fix(?:es)?|incident)\s+(?:report|summary)|write-?up|post-?mortem)$",
    re.IGNORECASE,
)
NUMBERING = re.compile(r"^\s*(?:step\s+)?(?:\d+|[ivx]+|[a-z])[.):]\s+", re.IGNORECASE)
_WORDS = re.compile(r"[a-z0-9]+")


def entry_title(report_title: str) -> str:
    """The entry's title from a report's: the genre words around it dropped
    (``"Fix Report: Pool exhausted"``, ``"Pool exhausted – Fix Summary"`` → ``"Pool exhausted"``),
    white space collapsed."""
    title = " ".join(report_title.split())
    return _GENRE_PREFIX.sub("", _GENRE_SUFFIX.sub("", title)) or title


def normalize_heading(plain: str) -> str:
    """``"2. Root Cause Analysis – Five Whys 🔍"`` → ``"root cause analysis five whys"``;
    accents folded (``"Problème"`` → ``"probleme"``, ``"Lösung"`` → ``"losung"``)."""
    import unicodedata

    text = NUMBERING.sub("", re.sub(r"^[\W_]+", "", plain))  # emoji, bold marks
    text = "".join(
        c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c)
    )
    return " ".join(_WORDS.findall(text))


# Headings of teams that write in French, German or Spanish, and plain-English phrasings.
_CAUSE_WORDS = {"cause", "causes", "ursache", "ursachen", "causa", "causas"}
_SOLUTION_WORDS = {"losung", "loesung", "behebung", "correctif", "solucion", "arreglo"}
_PROBLEM_WORDS = {"probleme", "problema", "fehler", "incident", "fehlerbild"}
_PREVENTION_WORDS = {"lessons", "lecons", "massnahmen", "vorbeugung", "prevencion"}
_PHRASES = {
    "what happened": "description",
    "what went wrong": "description",
    "summary": "description",
    "why": "root_causes",
    "what caused it": "root_causes",
    "what we did": "solution",
    "what was done": "solution",
    "what was changed": "solution",
    "actions taken": "solution",
    "steps taken": "solution",
    "what we changed": "solution",
    "how we fixed it": "solution",
    "how we checked": "verification",
    "how we tested": "verification",
    "how to verify": "verification",
    "follow up": "prevention",
    "follow ups": "prevention",
    "followups": "prevention",
    "next time": "prevention",
    "next steps": "prevention",
    # incident reviews, postmortems and issue trackers
    "description": "description",
    "overview": "description",
    "tl dr": "description",
    "tldr": "description",
    "steps to reproduce": "description",
    "how to reproduce": "description",
    "reproduction steps": "description",
    "expected vs actual": "symptoms",
    "expected behavior": "symptoms",
    "actual behavior": "symptoms",
    "expected behaviour": "symptoms",
    "actual behaviour": "symptoms",
    "detection": "symptoms",
    "how it was detected": "symptoms",
    "contributing factors": "root_causes",
    "contributing factor": "root_causes",
    "trigger": "root_causes",
    "triggers": "root_causes",
    "mitigation": "solution",
    "mitigations": "solution",
    "mitigation steps": "solution",
    "corrective actions": "prevention",
    "preventive actions": "prevention",
    "action items": "prevention",
    "key insight": "prevention",
    "key insights": "prevention",
    "test plan": "verification",
    "qa notes": "verification",
    "qa": "verification",
}
_GUESSED_CAUSE = {"possible", "potential", "common", "likely", "probable"}
"""Words that make a cause heading a runbook's list of guesses (``Possible Causes``), not
the cause of one failure."""


def field_of_heading(plain: str) -> str | None:
    """The field a section heading maps to, or None (kept as-is)."""
    h = normalize_heading(plain)
    words = set(h.split())
    if not h:
        return None
    if h in _PHRASES:
        return _PHRASES[h]
    if h.startswith("how we know"):  # "How we know it's fixed"
        return "verification"
    if words & _GUESSED_CAUSE and words & {"cause", "causes"}:
        return None
    if why_label(plain) is not None or "whys" in words or "why" in words:
        return "whys"
    if "root cause" in h or "root causes" in h or (words & _CAUSE_WORDS and len(words) <= 3):
        return "root_causes"
    if "files" in words or h in ("file changes", "changed files"):
        return "files"
    if h.startswith("related") or h in (
        "references",
        "see also",
        "links",
        "further reading",
        "cross references",
        "reference",
    ):
        return "references"
    if (
        words & {"prevention", "prevent", "preventing", "preventive", "guidelines", "takeaways"}
        or "lessons learned" in h
        or "best practices" in h
        or "recommendations" in words
        or (words & _PREVENTION_WORDS and len(words) <= 3)
    ):
        return "prevention"
    if words & {
        "verification",
        "verify",
        "verified",
        "verifying",
        "testing",
        "tests",
        "validation",
        "validated",
    } or h in ("test", "test results"):
        return "verification"
    if (
        words & {"symptom", "symptoms"}
        or "error message" in h
        or "error messages" in h
        or "errors observed" in h
        or "observed behavior" in h
        or "observed behaviour" in h
    ):
        return "symptoms"
    if words & {
        "solution",
        "solutions",
        "fix",
        "fixes",
        "remediation",
        "resolution",
        "implementation",
        "workaround",
        "changes",
        "change",
        *_SOLUTION_WORDS,
    }:
        return "solution"
    if h.split()[0] in ("fixed", "corrected", "updated", "new") and words & {
        "configuration",
        "config",
        "code",
        "settings",
        "version",
        "setup",
    }:
        return "solution"
    if words & {"problem", "bug", *_PROBLEM_WORDS} or h in (
        "issue",
        "the issue",
        "issue summary",
        "issue description",
        "issue statement",
    ):
        return "description"
    return None


_FAILURE_WORDS = frozenset(
    [
        "happen",
        "happened",
        "happens",
        "occur",
        "occurred",
        "occurs",
        "fail",
        "failed",
        "fails",
        "failing",
        "break",
        "broke",
        "broken",
        "breaks",
        "crash",
        "crashed",
        "crashes",
        "wrong",
        "regress",
        "regressed",
        "regression",
        "stop",
        "stopped",
        "down",
        "outage",
    ]
)


def why_names_a_cause(plain: str) -> bool:
    """Whether a heading read as ``whys`` asks for the cause of a failure (``5 Whys``, ``Why
    #1``, ``Why``, ``Why it happened``, ``Why did the deploy fail?``) rather than the reason
    for a choice (``Why now?``, ``Why Postgres``, ``Why not a CDN?``) as READMEs and design
    documents write them."""
    h = normalize_heading(plain)
    words = set(h.split())
    if "whys" in words or h == "why" or why_label(plain) is not None:
        return True
    return bool(words & _FAILURE_WORDS)


WHY_LABEL = re.compile(
    r"^\s*(\*\*|__)?\s*(?:why\s*(?:#|no\.?\s*|number\s*)?\s*(\d+)|(\d+)(?:st|nd|rd|th)?\s+why"
    r"|(\d+)[.)]\s+(?=why\b))"  # "**1. Why did …?**": the number labels the question
    r"\s*(?:[:.)\-–—?]\s*)?",
    re.IGNORECASE,
)


def why_label(text: str) -> int | None:
    match = WHY_LABEL.match(text)
    if match is None:
        return None
    return int(match.group(2) or match.group(3) or match.group(4))
