"""Scoring kbtool's fix-report reading on a labelled set of Markdown files.

The set (tests/fixtures/reports/labelled/, labels in ``labels.json``) holds fix reports in the
shapes real teams and coding agents write, and Markdown files that are not fix reports
(READMEs, design docs, notes, changelogs, templates). Measures:

- is-a-report: precision and recall of ``kbtool migrate --reports``' choice
  (:func:`kbtool.migrate.fixreports.missing_sections` finds nothing missing) against the
  labels; a report the importer then refuses counts as not found;
- title and date: the imported entry's, against the label (titles compared without case,
  code marks or emoji);
- sections: the field each labelled heading is read as (``plan_sections``), against the label
  (whys and root causes are one field here: the same reader takes both);
- whys: of the labelled whys, the share found (per report, at most the labelled count);
- typed share: of the words in the imported entries, the share in typed fields (not extras).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

FOLDER = Path(__file__).parent / "fixtures" / "reports" / "labelled"


def labels() -> dict[str, dict[str, Any]]:
    data = json.loads((FOLDER / "labels.json").read_text("utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def _same_title(a: str, b: str) -> bool:
    def norm(text: str) -> str:
        text = "".join(c for c in text if unicodedata.category(c)[0] in "LNPZ")
        return " ".join(text.replace("`", "").lower().split())

    return norm(a) == norm(b)


def _cause(key: str | None) -> str | None:
    return "cause" if key in ("whys", "root_causes") else key


def _words(text: str) -> int:
    return len(re.findall(r"\w+", text))


def _learning_words(learning: Any) -> tuple[int, int]:
    """(typed words, words kept in extras) of an imported entry."""
    typed = [learning.title, learning.description]
    typed += [s.text for s in learning.symptoms] + list(learning.root_causes)
    typed += [w.question + " " + w.answer for w in learning.five_whys]
    typed += [s.text + " " + " ".join(c.text for c in s.code) for s in learning.solution]
    typed += [*learning.files_modified, *learning.verification, *learning.prevention]
    kept = [" ".join(etree.fromstring(x).itertext()) for x in learning.extras]
    return sum(_words(t) for t in typed), sum(_words(t) for t in kept)


@dataclass
class LabelledScore:
    true_pos: int = 0
    false_pos: list[str] = field(default_factory=list)
    false_neg: list[str] = field(default_factory=list)
    titles: int = 0
    dates: int = 0
    reports: int = 0
    sections_right: int = 0
    sections: int = 0
    whys_found: int = 0
    whys_expected: int = 0
    typed_words: int = 0
    kept_words: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.true_pos / max(1, self.true_pos + len(self.false_pos))

    @property
    def recall(self) -> float:
        return self.true_pos / max(1, self.true_pos + len(self.false_neg))

    @property
    def typed_share(self) -> float:
        return self.typed_words / max(1, self.typed_words + self.kept_words)

    def summary(self) -> str:
        r = max(1, self.reports)
        return (
            f"is-a-report precision {self.precision:.0%} recall {self.recall:.0%} "
            f"({self.true_pos} found, {len(self.false_pos)} wrongly, "
            f"{len(self.false_neg)} missed); titles {self.titles}/{r}; "
            f"dates {self.dates}/{r}; sections {self.sections_right}/{self.sections}; "
            f"whys {self.whys_found}/{self.whys_expected}; typed share {self.typed_share:.0%}"
        )


def score_labelled(root: Path) -> LabelledScore:
    """Score every labelled file, imported into the KB at ``root`` (one with a learnings
    folder and a ``kbtool.toml``)."""
    from kbtool.config import load_config
    from kbtool.errors import KbError
    from kbtool.migrate.fixreports import missing_sections
    from kbtool.reports.importer import import_report, plan_sections
    from kbtool.reports.parser import read_report

    config = load_config(root=root)
    score = LabelledScore()
    for name, label in sorted(labels().items()):
        path = FOLDER / name
        missing, errors = missing_sections(path.read_text("utf-8"), name)
        chosen = not missing and not errors
        report = read_report(path, config, inside_only=False)
        learning = None
        if chosen:
            try:
                learning = import_report(
                    report,
                    config=config,
                    category="General",
                    entry_id="x",
                    date=dt.date(1999, 1, 1),
                    report_href=None,
                ).learning
            except KbError as exc:
                score.problems.append(f"{name}: refused: {exc}")
                chosen = False
        if not label["report"]:
            if chosen:
                score.false_pos.append(name)
                score.problems.append(f"{name}: imported, but it is not a fix report")
            continue
        if not chosen:
            score.false_neg.append(name)
            score.problems.append(f"{name}: not chosen (missing {', '.join(missing)})")
        score.true_pos += chosen
        score.reports += 1
        score.whys_expected += label["whys"]
        plan: dict[str, str | None] = {}  # on a fresh parse: planning moves subsections
        for sec, key in plan_sections(read_report(path, config, inside_only=False)):
            for sub in sec.walk():
                plan.setdefault(sub.plain, key)
        for heading, want in label["fields"].items():
            score.sections += 1
            got = plan.get(heading, "(absent)")
            if _cause(got) == _cause(want):
                score.sections_right += 1
            else:
                score.problems.append(f"{name}: '{heading}' read as {got}, labelled {want}")
        if learning is None:
            continue
        if _same_title(learning.title, label["title"]):
            score.titles += 1
        else:
            score.problems.append(f"{name}: title {learning.title!r}, labelled {label['title']!r}")
        if learning.date.isoformat() == label["date"]:
            score.dates += 1
        else:
            score.problems.append(f"{name}: date {learning.date}, labelled {label['date']}")
        found = len(learning.five_whys)
        score.whys_found += min(found, label["whys"])
        if found != label["whys"]:
            score.problems.append(f"{name}: {found} whys, labelled {label['whys']}")
        typed, kept = _learning_words(learning)
        score.typed_words += typed
        score.kept_words += kept
    return score
