"""Every bundled entry can be found: by each of its symptoms through ``match`` (the bare
text, and a traceback that ends in it), and by its title's words through ``search``.

These run over whatever ``learnings/`` holds, so they hold for entries added later. Where
several entries store the same symptom text, any of them may come first: the test asks
that the entry ties with the first hit and that every hit ranked above it stores the same
error (the same signature: a KB can't tell those apart by the text alone).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from lxml import etree

from kbtool.config import Config, load_config
from kbtool.search.errortext import signature
from kbtool.search.fulltext import search_entries
from kbtool.search.match import WILDCARD, MatchHit, match_text

BUNDLED = Path(__file__).resolve().parent.parent / "learnings"
TIE = 0.01  # match ranks scores this close as equal (a masked symptom scores 2.9-3)


def _norm(text: str) -> str:
    return " ".join(text.split())


def _same(text: str) -> str:
    """What two stored symptoms share when they are the same error: their signature (the
    text up to addresses, numbers, quoted values and paths)."""
    return signature(_norm(text))


def _entries() -> dict[str, tuple[str, list[str]]]:
    """id -> (title, symptom texts) of every entry under learnings/."""
    found: dict[str, tuple[str, list[str]]] = {}
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    for path in sorted(BUNDLED.glob("*.xml")):
        root = etree.parse(str(path), parser).getroot()
        for el in root.iterfind("learnings/learning"):
            symptoms = ["".join(s.itertext()).strip() for s in el.iterfind("symptoms/symptom")]
            found[el.get("id", "")] = (
                _norm(el.findtext("title") or ""),
                [s for s in symptoms if s],
            )
    return found


ENTRIES = _entries()
SYMPTOMS = [
    pytest.param(eid, text, id=f"{eid}-{n}")
    for eid, (_, texts) in ENTRIES.items()
    for n, text in enumerate(texts)
]
SAME_TEXT: dict[str, set[str]] = {}
for _eid, (_, _texts) in ENTRIES.items():
    for _text in _texts:
        SAME_TEXT.setdefault(_same(_text), set()).add(_eid)


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Config:
    root = tmp_path_factory.mktemp("findable")
    shutil.copytree(BUNDLED, root / "learnings")
    return load_config(root=root)


def realised(symptom: str) -> str:
    """The symptom as one user's run prints it: each masked part (…) filled in."""
    text = symptom.replace(f"0x{WILDCARD}", "0x7f3c2a1b9d40")
    return text.replace(WILDCARD, "invoice_line")


def in_traceback(symptom: str) -> str:
    """A traceback of a user's script that ends in ``symptom``, with log lines around it."""
    return (
        "2026-11-27 10:00:00,001 INFO app: starting nightly job\n"
        "Traceback (most recent call last):\n"
        '  File "/home/ana/project/app/main.py", line 42, in <module>\n'
        "    main()\n"
        '  File "/home/ana/project/app/jobs.py", line 17, in main\n'
        "    run_job(job)\n"
        "    ^^^^^^^^^^^^\n"
        f"{symptom}\n"
        "2026-11-27 10:00:01,502 INFO app: job runner stopped\n"
    )


def first(hits: list[MatchHit], eid: str, symptom: str) -> bool:
    """``eid`` is the first hit, or ties with it behind entries that store ``symptom`` too."""
    ids = [h.id for h in hits]
    if eid not in ids:
        return False
    at = ids.index(eid)
    sharing = SAME_TEXT.get(_same(symptom), set())
    return hits[0].score - hits[at].score < TIE and all(h.id in sharing for h in hits[:at])


def _show(hits: list[MatchHit]) -> list[tuple[str, float, str]]:
    return [(h.id, round(h.score, 3), h.kind) for h in hits]


@pytest.mark.parametrize(("eid", "symptom"), SYMPTOMS)
def test_each_symptom_finds_its_entry(bundled: Config, eid: str, symptom: str) -> None:
    hits = match_text(bundled, symptom, limit=10)
    assert first(hits, eid, symptom), _show(hits)


@pytest.mark.parametrize(("eid", "symptom"), SYMPTOMS)
def test_a_traceback_ending_in_each_symptom_finds_its_entry(
    bundled: Config, eid: str, symptom: str
) -> None:
    hits = match_text(bundled, in_traceback(realised(symptom)), limit=10)
    assert first(hits, eid, symptom), _show(hits)


@pytest.mark.parametrize("eid", list(ENTRIES))
def test_each_title_finds_its_entry_in_the_top_3(bundled: Config, eid: str) -> None:
    title = ENTRIES[eid][0]
    query = " ".join(re.findall(r"[A-Za-z0-9_]+", title))
    ids = [hit.id for hit in search_entries(bundled, query, limit=3)]
    assert eid in ids, (query, ids)


def test_the_bundled_kb_is_covered() -> None:
    assert len(ENTRIES) >= 30 and len(SYMPTOMS) >= len(ENTRIES)
