"""Learnings × an environment → the learnings that apply, and what an upgrade changes.

A learning is *version-bound* when it or one of its symptoms has ``versions``; the others
hold everywhere and are not listed. A version-bound learning

- does **not apply** when its own ``versions`` fail, or, without them, when each of its
  versioned symptoms fails (a project it names is absent or outside the range);
- **applies** when its own ``versions`` hold, or, without them, when one of its versioned
  symptoms holds; the symptoms you would see are the versioned ones that hold and the
  plain ones (which hold wherever the learning does);
- is **unknown** otherwise: a version it needs is not known (an unpinned requirement).

Superseded and archived learnings are left out: their replacements speak for them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kbtool.applies.environment import Environment
from kbtool.versionspec import holds, projects

APPLIES, UNKNOWN, NO = "applies", "unknown", "no"
LEFT_OUT = frozenset({"superseded", "archived"})


@dataclass(frozen=True)
class Symptom:
    text: str
    versions: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "versions": self.versions}


@dataclass(frozen=True)
class Learning:
    """What ``applies`` needs of one entry."""

    id: str
    title: str
    category: str
    severity: str | None
    status: str
    path: str
    line: int
    versions: str | None
    symptoms: tuple[Symptom, ...]

    @property
    def bound(self) -> bool:
        return bool(self.versions) or any(s.versions for s in self.symptoms)

    def projects(self) -> list[str]:
        """The canonical project names its versions name, in order."""
        values = [self.versions or "", *(s.versions or "" for s in self.symptoms)]
        return list(dict.fromkeys(p for v in values if v for p in projects(v)))


@dataclass(frozen=True)
class Verdict:
    """Whether one learning applies to one environment, and the symptoms you would see."""

    learning: Learning
    state: str  # applies | unknown | no
    symptoms: tuple[Symptom, ...]  # those that hold (applies) or may hold (unknown)
    versions: dict[str, str]  # the versions it was judged on: project (as written) → version

    def to_dict(self) -> dict[str, Any]:
        e = self.learning
        return {
            "id": e.id,
            "title": e.title,
            "category": e.category,
            "severity": e.severity,
            "path": e.path,
            "line": e.line,
            "state": self.state,
            "entry_versions": e.versions,
            "installed": self.versions,
            "symptoms": [s.to_dict() for s in self.symptoms],
        }


def learnings_of(entries: Iterable[Any]) -> list[Learning]:
    """:class:`Learning` values of ``kbtool.kb.EntryRef``s (their XML elements)."""
    out = []
    for ref in entries:
        el = ref.element
        symptoms = []
        box = el.find("symptoms")
        if box is not None:
            for s in box.iterchildren("symptom"):
                text = " ".join("".join(s.itertext()).split())
                if text:
                    symptoms.append(Symptom(text, s.get("versions")))
        out.append(
            Learning(
                id=ref.id,
                title=" ".join(ref.title.split()),
                category=ref.category,
                severity=el.get("severity"),
                status=el.get("status", "active"),
                path=ref.source.display,
                line=ref.line,
                versions=el.get("versions"),
                symptoms=tuple(symptoms),
            )
        )
    return out


def judge(learning: Learning, env: Environment) -> Verdict:
    """One learning against one environment."""
    own = holds(learning.versions, env.lookup) if learning.versions else None
    versioned = [(s, holds(s.versions, env.lookup)) for s in learning.symptoms if s.versions]
    plain = tuple(s for s in learning.symptoms if not s.versions)
    seen = {
        env.display(key): version
        for key in learning.projects()
        if (version := env.lookup(key)) is not None
    }
    sure = tuple(s for s, fit in versioned if fit is True)
    maybe = tuple(s for s, fit in versioned if fit is None)
    if own is False:
        return Verdict(learning, NO, (), seen)
    if learning.versions:  # the learning's own range decides; its symptoms say what shows
        state = APPLIES if own else UNKNOWN
        return Verdict(learning, state, sure + plain if own else sure + maybe + plain, seen)
    if sure:
        return Verdict(learning, APPLIES, sure + plain, seen)
    if maybe:
        return Verdict(learning, UNKNOWN, maybe + plain, seen)
    return Verdict(learning, NO, (), seen)


def assess(learnings: Iterable[Learning], env: Environment) -> list[Verdict]:
    """The verdict on every version-bound learning that is neither superseded nor archived,
    in the order given."""
    return [judge(e, env) for e in learnings if e.bound and e.status not in LEFT_OUT]


@dataclass(frozen=True)
class Change:
    """What an upgrade does to one learning."""

    before: Verdict
    after: Verdict

    @property
    def kind(self) -> str:
        """starts | stops | symptoms (both apply, other symptoms) | unknown (either is)."""
        a, b = self.before.state, self.after.state
        if a == b == APPLIES:
            return "symptoms"
        if b == APPLIES:
            return "starts"
        if a == APPLIES:
            return "stops"
        return "unknown"

    def to_dict(self) -> dict[str, Any]:
        gone = [s for s in self.before.symptoms if s not in self.after.symptoms]
        new = [s for s in self.after.symptoms if s not in self.before.symptoms]
        return {
            "id": self.after.learning.id,
            "title": self.after.learning.title,
            "severity": self.after.learning.severity,
            "path": self.after.learning.path,
            "line": self.after.learning.line,
            "change": self.kind,
            "before": {"state": self.before.state, "installed": self.before.versions},
            "after": {"state": self.after.state, "installed": self.after.versions},
            "symptoms_removed": [s.to_dict() for s in gone],
            "symptoms_added": [s.to_dict() for s in new],
        }


def changes(before: list[Verdict], after: list[Verdict]) -> list[Change]:
    """The learnings whose verdict or symptoms differ between two assessments of the same
    learnings (:func:`assess` on the environment before and after an upgrade)."""
    out = []
    for a, b in zip(before, after, strict=True):
        if a.state != b.state or a.symptoms != b.symptoms:
            out.append(Change(a, b))
    return out


def gates(verdicts: Iterable[Verdict]) -> list[Verdict]:
    """The critical learnings that apply: ``kbtool applies`` exits 1 when there is one."""
    return [v for v in verdicts if v.state == APPLIES and v.learning.severity == "critical"]
