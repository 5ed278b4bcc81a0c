"""What legacy element and attribute names mean: a synonym table and token rules.

Names are compared normalised (local name, lower case, ``-`` → ``_``). ``field_of_name`` says
which canonical field a name maps to and how: ``exact`` (the canonical name), ``synonym``
(a name from the table) or ``token`` (a rule over the name's ``_``-separated words).
The table covers every variant in ``docs/migrate.md``; the token rules catch the long tail.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from lxml import etree

from kbtool import fields

How = Literal["exact", "synonym", "token"]


def normalise(name: str) -> str:
    """``{ns}Problem-Statement`` → ``problem_statement``."""
    if name.startswith("{"):
        name = name.partition("}")[2]
    if ":" in name:
        name = name.rpartition(":")[2]
    return name.strip().lower().replace("-", "_")


# Field keys. ``lessons`` and ``impact`` have no canonical element: they are recognised
# (and reported) but kept as extras. ``metadata`` is flattened onto its record.
FIELDS = (
    "id",
    "title",
    "date",
    "category",
    "description",
    "tags",
    "symptoms",
    "root_causes",
    "five_whys",
    "solution",
    "files_modified",
    "verification",
    "prevention",
    "test_cases",
    "references",
    "supersedes",
    "review_by",
    "severity",
    "status",
    "lessons",
    "impact",
    "alternatives",
    "metadata",
)

# Canonical element (or attribute) names per field, normalised: from the vocabulary (the
# kept-as-is and provenance elements are not legacy fields).
CANONICAL = {
    f.key: {normalise(f.xml)}
    for f in fields.LEARNING
    if f.key not in {"detectors", "extras", "provenance"}
}
CANONICAL["metadata"] = {"metadata"}

# Synonyms in order of preference: when a record has two names for a one-value field
# (title, date, description, …) the earlier name wins and the other is kept as an extra.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": ("learning_id", "entry_id", "identifier", "uid", "key"),
    "title": ("name", "heading", "headline", "subject", "learning_title", "issue_title"),
    "date": (
        "created",
        "created_at",
        "created_on",
        "creation_date",
        "date_created",
        "discovered",
        "date_discovered",
        "discovered_on",
        "reported",
        "reported_on",
        "fixed_on",
        "resolved_on",
        "date_resolved",
        "last_updated",
        "updated",
        "updated_at",
        "last_modified",
        "modified",
        "timestamp",
        "when",
        "logged",
        "logged_on",
        "occurred",
        "occurred_on",
        "occurred_at",
        "recorded",
        "recorded_on",
        "opened",
        "opened_on",
        "published",
    ),
    "category": ("categories", "area", "domain", "topic", "subsystem", "classification"),
    "severity": (
        "priority",
        "criticality",
        "risk_level",
        "risk",
        "severity_level",
        "impact_level",
        "level",
    ),
    "status": ("state", "lifecycle"),
    "description": (
        "problem",
        "problem_statement",
        "problem_description",
        "problem_summary",
        "issue",
        "issue_description",
        "issue_summary",
        "the_problem",
        "bug",
        "bug_description",
        "what_happened",
        "what_went_wrong",
        "situation",
        "observation",
        "summary",
        "executive_summary",
        "abstract",
        "overview",
        "context",
        "background",
        "details",
        "steps_to_reproduce",
        "reproduction_steps",
        "repro_steps",
        "how_to_reproduce",
        "reproduction",
        "expected_behavior",
        "expected_behaviour",
        "expected_result",
        "expected",
        "tldr",
        "tl_dr",
        "went_wrong",
    ),
    "symptoms": (
        "symptom",
        "error_message",
        "error_messages",
        "error",
        "errors",
        "error_output",
        "error_log",
        "traceback",
        "stack_trace",
        "observed_behavior",
        "observed_behaviour",
        "signs",
        "indicators",
        "manifestation",
        "failure",
        "failures",
        "actual_behavior",
        "actual_behaviour",
        "actual_result",
        "actual",
        "detection",
        "how_detected",
        "detected_by",
        "how_discovered",
        "logs",
        "log_excerpt",
        "log_output",
        "console_output",
        "exit_code",
        "status_code",
        "http_status",
    ),
    "root_causes": (
        "root_cause",
        "root_cause_analysis",
        "root_causes_analysis",
        "cause",
        "causes",
        "underlying_cause",
        "underlying_causes",
        "five_whys_analysis",
        "whys",
        "why",
        "why_1",
        "why_2",
        "why_3",
        "why_4",
        "why_5",
        "reason",
        "reasons",
        "analysis",
        "contributing_factors",
        "contributing_factor",
        "factors",
        "factor",
        "trigger",
        "triggers",
    ),
    "solution": (
        "solutions",
        "implementation",
        "implementation_details",
        "solution_implemented",
        "solution_details",
        "technical_solution",
        "fixes_applied",
        "fix_applied",
        "fix",
        "fixes",
        "the_fix",
        "remediation",
        "resolution",
        "steps",
        "solution_steps",
        "implementation_steps",
        "changes",
        "changes_made",
        "workaround",
        "approach",
        "corrective_action",
        "corrective_actions",
        "rationale",
        "reasoning",
        "justification",
        "decision",
        "decisions",
        "decision_made",
        "chosen_option",
        "what_we_did",
        "actions_taken",
        "immediate_actions",
        "immediate_action",
        "action_plan",
        "permanent_solution",
    ),
    "files_modified": (
        "files_affected",
        "affected_files",
        "related_files",
        "files_modified",
        "modified_files",
        "files_changed",
        "changed_files",
        "files_created",
        "files_touched",
        "files_involved",
        "file_changes",
        "key_files",
        "source_files",
        "code_files",
        "files",
        "file_list",
    ),
    "verification": (
        "testing",
        "validation",
        "tests",
        "verification_steps",
        "validation_steps",
        "how_to_verify",
        "test_results",
        "test_plan",
        "checks",
        "verified_by",
        "results",
        "check_results",
        "validation_results",
        "verification_results",
        "testing_results",
        "outcomes",
    ),
    "test_cases": ("test_cases", "test_files", "regression_tests", "test_case_files"),
    "prevention": (
        "best_practices",
        "prevention_measures",
        "preventive_measures",
        "prevention_strategies",
        "prevention_strategy",
        "prevention_recommendations",
        "prevention_checklist",
        "guidelines",
        "recommendations",
        "how_to_prevent",
        "future_prevention",
        "safeguards",
        "guardrails",
        "mitigation",
        "mitigations",
        "rules",
        "dos_and_donts",
        "do_not",
        "avoid",
        "checklist",
        "action_items",
        "follow_up",
        "next_steps",
        "follow_up_actions",
        "followups",
        "follow_ups",
        "dos",
        "donts",
        "do",
        "dont",
        "anti_pattern",
        "anti_patterns",
        "antipattern",
        "antipatterns",
        "principles",
        "principle",
        "checklist_items",
    ),
    "lessons": (
        "lessons_learned",
        "lessons",
        "lesson",
        "key_insights",
        "insights",
        "key_learnings",
        "learning_points",
        "critical_takeaway",
        "critical_takeaways",
        "takeaways",
        "key_takeaways",
        "pattern",
        "patterns",
        "insight",
        "key_insight",
        "lesson_learned",
        "takeaway",
        "moral",
        "key_points",
        "key_point",
        "key_learning",
        "what_went_well",
        "what_went_right",
        "went_well",
        "gotchas",
        "gotcha",
        "pitfalls",
        "pitfall",
        "caveats",
    ),
    "impact": (
        "impact",
        "business_impact",
        "business_value",
        "user_impact",
        "consequences",
        "blast_radius",
    ),
    "references": (
        "cross_references",
        "related_specs",
        "related_issues",
        "related_learnings",
        "related_reports",
        "related_documents",
        "related_docs",
        "related",
        "see_also",
        "links",
        "documentation",
        "sources",
        "refs",
        "fix_report",
        "fix_reports",
        "ticket",
        "tickets",
        "jira",
        "jira_ticket",
        "issue_link",
        "issue_url",
        "bug_link",
        "pr",
        "prs",
        "pull_request",
        "pull_requests",
        "merge_request",
        "merge_requests",
        "mr",
        "commit",
        "commits",
        "commit_url",
        "changeset",
    ),
    "tags": (
        "keywords",
        "labels",
        "tag",
        "topics",
        "affected_modules",
        "modules",
        "components",
        "affected_components",
    ),
    "metadata": (
        "meta",
        "header",
        "head",
        "info",
        "properties",
        "front_matter",
        "document_info",
        "doc_info",
        "docinfo",
        "document_metadata",
        "file_info",
    ),
    "supersedes": ("replaces", "supersedes_id"),
    "review_by": ("review_date", "next_review"),
}

# Token rules for the long tail, tried in order: a name maps to the first field one of
# whose stems begins one of the name's words ("fixes" → fix); a stem marked "*" may also end
# a word ("hotfix", "bugfix"; never "prefix" or "suffix").
TOKEN_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("date", ("date", "dated", "timestamp")),  # incident_date, fix_date (not due_date: below)
    ("root_causes", ("cause", "why", "whys", "reason")),
    (
        "prevention",
        ("prevent", "recommend", "guideline", "practice", "avoid", "mitigat", "safeguard"),
    ),
    ("verification", ("verif", "test", "validat")),
    ("alternatives", ("alternative", "rejected")),
    ("files_modified", ("file",)),
    (
        "solution",
        ("*fix", "implement", "solution", "resolution", "remedia", "workaround", "change"),
    ),
    ("symptoms", ("symptom", "error", "exception", "traceback")),
    ("references", ("reference", "related", "link")),
    ("lessons", ("lesson", "insight", "takeaway", "learned")),
    ("impact", ("impact",)),
    ("description", ("problem", "issue", "summary", "description", "context", "background")),
    ("tags", ("tag", "keyword")),
)

# Elements that are records when they hold fields (envelope entries, report-style items).
RECORD_NAMES = frozenset(
    {
        "learning",
        "learning_entry",
        "entry",
        "lesson",
        "lesson_entry",
        "record",
        "insight",
        "issue",
        "fix",
        "finding",
        "incident",
        "bug_report",
        "item",
        "note",
        "knowledge",
        "case",
        "learning_item",
    }
)

# One record written in pieces (``learning/part`` ×3), or its fields wrapped in a body
# (``learning/{title, body/{problem, solution}}``): a part or wrapper holding no record is
# flattened onto the record like a metadata block, never a record of its own.
PART_NAMES = frozenset(
    {
        *("part", "parts", "page", "chunk", "continuation", "continued", "segment", "fragment"),
        *("body", "content", "contents", "main", "entry_body", "record_body"),
    }
)

# Names inside a solution that are one step, or a code block of the current step.
STEP_NAMES = frozenset(
    {
        "step",
        "item",
        "li",
        "action",
        "change",
        "point",
        "task",
        "description",
        "details",
        "summary",
        "explanation",
        "overview",
        "text",
        "approach",
        "instruction",
        "fix",
    }
)
CODE_NAMES = frozenset(
    {
        "code",
        "code_example",
        "code_snippet",
        "snippet",
        "example",
        "code_change",
        "fixed_code",
        "correct_code",
        "corrected_code",
        "good_code",
        "bad_code",
        "wrong_code",
        "before",
        "after",
        "command",
        "commands",
    }
)
# Names inside a problem whose text continues the description.
PROBLEM_TEXT_NAMES = frozenset(
    {
        "description",
        "details",
        "summary",
        "statement",
        "text",
        "overview",
        "context",
        "explanation",
    }
)

# Catalogue files (a hand-kept index of paths).
CATALOGUE_NAMES = frozenset(
    {
        *("index", "catalog", "catalogue", "manifest", "toc", "table_of_contents"),
        *("map", "registry", "directory", "sitemap"),  # knowledge_map, learning_registry
    }
)

# Names that are structure rather than content: list items and containers. The repair
# pass treats any known name as a real element even when its end tag is missing.
STRUCTURE_NAMES = frozenset(
    {
        "specification",
        "spec",
        "learnings",
        "learning_document",
        "entries",
        "items",
        "records",
        "lessons",
        "insights",
        "critical_fixes",
        "symptom",
        "cause",
        "check",
        "file",
        "path",
        "question",
        "answer",
        "note",
        "p",
        "para",
        "paragraph",
        "li",
        "ul",
        "ol",
        "list",
        "section",
        "version",
        "author",
        "owner",
        "type",
        "link",
        "href",
        "url",
        "reference",
        "ref",
    }
)


_HEADING_ATTRS = ("name", "title", "heading", "label", "type", "kind")


def heading_field(el: etree._Element) -> tuple[str, str] | None:
    """``<section name="Root Cause">…</section>`` inside a record: a block of no field's
    name whose heading names a field → (the heading attribute, the field); None otherwise.
    Layouts never use it: ``<section name="Testing">`` of a catalogue is a group."""
    if not isinstance(el.tag, str) or field_of_name(el.tag) is not None:
        return None
    for attr in el.attrib:
        if normalise(str(attr)) in _HEADING_ATTRS:
            heading = "_".join(re.findall(r"[a-z0-9]+", (el.get(attr) or "").lower()))
            found = field_of_name(heading) if heading else None
            # the heading is a field's name, not a sentence that mentions one ("Fix the pool")
            if found and found[1] != "token" and found[0] not in ("metadata", "id"):
                return str(attr), found[0]
    return None


def is_category_name(text: str) -> bool:
    """A category, not a list of them: one line, short, at most one comma."""
    return 0 < len(text) <= 80 and "\n" not in text and text.count(",") <= 1


_SYNONYM_OF: dict[str, str] = {}
for _field, _names in SYNONYMS.items():
    for _name in _names:
        _SYNONYM_OF.setdefault(_name, _field)
_CANONICAL_OF = {name: field for field, names in CANONICAL.items() for name in names}
_PREFERENCE = {
    field: {name: rank for rank, name in enumerate((*sorted(CANONICAL.get(field, ())), *names))}
    for field, names in SYNONYMS.items()
}


@lru_cache(maxsize=8192)  # element names repeat across files; this is the hot path
def field_of_name(name: str) -> tuple[str, How] | None:
    """The field a legacy name maps to and how, or None when nothing matches."""
    key = normalise(name)
    if key in _CANONICAL_OF:
        return _CANONICAL_OF[key], "exact"
    if key in _SYNONYM_OF:
        return _SYNONYM_OF[key], "synonym"
    words = [w for w in key.split("_") if w]
    for field, stems in TOKEN_RULES:
        if field == "date" and _NOT_THE_DAY.intersection(words):
            continue
        if any(_stem_matches(word, stem) for word in words for stem in stems):
            return field, "token"
    return None


# A date that is not the day of the learning: a deadline, a review, an expiry.
_NOT_THE_DAY = frozenset(
    {"due", "target", "next", "review", "deadline", "expiry", "expires", "until", "end", "eta"}
)


_NOT_FIXES = frozenset({"prefix", "suffix", "affix", "infix"})


def _stem_matches(word: str, stem: str) -> bool:
    if stem.startswith("*"):
        stem = stem[1:]
        return word.startswith(stem) or (word.endswith(stem) and word not in _NOT_FIXES)
    return word.startswith(stem)


def preference(field: str, name: str) -> int:
    """Rank of a name among a field's names: lower wins; unknown names rank last."""
    return _PREFERENCE.get(field, {}).get(normalise(name), 1000)


def is_known_name(name: str) -> bool:
    """A name legacy files use for real elements (the repair pass never escapes these)."""
    key = normalise(name)
    return (
        key in _CANONICAL_OF
        or key in _SYNONYM_OF
        or key in RECORD_NAMES
        or key in STRUCTURE_NAMES
        or key in STEP_NAMES
        or key in CODE_NAMES
    )


def normalise_severity(value: str) -> str | None:
    """An entry severity, or None if unknown (:func:`kbtool.fields.severity_of`)."""
    return fields.severity_of(value)


_STATUS_WORDS = (
    ("active", {"active", "current", "valid", "accepted", "approved", "adopted"}),
    ("superseded", {"superseded", "replaced", "obsolete", "deprecated"}),
    ("archived", {"archived", "retired", "rejected", "withdrawn"}),
    ("proposed", {"proposed", "proposal", "draft", "rfc"}),  # decision records' words
)


def normalise_status(value: str) -> str | None:
    """An entry status (active, superseded, archived, proposed), or None for fix states like
    'resolved'."""
    words = set(re.split(r"[^a-z0-9]+", value.lower()))
    for status, names in _STATUS_WORDS:
        if words & names:
            return status
    return None
