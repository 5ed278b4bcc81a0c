"""Every detector of the bundled KB against its labelled corpus, scored.

``tests/detectors/<entry-id>/bad/`` holds code that makes the entry's mistake and must give at
least one finding of that entry; ``good/`` holds code that must give none (the fix, and the
look-alikes a careless detector would flag). A case is one ``.py`` file, or a folder of them
(a small project: names resolve across its modules). All detectors of the KB run on every case,
as ``kbtool scan`` runs them, so a case may also show that a neighbouring entry stays quiet:
``gather(session.execute(a), session.execute(b))`` is a bad case of
async-session-shared-between-tasks and a good case of sqlalchemy-async-execute-not-awaited.

The test prints precision and recall per detector, and fails on any miss or false alarm, on
an active entry with a detector but no corpus, and on a corpus folder named after no entry.
Folders for entries added later are picked up by their names.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from lxml import etree

from kbtool.safexml import make_parser
from kbtool.scan.detectors.run import SourceFile, run
from kbtool.scan.detectors.spec import Detector, detectors_of

REPO = Path(__file__).resolve().parent.parent
LEARNINGS = REPO / "learnings"
CORPORA = REPO / "tests" / "detectors"


@cache
def bundled_detectors() -> tuple[Detector, ...]:
    found: list[Detector] = []
    for path in sorted(LEARNINGS.glob("*.xml")):
        root = etree.fromstring(path.read_bytes(), make_parser())
        for entry in root.iterfind("learnings/learning"):
            if (entry.get("status") or "active").strip() != "active":
                continue
            detectors, _ = detectors_of(entry)
            found.extend(detectors)
    return tuple(found)


def entry_ids() -> list[str]:
    return sorted({d.entry_id for d in bundled_detectors()})


def corpus_ids() -> list[str]:
    return sorted(p.name for p in CORPORA.iterdir() if p.is_dir()) if CORPORA.is_dir() else []


@dataclass(frozen=True)
class Case:
    label: str  # "bad" or "good"
    name: str  # file or folder name, for messages
    files: tuple[SourceFile, ...]


def cases(entry_id: str) -> list[Case]:
    out = []
    for label in ("bad", "good"):
        folder = CORPORA / entry_id / label
        for path in sorted(folder.iterdir()) if folder.is_dir() else []:
            if path.is_dir():
                files = sorted(path.rglob("*.py"))
                base = path
            elif path.suffix == ".py":
                files, base = [path], path.parent
            else:
                continue
            sources = tuple(
                SourceFile(f.relative_to(base).as_posix(), f.name, f.read_text(encoding="utf-8"))
                for f in files
            )
            out.append(Case(label, path.name, sources))
    return out


@cache
def findings(case: Case) -> frozenset[str]:
    """The entries that report at least one finding on the case."""
    result = run(list(case.files), list(bundled_detectors()), jobs=1)
    assert not result.parse_problems, f"{case.name}: {result.parse_problems[0].message}"
    return frozenset(h.detector.entry_id for h in result.hits)


def test_every_detector_has_a_corpus_and_every_corpus_an_entry() -> None:
    assert bundled_detectors(), "no detectors found in learnings/"
    missing = [e for e in entry_ids() if e not in corpus_ids()]
    assert not missing, f"entries with a detector but no tests/detectors/<id>/ corpus: {missing}"
    orphans = [c for c in corpus_ids() if c not in entry_ids()]
    assert not orphans, f"corpus folders named after no active entry with a detector: {orphans}"


@pytest.mark.parametrize("entry_id", corpus_ids())
def test_corpus(entry_id: str, capsys: pytest.CaptureFixture[str]) -> None:
    labelled = cases(entry_id)
    bad = [c for c in labelled if c.label == "bad"]
    good = [c for c in labelled if c.label == "good"]
    assert len(bad) >= 2 and len(good) >= 2, f"{entry_id}: want at least 2 bad and 2 good cases"
    true_pos = [c.name for c in bad if entry_id in findings(c)]
    missed = [c.name for c in bad if entry_id not in findings(c)]
    false_pos = [c.name for c in good if entry_id in findings(c)]
    flagged = len(true_pos) + len(false_pos)
    precision = len(true_pos) / flagged if flagged else 0.0
    recall = len(true_pos) / len(bad)
    with capsys.disabled():
        print(
            f"\n{entry_id}: precision {precision:.2f} ({len(true_pos)}/{flagged}),"
            f" recall {recall:.2f} ({len(true_pos)}/{len(bad)}),"
            f" {len(bad)} bad / {len(good)} good cases"
        )
    assert not missed, f"{entry_id}: bad cases without a finding: {missed}"
    assert not false_pos, f"{entry_id}: good cases with a finding: {false_pos}"
