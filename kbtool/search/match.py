"""Find learnings by the error in front of you: a message, a log or a traceback.

Library use::

    hits = match_text(config, "AttributeError: '_AsyncGeneratorContextManager' object ...")
    hits[0].id, hits[0].score, hits[0].line_number, hits[0].line

The input's error lines (:func:`kbtool.search.errortext.message_lines`) are normalised into
signatures and compared with the signatures of every symptom in the index:

1. *exact*: the same signature (same exception type and message, up to addresses, numbers,
   quoted values, paths…), scored 2 + similarity;
2. *message*: the same message under another exception type or wrapper, 1 + similarity;
3. *similar*: symptoms found through the full-text index that share enough distinctive
   words (quoted names included), scored by similarity (Dice coefficient of the words).

Each is weighed by how much the line looks like an error (exceptions over ERROR log lines
over warnings), so exact signature hits come first, and each hit names the input line that
matched it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from kbtool.config import Config
from kbtool.errors import UsageError
from kbtool.search.errortext import LogLine, message_lines, signatures, words
from kbtool.search.index import Notice, Progress, check_limit, query_index

DEFAULT_LIMIT = 5
MAX_LINES = 50  # error lines of the input considered
MAX_WORDS = 48  # words sent to the full-text index
MIN_SIMILARITY = 0.3
MIN_MESSAGE_WORDS = 2  # a message signature this poor ("<q>") is no evidence on its own
KINDS = {2: "signature", 1: "message", 0: "similar"}


def _kind(tier: int, symptom_words: str, probe: _Probe) -> str:
    """``exact`` when the signature matches and so do all the words (quoted names included);
    ``signature`` when only the signature does (other quoted values, say)."""
    if tier == 2 and dice(frozenset(symptom_words.split()), probe.words) >= 1.0:
        return "exact"
    return KINDS[tier]


@dataclass(frozen=True)
class MatchHit:
    """An entry one of whose symptoms matches a line of the input."""

    id: str
    title: str
    category: str
    path: str
    line: int  # of the entry in its file
    severity: str | None
    status: str
    score: float
    kind: str  # exact | signature | message | similar
    symptom: str  # the entry's symptom that matched
    versions: str | None  # where that symptom is seen, e.g. "fastapi<0.123.10"
    line_number: int  # of the matching line in the input (1-based)
    log_line: str  # that line, control characters removed

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "category": self.category,
            "path": self.path,
            "line": self.line,
            "severity": self.severity,
            "status": self.status,
            "score": round(self.score, 4),
            "kind": self.kind,
            "symptom": self.symptom,
            "versions": self.versions,
            "matched": {"line": self.line_number, "text": self.log_line},
        }


@dataclass(frozen=True)
class _Probe:
    line: LogLine
    signature: str
    message: str
    words: frozenset[str]


def _probes(text: str) -> list[_Probe]:
    probes = []
    for line in message_lines(text, MAX_LINES):
        sig, msg = signatures(line.text)
        probes.append(_Probe(line, sig, msg, words(line.text)))
    return probes


def _informative(message: str) -> bool:
    return sum(1 for w in message.split() if any(c.isalpha() for c in w) and "<" not in w) >= (
        MIN_MESSAGE_WORDS
    )


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    """Dice coefficient of two word sets: 1.0 when equal, 0.0 when disjoint."""
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def _fts_words(probes: list[_Probe]) -> str:
    chosen: list[str] = []
    for probe in probes:
        for word in sorted(probe.words):
            if word not in chosen:
                chosen.append(word)
    chosen = chosen[:MAX_WORDS]
    if not chosen:
        return ""
    return "{symptoms title} : (" + " OR ".join(f'"{w}"' for w in chosen) + ")"


def _candidates(
    conn: sqlite3.Connection, probes: list[_Probe], limit: int
) -> list[tuple[Any, ...]]:
    """Symptom rows (entry, text, versions, signature, message, words) worth scoring: those
    with a signature of the input; those with its message (only while fewer than ``limit``
    entries match exactly: an exact hit always scores higher on the same line); and those
    of the entries the full-text index ranks best for the input's words."""
    columns = "entry, text, versions, signature, message, words"
    sigs = sorted({p.signature for p in probes})
    rows = conn.execute(
        f"SELECT {columns} FROM symptoms "  # noqa: S608 - placeholders only
        f"WHERE signature IN ({', '.join('?' * len(sigs))})",
        sigs,
    ).fetchall()
    msgs = sorted({p.message for p in probes if _informative(p.message)})
    if msgs and len({row[0] for row in rows}) < limit:
        rows += conn.execute(
            f"SELECT {columns} FROM symptoms "  # noqa: S608 - placeholders only
            f"WHERE message IN ({', '.join('?' * len(msgs))})",
            msgs,
        ).fetchall()
    match = _fts_words(probes)
    if match:
        rows += conn.execute(
            f"SELECT {columns} FROM symptoms "  # noqa: S608 - fixed text
            "WHERE entry IN (SELECT rowid FROM entries_fts WHERE entries_fts MATCH ? "
            "ORDER BY rank LIMIT 200)",
            (match,),
        ).fetchall()
    return rows


def _score(probes: list[_Probe], rows: list[tuple[Any, ...]]) -> dict[int, tuple[Any, ...]]:
    """Best (score, tier, row, probe) per entry. A row is compared with the probes that
    share its signature or message, or with every probe when it came from the full-text
    search (then only similarity counts)."""
    by_sig: dict[str, list[_Probe]] = {}
    by_msg: dict[str, list[_Probe]] = {}
    for probe in probes:
        by_sig.setdefault(probe.signature, []).append(probe)
        if _informative(probe.message):
            by_msg.setdefault(probe.message, []).append(probe)
    best: dict[int, tuple[Any, ...]] = {}
    seen: set[tuple[int, str, str]] = set()
    for row in rows:
        entry, _text, _versions, sig, msg, row_words = row
        key = (entry, sig, row_words)
        if key in seen:
            continue
        seen.add(key)
        symptom_words = frozenset(row_words.split())
        exact = by_sig.get(sig, [])
        message = [p for p in by_msg.get(msg, []) if p not in exact]
        tiers = [(2, p) for p in exact] + [(1, p) for p in message]
        if not tiers:
            tiers = [(0, p) for p in probes]
        for tier, probe in tiers:
            similarity = dice(symptom_words, probe.words)
            if not tier and similarity < MIN_SIMILARITY:
                continue
            score = (tier + similarity) * probe.line.weight
            current = best.get(entry)
            if current is None or (score, probe.line.repeats) > (
                current[0],
                current[3].line.repeats,
            ):
                best[entry] = (score, tier, row, probe)
    return best


def match_lines(conn: sqlite3.Connection, text: str, limit: int) -> list[MatchHit]:
    """Rank entries against ``text`` with an open index connection."""
    probes = _probes(text)
    if not probes:
        return []
    best = _score(probes, _candidates(conn, probes, limit))
    if not best:
        return []
    # Best score first; then the entry matched by the most repeated line; then file order.
    ranked = sorted(
        best.items(), key=lambda item: (-item[1][0], -item[1][3].line.repeats, item[0])
    )[:limit]
    entries = {
        row[0]: row
        for row in conn.execute(
            "SELECT rowid, id, title, category, path, line, severity, status FROM entries "  # noqa: S608 - placeholders only
            f"WHERE rowid IN ({', '.join('?' * len(ranked))})",
            [rowid for rowid, _ in ranked],
        )
    }
    hits = []
    for rowid, (score, tier, row, probe) in ranked:
        _, eid, title, category, path, line, severity, status = entries[rowid]
        hits.append(
            MatchHit(
                id=eid,
                title=title,
                category=category,
                path=path,
                line=line,
                severity=severity,
                status=status,
                score=score,
                kind=_kind(tier, row[5], probe),
                symptom=row[1],
                versions=row[2],
                line_number=probe.line.number,
                log_line=probe.line.text,
            )
        )
    return hits


def match_text(
    config: Config,
    text: str,
    *,
    limit: int = DEFAULT_LIMIT,
    notice: Notice | None = None,
    progress: Progress | None = None,
) -> list[MatchHit]:
    """Entries whose symptoms match the error message, log or traceback ``text``, best
    first (stable API). UsageError when ``text`` holds nothing to match."""
    if not text.strip():
        raise UsageError("nothing to match: give an error message, or a log on stdin with '-'")
    check_limit(limit)
    return query_index(
        config,
        lambda conn: match_lines(conn, text, limit),
        empty=lambda hits: not hits,
        notice=notice,
        progress=progress,
    )
