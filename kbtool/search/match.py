"""Find learnings by the error in front of you: a message, a log or a traceback.

Library use::

    hits = match_text(config, "AttributeError: '_AsyncGeneratorContextManager' object ...")
    hits[0].id, hits[0].score, hits[0].line_number, hits[0].line

The input is read as a log, without the frames a collector put around its lines
(:mod:`kbtool.search.logframe`), by :func:`kbtool.search.errortext.find_errors_in`: each
error found in it (a traceback's last line, pytest's ``E`` lines and ``FAILED … - Error: …``
summary, an exception or warning line, an ERROR log record) is matched on its own, its
message lines normalised into signatures and compared with the signatures of every symptom
in the index:

1. *exact*: the same signature (same exception type and message, up to addresses, numbers,
   quoted values, paths…), scored 2 + similarity; a stored symptom with ``…`` (text that
   differs between runs) matches when the line is the symptom with any text in place of
   each ``…``, scored 2.9 to 3 (the more of the line the symptom spells out, the higher);
2. *message*: the same message under another exception type or wrapper, 1 + similarity;
3. *similar*: symptoms found through the full-text index that share enough distinctive
   words (quoted names included), scored by similarity (Dice coefficient of the words).

Each is weighed by how much the error reads as one (a traceback's last line or a pytest
failure over ERROR log records over warnings over plain lines, which count only when they
equal a symptom). The best hits across all the errors come first, each naming the input
line of the error it matched. Entries tied on one error (two entries that store the same
text) are told apart by the lines that led to it: the words of its traceback or pytest
section (the user's frames and code, the libraries' names and functions) as the full-text
index ranks them against each entry's own text.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from kbtool.config import Config
from kbtool.errors import UsageError
from kbtool.search.errortext import (
    STOP_WORDS as _STOP,
)
from kbtool.search.errortext import (
    LogError,
    clean_line,
    exception_repr,
    find_errors_in,
    inner_exception,
    quoted_values,
    signature,
    signatures,
    words,
)
from kbtool.search.index import Notice, Progress, check_limit, query_index
from kbtool.search.logframe import unframe

DEFAULT_LIMIT = 5
MAX_WORDS = 48  # words of one error sent to the full-text index
MAX_FTS_ERRORS = 16  # errors looked up in the full-text index (the most telling ones)
FTS_ENTRIES = 50  # entries the full-text index gives for one error
MIN_SIMILARITY = 0.3
SUPPORT_SIMILARITY = 0.6  # a line this similar to a symptom counts for its entry
SUPPORT_BONUS = 0.05  # added to the rank (not the score) for each such line
MAX_SUPPORT = 3
CONTEXT_CHARS = 1 << 20  # of the input's end read for context words
MIN_MESSAGE_WORDS = 2  # a message signature this poor ("<q>") is no evidence on its own
MIN_PATTERN_CHARS = 12  # letters and digits a masked symptom must spell out to match alone
MIN_PREFIX_CHARS = 30  # of a line pytest cut short with "...", to match on what is left
SQL_CHUNK = 500
MAX_SYMPTOM_LINES = 5  # lines of a symptom compared (as the index keeps them)
WILDCARD = "\u2026"  # "…" in a stored symptom: any run of text on that line
KINDS = {2: "signature", 1: "message", 0: "similar"}

#: The modules before an exception's class at the start of a line or a signature
#: (``sqlalchemy.exc.`` in ``sqlalchemy.exc.MissingGreenlet: …``). Python's traceback names
#: the class with its module; rich, loguru's summary line, AWS Lambda's ``[ERROR]`` line,
#: Sentry's title and celery's ``raised unexpected: X(…)`` give its bare name.
_QUALIFIER = re.compile(r"^(?:[a-z_][a-z0-9_]*\.)+(?=[A-Za-z_]\w*(?::\s|$))")


def bare(text: str) -> str:
    """``text`` without the modules before the exception class it starts with."""
    return _QUALIFIER.sub("", text, count=1)


def _one_bare(a: str, b: str) -> bool:
    """Whether one of two lines names its exception with its module and the other not
    (``asyncio.TimeoutError`` and ``sqlalchemy.exc.TimeoutError`` stay two classes)."""
    return (bare(a) == a) != (bare(b) == b)


@dataclass(frozen=True)
class MatchHit:
    """An entry one of whose symptoms matches an error of the input."""

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
    line_number: int  # of the matching error's line in the input (1-based)
    log_line: str  # that line, control characters removed
    source: str = "line"  # what the line is: traceback | pytest | summary | exception | ...
    # Whether the symptom's (and its entry's) versions hold for the installed versions
    # (None: not checked, no versions, or a version unknown), and those versions.
    installed_holds: bool | None = None
    installed: dict[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        from kbtool.search.fulltext import hit_head

        return {
            **hit_head(self),
            "score": round(self.score, 4),
            "kind": self.kind,
            "symptom": self.symptom,
            "versions": self.versions,
            "matched": {"line": self.line_number, "text": self.log_line, "source": self.source},
            "installed": None
            if self.installed is None
            else {"holds": self.installed_holds, "versions": self.installed},
        }


@dataclass(frozen=True)
class _Probe:
    """One message line of one error of the input."""

    error: LogError
    text: str
    signature: str
    message: str
    words: frozenset[str]
    prefix: str  # the signature before pytest's "..." when it cut the line short, else ""


def _probes(errors: list[LogError]) -> list[_Probe]:
    probes = []
    for error in errors:
        texts = list(error.lines)
        inner = inner_exception(texts[0])
        if inner:
            texts.append(inner)
        shown = exception_repr(texts[0])
        if shown:
            texts.append(shown)
        for text in dict.fromkeys([*texts, *error.wrapped]):
            sig, msg = signatures(text)
            prefix = ""
            if error.kind == "summary" and text.endswith("..."):
                prefix = signature(text[:-3])
                prefix = prefix if len(prefix) >= MIN_PREFIX_CHARS else ""
            probes.append(_Probe(error, text, sig, msg, words(text), prefix))
    return probes


def _informative(message: str) -> bool:
    return sum(1 for w in message.split() if any(c.isalpha() for c in w) and "<" not in w) >= (
        MIN_MESSAGE_WORDS
    )


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    """Dice coefficient of two word sets, each word weighed by its length (a long name such
    as ``asyncgeneratorcontextmanager`` says more than ``scalars``): 1.0 when equal, 0.0
    when disjoint."""
    if not a or not b:
        return 0.0
    return 2 * _weight(a & b) / (_weight(a) + _weight(b))


def _weight(words: frozenset[str]) -> int:
    return sum(len(w) for w in words)


@lru_cache(maxsize=1024)
def symptom_pattern(line: str) -> re.Pattern[str] | None:
    """The regular expression a stored symptom line with ``…`` stands for: its text, with
    any run of text in place of each ``…`` and any white space for white space. None when
    the line has no ``…``, or spells out too little to be evidence on its own."""
    if WILDCARD not in line:
        return None
    parts = line.strip().split(WILDCARD)
    if sum(c.isalnum() for c in "".join(parts)) < MIN_PATTERN_CHARS:
        return None
    body = ".*?".join(r"\s+".join(re.escape(w) for w in part.split(" ")) for part in parts)
    return re.compile(body.replace(r"\s+\s+", r"\s+"), re.S)


def pattern_coverage(line: str, text: str) -> float | None:
    """How much of ``text`` the symptom ``line`` spells out (0-1), or None when ``text`` is
    not that symptom with some text in place of each ``…``. A symptom line of at least
    MIN_PREFIX_CHARS characters also matches a line that starts with it and goes on (Python
    and libraries append hints and links to messages: "… See Pydantic V2 Migration Guide
    at …"); one with "…" must match the whole line."""
    text = " ".join(text.split())
    pattern = symptom_pattern(line)
    if pattern is not None:
        if not pattern.fullmatch(text):
            return None
    else:
        start = " ".join(line.split())
        if len(start) < MIN_PREFIX_CHARS or not text.startswith(start + " "):
            return None
    literal = sum(not c.isspace() for c in line if c != WILDCARD)
    return min(1.0, literal / max(1, sum(not c.isspace() for c in text)))


START_CHARS = 12  # of a line, to find the lines a symptom line may match as a pattern


class _ByStart:
    """The probes by the start of their text, to find those a symptom line may match as a
    pattern or a prefix without trying every probe."""

    def __init__(self, probes: list[_Probe]) -> None:
        self.all = [p for p in probes if p.error.kind != "line"]
        self.starts: dict[str, list[_Probe]] = {}
        for probe in probes:
            text = " ".join(probe.text.split())
            for key in dict.fromkeys((text[:START_CHARS], bare(text)[:START_CHARS])):
                self.starts.setdefault(key, []).append(probe)

    def probes(self, line: str) -> list[_Probe]:
        """The probes ``line`` may match: those starting with its literal start, or, when
        the line starts with "…" or too little text, every probe but plain lines."""
        literal = " ".join(line.split()).split(WILDCARD, 1)[0]
        if WILDCARD not in line and len(literal) < MIN_PREFIX_CHARS:
            return []
        if len(bare(literal)) >= START_CHARS:
            found = self.starts.get(literal[:START_CHARS], [])
            short = bare(literal)[:START_CHARS]  # the line or the probe without modules
            if short != literal[:START_CHARS]:
                found = found + [p for p in self.starts.get(short, []) if p not in found]
            return found
        return self.all


def _fts_query(probes: list[_Probe]) -> str:
    chosen: list[str] = []
    for probe in probes:
        for word in sorted(probe.words):
            if word not in chosen:
                chosen.append(word)
    chosen = chosen[:MAX_WORDS]
    if not chosen:
        return ""
    return "{symptoms title} : (" + " OR ".join(f'"{w}"' for w in chosen) + ")"


_COLUMNS = "entry, text, versions, signature, message, words"


def _where_in(conn: sqlite3.Connection, column: str, values: list[str]) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(values), SQL_CHUNK):
        chunk = values[start : start + SQL_CHUNK]
        rows += conn.execute(
            f"SELECT {_COLUMNS} FROM symptoms "  # noqa: S608 - placeholders only
            f"WHERE {column} IN ({', '.join('?' * len(chunk))})",
            chunk,
        ).fetchall()
    return rows


def _candidates(
    conn: sqlite3.Connection, probes: list[_Probe], limit: int
) -> list[tuple[Any, ...]]:
    """Symptom rows (entry, text, versions, signature, message, words) worth scoring: those
    with a signature of the input; those with its message (only while fewer than ``limit``
    entries match exactly: an exact hit always scores higher on the same line); and, for
    each of the most telling errors on its own, those of the entries the full-text index
    ranks best for its words (masked symptoms and cut lines are found this way)."""
    rows = _where_in(conn, "signature", sorted({p.signature for p in probes}))
    msgs = sorted({p.message for p in probes if _informative(p.message)})
    if msgs and len({row[0] for row in rows}) < limit:
        rows += _where_in(conn, "message", msgs)
    by_error: dict[LogError, list[_Probe]] = {}
    for probe in probes:
        by_error.setdefault(probe.error, []).append(probe)
    looked_up = [e for e in by_error if e.kind != "line"] or list(by_error)
    for error in looked_up[:MAX_FTS_ERRORS]:
        match = _fts_query(by_error[error])
        if match:
            rows += conn.execute(
                f"SELECT {_COLUMNS} FROM symptoms "  # noqa: S608 - fixed text
                "WHERE entry IN (SELECT rowid FROM entries_fts WHERE entries_fts MATCH ? "
                f"ORDER BY rank LIMIT {FTS_ENTRIES})",
                (match,),
            ).fetchall()
    return rows


@dataclass
class _Best:
    score: float
    tier: int
    kind: str
    row: tuple[Any, ...]
    probe: _Probe
    support: int = 0  # other lines of the input this entry's symptoms match well
    context: float = 0.0  # how much of the entry's title and tags the input holds (0-2)
    surroundings: float = 0.0  # how well the entry's text matches the lines before its error
    fit: int = 0  # 1: its versions hold for the installed ones, -1: they do not, 0: unknown

    def rank(self) -> tuple[float, float, float, int, int, int]:
        """Higher is better: the score, raised a little for each other line of the input
        the entry also explains (at most MAX_SUPPORT); then, between entries tied on one
        error, how well the entry's text matches the lines that led to it (its traceback's
        frames, its test: :func:`_add_surroundings`); then how much of the input's context
        (frames, paths, test names) holds the entry's title words and tags; then the error
        seen last (a log ends with its cause); then the most repeated one. Between scores
        that tie, the symptom whose versions hold for the installed versions comes first
        (:class:`VersionFit`)."""
        error = self.probe.error
        raised = self.score + SUPPORT_BONUS * min(self.support, MAX_SUPPORT)
        # Scores this close are a tie (a masked symptom scores 2.9-3 where its text in full
        # would score 3): the context and the place in the log decide.
        return (
            round(raised, 2),
            self.surroundings,
            self.context,
            self.fit,
            error.last,
            error.repeats,
        )


@lru_cache(maxsize=4096)
def _quoted(text: str) -> frozenset[str]:
    return quoted_values(text)


def _same_names(symptom: str, line: str) -> bool:
    """Whether a line with a symptom's signature names what the symptom names: the
    symptom quotes nothing, or the line shares one of its quoted values (or one holds the
    other: '_GeneratorContextManager' and '_AsyncGeneratorContextManager'). Otherwise
    only the template is shared ("AttributeError: '…' object has no attribute '…'"), which
    is no more evidence than similar words. A masked value ('…') names nothing: the
    symptom says any value goes there, as its pattern does (:func:`pattern_coverage`)."""
    if not _same_objects(symptom, line):
        return False
    names = {n for n in _quoted(symptom) if WILDCARD not in n}
    if not names:
        return True
    theirs = _quoted(line)
    return any(a in b or b in a for a in names for b in theirs)


#: The type Python names in "'Engine' object has no attribute 'execute'", "'NoneType' object
#: is not subscriptable": what the error is about.
_OBJECT_TYPE = re.compile(r"""['"`‘“]([^'"`’”\n]+)['"`’”] object\b""")


@lru_cache(maxsize=4096)
def _object_types(text: str) -> frozenset[str]:
    return frozenset(t.lower().lstrip("_") for t in _OBJECT_TYPE.findall(text) if WILDCARD not in t)


def _same_objects(symptom: str, line: str) -> bool:
    """Whether a line is about an object of the type a symptom names, when both name one:
    "'NoneType' object has no attribute 'execute'" (a None where a session was expected)
    shares the attribute, not the error, of "'Engine' object has no attribute 'execute'".
    A type that holds the other counts ('_GeneratorContextManager' and
    '_AsyncGeneratorContextManager')."""
    ours = _object_types(symptom)
    theirs = _object_types(line) if ours else frozenset()
    return not (ours and theirs) or any(a in b or b in a for a in ours for b in theirs)


def _row_tiers(
    row: tuple[Any, ...],
    probes: list[_Probe],
    by_sig: dict[str, list[_Probe]],
    by_bare: dict[str, list[_Probe]],
    by_msg: dict[str, list[_Probe]],
    by_start: _ByStart,
    plain_similar: bool,
) -> list[tuple[int, float, str, _Probe]]:
    """(tier, similarity, kind, probe) for each probe the symptom row matches."""
    _entry, text, _versions, sig, msg, row_words = row
    symptom_words = frozenset(row_words.split())
    out: list[tuple[int, float, str, _Probe]] = []
    matched: set[int] = set()
    for probe in by_sig.get(sig, []):
        similarity = dice(symptom_words, probe.words)
        if not _same_names(text, probe.text):
            continue  # same template, other names: left to similarity below
        out.append((2, similarity, "exact" if similarity >= 1.0 else "signature", probe))
        matched.add(id(probe.error))
    for probe in by_bare.get(bare(sig), []):  # the same error, its class named bare
        if id(probe.error) in matched or not _one_bare(sig, probe.signature):
            continue
        if _same_names(text, probe.text):
            out.append((2, dice(symptom_words, probe.words), "signature", probe))
            matched.add(id(probe.error))
    # The symptom's lines as the probes' are: without a logger's or pytest's prefix
    # ("[CRITICAL] WORKER TIMEOUT (pid:…)" against gunicorn's "WORKER TIMEOUT (pid:9)").
    for line in (clean_line(ln) for ln in text.splitlines()[:MAX_SYMPTOM_LINES]):
        for probe in by_start.probes(line):
            if id(probe.error) in matched:
                continue
            coverage = pattern_coverage(line, probe.text)
            if coverage is None and _one_bare(line, probe.text):
                coverage = pattern_coverage(bare(line), bare(probe.text))
            if coverage is not None:
                out.append((2, 0.9 + 0.1 * coverage, "exact", probe))
                matched.add(id(probe.error))
    for probe in probes:
        if probe.prefix and sig.startswith(probe.prefix):
            out.append((2, dice(symptom_words, probe.words), "signature", probe))
            matched.add(id(probe.error))
    for probe in by_msg.get(msg, []):
        if id(probe.error) not in matched and _same_names(text, probe.text):
            out.append((1, dice(symptom_words, probe.words), "message", probe))
            matched.add(id(probe.error))
    for probe in probes:
        if id(probe.error) in matched or (probe.error.kind == "line" and not plain_similar):
            continue  # a plain line counts only when it equals a symptom (or is all there is)
        similarity = dice(symptom_words, probe.words)
        if similarity >= MIN_SIMILARITY and _alike(text, probe.text, symptom_words, probe.words):
            out.append((0, similarity, "similar", probe))
    return out


_CLASS_WORD = re.compile(r"(?:error|exception|warning|exit|interrupt|fault|failure|failed)$")
#: Names in code: dotted (``asyncio.wait``, ``celery.exceptions.SoftTimeLimitExceeded``) or
#: called (``utcnow(``).
_CODE_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+|[A-Za-z_]\w*(?=\()")
MIN_SHARED_CHARS = 8  # of the words two lines share beyond class names, to be alike
MIN_SYMPTOM_SHARE = 0.5  # of a symptom's own words (by length) a line must hold, to be alike


@lru_cache(maxsize=4096)
def _names(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The names a line spells out (dotted and called names, quoted values; not masked
    ones), lower-cased; and the qualifiers of its dotted names (``celery``, ``exceptions``
    in ``celery.exceptions.SoftTimeLimitExceeded``)."""
    dotted = [m.lower() for m in _CODE_NAME.findall(text)]
    names = {n for n in (*dotted, *quoted_values(text)) if WILDCARD not in n}
    qualifiers = {q for n in dotted for q in n.split(".")[:-1]}
    return frozenset(names), frozenset(qualifiers)


def _alike(
    symptom: str, line: str, symptom_words: frozenset[str], line_words: frozenset[str]
) -> bool:
    """Whether a line that shares words with a symptom is like it, and not another error
    worded alike. Two errors are not alike when the words they share are only exception
    class names and the modules that hold them (``RuntimeError: boom``,
    ``celery.exceptions.X`` and ``asyncio.exceptions.Y``), or a word or two of little
    length ("assert", "type"); when the line holds less than half of the symptom's own
    words ("Event loop is closed" is not "This event loop is already running", "cannot
    import name 'x' from 'y'" not the circular import's "cannot import name '…' from
    partially initialized module '…'"); nor when both name code (a dotted or called name,
    a quoted value) and none of the one's names is one of the other's: "datetime.utcnow()
    is deprecated and scheduled for removal" is not "asyncio.wait() … is deprecated …
    scheduled for removal", nor "Task x raised unexpected: SoftTimeLimitExceeded()" the
    same template around "RuntimeError('Never call result.get() …')"."""
    if not _same_objects(symptom, line):
        return False
    ours, our_qualifiers = _names(symptom)
    theirs, their_qualifiers = _names(line)
    qualifiers = our_qualifiers | their_qualifiers
    own = [w for w in symptom_words if not _CLASS_WORD.search(w) and w not in qualifiers]
    kept = [w for w in own if w in line_words]
    held = sum(len(w) for w in kept)
    if held < MIN_SHARED_CHARS or held < MIN_SYMPTOM_SHARE * sum(len(w) for w in own):
        return False
    if ours and theirs:
        return any(a in b or b in a for a in ours for b in theirs)
    return True


class VersionFit:
    """Whether a symptom row's versions, and its entry's, hold for the installed versions:
    1 when they hold, -1 when an installed version is outside them, 0 otherwise (no
    versions, a project not installed here, an unknown version). ``lookup`` is a
    :func:`kbtool.versionspec.holds` lookup (``kbtool.applies.lookup.installed_lookup``)."""

    def __init__(self, conn: sqlite3.Connection, lookup: Callable[[str], str | None]) -> None:
        from kbtool.versionspec import UNKNOWN

        self.conn = conn
        self.lookup = lookup
        self.known = lambda key: lookup(key) or UNKNOWN  # not installed: no evidence
        self.entry_versions: dict[int, str | None] = {}

    def load(self, rows: list[tuple[Any, ...]]) -> None:
        missing = sorted({row[0] for row in rows} - set(self.entry_versions))
        self.entry_versions.update(dict.fromkeys(missing))
        for start in range(0, len(missing), SQL_CHUNK):
            chunk = missing[start : start + SQL_CHUNK]
            self.entry_versions.update(
                self.conn.execute(
                    "SELECT rowid, versions FROM entries "  # noqa: S608 - placeholders only
                    f"WHERE versions IS NOT NULL AND rowid IN ({', '.join('?' * len(chunk))})",
                    chunk,
                ).fetchall()
            )

    def values(self, row: tuple[Any, ...]) -> list[str]:
        return [v for v in (self.entry_versions.get(row[0]), row[2]) if v]

    def __call__(self, row: tuple[Any, ...]) -> int:
        from kbtool.versionspec import holds

        fits = [holds(v, self.known) for v in self.values(row)]
        if False in fits:
            return -1
        return 1 if fits and all(fits) else 0

    def installed(self, row: tuple[Any, ...]) -> dict[str, str]:
        """The installed versions of the projects the row's versions name."""
        from kbtool.versionspec import projects

        found = {}
        for value in self.values(row):
            for key in projects(value):
                version = self.lookup(key)
                if version is not None:
                    found[key] = version
        return found


def _score(
    probes: list[_Probe], rows: list[tuple[Any, ...]], fit: VersionFit | None = None
) -> dict[int, _Best]:
    """Best match per entry over every error of the input: each symptom row is compared
    with the probes that share its signature or message, or whose line it matches as a
    masked symptom; failing those, with every probe (then only similarity counts)."""
    by_sig: dict[str, list[_Probe]] = {}
    by_bare: dict[str, list[_Probe]] = {}
    by_msg: dict[str, list[_Probe]] = {}
    for probe in probes:
        by_sig.setdefault(probe.signature, []).append(probe)
        by_bare.setdefault(bare(probe.signature), []).append(probe)
        if _informative(probe.message):
            by_msg.setdefault(probe.message, []).append(probe)
    plain_similar = all(p.error.kind == "line" for p in probes)
    by_start = _ByStart(probes)
    best: dict[int, _Best] = {}
    explained: dict[int, set[int]] = {}  # entry -> the probes it matches well
    seen: set[tuple[int, str, str | None, str, str]] = set()  # the same text, other versions: kept
    for row in rows:
        key = (row[0], row[1], row[2], row[3], row[5])
        if key in seen:
            continue
        seen.add(key)
        for tier, similarity, kind, probe in _row_tiers(
            row, probes, by_sig, by_bare, by_msg, by_start, plain_similar
        ):
            if tier or similarity >= SUPPORT_SIMILARITY:
                explained.setdefault(row[0], set()).add(id(probe))
            found = _Best((tier + similarity) * probe.error.weight, tier, kind, row, probe)
            if fit is not None:
                found.fit = fit(row)
            current = best.get(row[0])
            if current is None or found.rank() > current.rank():
                best[row[0]] = found
    for entry, found in best.items():
        found.support = len(explained.get(entry, set()) - {id(found.probe)})
    return best


_TOKEN = re.compile(r"[a-z][a-z0-9]+")


def _add_context(conn: sqlite3.Connection, best: dict[int, _Best], text: str) -> None:
    """For each entry, the share of its tags and the share of its title's words that the
    input holds anywhere (its frames, paths, test and task names): a tie-break between
    entries whose symptoms match the same error, e.g. the same MissingGreenlet text under
    lazy loading and under expired attributes, or the same "bound to a different event
    loop" in a pytest run and in a plain script."""
    seen = set(_TOKEN.findall(text[-CONTEXT_CHARS:].lower()))
    rowids = list(best)
    for start in range(0, len(rowids), SQL_CHUNK):
        chunk = rowids[start : start + SQL_CHUNK]
        for rowid, title, tags in conn.execute(
            "SELECT rowid, title, tags FROM entries "  # noqa: S608 - placeholders only
            f"WHERE rowid IN ({', '.join('?' * len(chunk))})",
            chunk,
        ):
            own = set(_TOKEN.findall(title.lower())) - _STOP
            tag_words = [set(_TOKEN.findall(tag)) for tag in tags.lower().split()]
            found = sum(1 for parts in tag_words if parts and parts <= seen)
            best[rowid].context = len(own & seen) / max(1, len(own)) + found / max(
                1, len(tag_words)
            )


CONTEXT_LINES = 80  # lines before an error read as its context (its frames, its test)
CONTEXT_WORDS = 128  # distinct words of that context sent to the full-text index
MAX_CONTEXT_LINE = 400  # characters of a context line read
# Not symptoms: what the entry says about itself. The short fields and the long text
# (description and the rest) live in two full-text tables with the same rowids.
_CONTEXT_TABLES = (("entries_fts", "{title tags category} : "), ("body_fts", ""))
_CONTEXT_TOKEN = re.compile(r"[a-z]{3,}")
# Words every traceback, log record or Python file has: they say nothing about the situation.
_BOILERPLATE = frozenset(
    (
        *("traceback", "most", "recent", "call", "last", "file", "line", "module"),
        *("self", "cls", "return", "raise", "def", "class", "none", "true", "false"),
        *("import", "args", "kwargs", "type", "ignore", "any", "get", "set"),
        *("site", "packages", "venv", "lib", "usr", "local", "python"),
        *("info", "debug", "error", "warning", "exception"),
    )
)


def _context_words(lines: list[str], error: LogError, shared: set[str]) -> list[str]:
    """The words of the lines before ``error`` (its traceback's frames, the failing test's
    code, the log records that led to it), nearest first, without the words of the error
    itself (what every entry matching it shares). A library's frame (site-packages, the
    standard library) gives its name and function, not its source line: the library's
    internals are the same whatever the user did."""
    out: dict[str, None] = {}
    for end in dict.fromkeys((error.number, error.last or error.number)):
        for raw in reversed(_own_lines(_block(lines, end - 1))):
            for word in _CONTEXT_TOKEN.findall(raw.lower()):
                if word not in shared and word not in _STOP and word not in _BOILERPLATE:
                    out.setdefault(word)
                    if len(out) >= CONTEXT_WORDS:
                        return list(out)
    return list(out)


_SECTION = re.compile(r"^(?:_{3,}|={3,}) .* (?:_{3,}|={3,})$")  # pytest: "____ test_x ____"


def _block(lines: list[str], at: int) -> list[str]:
    """The lines that lead to the error on line index ``at`` and belong to it: its
    traceback or pytest failure section, back to (and with) the section's title, but not
    the log records before it (other requests, start-up lines), at most CONTEXT_LINES."""
    start = at
    while start > 0 and at - start < CONTEXT_LINES:
        line = lines[start - 1][:MAX_CONTEXT_LINE].rstrip()
        stripped = line.strip()
        if _SECTION.match(stripped):
            start -= 1
            break
        if stripped and not line[:1].isspace() and clean_line(line) != stripped:
            break  # a log record of its own (it has a logger's or pytest's prefix)
        start -= 1
    return lines[start:at]


_FRAME = re.compile(r'^\s*File "([^"]*)", line \d+, in (\S+)|^(\S+\.py):\d+: in (\S+)')
_LIBRARY = re.compile(r"(?:site|dist)-packages[\\/]|[\\/]lib[\\/]python\d[\d.]*[\\/]", re.I)


def _own_lines(window: list[str]) -> list[str]:
    """The lines of ``window`` that speak of the user's situation: a library frame's line
    is cut to the library's name (after site-packages or the standard library's folder)
    and its function, and the source lines under it are left out."""
    kept: list[str] = []
    in_library = False
    for raw in window:
        line = raw[:MAX_CONTEXT_LINE]
        frame = _FRAME.match(line)
        if frame:
            path = frame.group(1) or frame.group(3) or ""
            place = _LIBRARY.search(path)
            in_library = place is not None
            if place is not None:  # the library's name and the function
                package = re.split(r"[\\/.]", path[place.end() :], maxsplit=1)[0]
                kept.append(f"{package} {frame.group(2) or frame.group(4)}")
                continue
        elif in_library and line[:1].isspace():
            continue  # the library's source line under its frame
        else:
            in_library = False
        kept.append(line)
    return kept


def _add_surroundings(conn: sqlite3.Connection, best: dict[int, _Best], lines: list[str]) -> None:
    """For each entry, how well its own words (title, description, tags, category, body;
    not its symptoms) match the lines around the error it matched, as the full-text index
    ranks them (bm25: a word few entries use counts more). Entries whose symptoms match
    the same error are told apart by what surrounds it: AsyncSession and ``await`` frames
    or plain sync code, a FastAPI route or a settings module, a pytest fixture or a
    script's ``asyncio.run``."""
    groups: dict[tuple[LogError, float], list[int]] = {}
    for rowid, found in best.items():
        groups.setdefault((found.probe.error, found.rank()[0]), []).append(rowid)
    for (error, _), rowids in groups.items():
        if len(rowids) < 2:
            continue  # alone on its error: nothing to tell apart
        shared = set(_TOKEN.findall(" ".join(error.lines).lower()))
        words = _context_words(lines, error, shared)
        if not words:
            continue
        any_word = "(" + " OR ".join(f'"{w}"' for w in words) + ")"
        scores = dict.fromkeys(rowids, 0.0)
        for table, columns in _CONTEXT_TABLES:
            for start in range(0, len(rowids), SQL_CHUNK):
                chunk = rowids[start : start + SQL_CHUNK]
                for rowid, score in conn.execute(
                    f"SELECT rowid, -bm25({table}) FROM {table} "  # noqa: S608 - placeholders only
                    f"WHERE {table} MATCH ? AND rowid IN ({', '.join('?' * len(chunk))})",
                    [columns + any_word, *chunk],
                ):
                    scores[rowid] += float(score)
        # Relative to the best of the entries on this error (0): the lines before one
        # error say nothing about entries that match another.
        top = max(scores.values())
        for rowid, score in scores.items():
            best[rowid].surroundings = score - top


def match_lines(
    conn: sqlite3.Connection,
    text: str,
    limit: int,
    installed: Callable[[str], str | None] | None = None,
) -> list[MatchHit]:
    """Rank entries against ``text`` with an open index connection; with ``installed`` (a
    lookup of installed versions), symptoms of the installed versions first among ties."""
    lines, origin = unframe(text.splitlines())
    probes = _probes(find_errors_in(lines))
    if not probes:
        return []
    rows = _candidates(conn, probes, limit)
    fit = None
    if installed is not None:
        fit = VersionFit(conn, installed)
        fit.load(rows)
    best = _score(probes, rows, fit)
    if not best:
        return []
    _add_context(conn, best, "\n".join(lines))
    _add_surroundings(conn, best, lines)
    ranked = sorted(best.items(), key=lambda item: (*(-x for x in item[1].rank()), item[0]))
    ranked = ranked[:limit]
    entries = {
        row[0]: row
        for row in conn.execute(
            "SELECT rowid, id, title, category, path, line, severity, status FROM entries "  # noqa: S608 - placeholders only
            f"WHERE rowid IN ({', '.join('?' * len(ranked))})",
            [rowid for rowid, _ in ranked],
        )
    }
    hits = []
    for rowid, found in ranked:
        _, eid, title, category, path, line, severity, status = entries[rowid]
        error = found.probe.error
        versions = fit.installed(found.row) if fit is not None and fit.values(found.row) else None
        versions = versions or None  # none of its projects installed here: nothing to say
        hits.append(
            MatchHit(
                id=eid,
                title=title,
                category=category,
                path=path,
                line=line,
                severity=severity,
                status=status,
                score=found.score,
                kind=found.kind,
                symptom=found.row[1],
                versions=found.row[2],
                line_number=origin[error.number - 1] + 1,
                log_line=error.text,
                source=error.kind,
                installed_holds=None if versions is None else {1: True, -1: False}.get(found.fit),
                installed=versions,
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
    installed: Callable[[str], str | None] | None = None,
) -> list[MatchHit]:
    """Entries whose symptoms match the error message, log or traceback ``text``, best
    first (stable API). UsageError when ``text`` holds nothing to match. ``installed``:
    a lookup of installed versions (``kbtool.applies.lookup.installed_lookup()``);
    between equal scores, symptoms seen on those versions come first."""
    if not text.strip():
        raise UsageError("nothing to match: give an error message, or a log on stdin with '-'")
    check_limit(limit)
    return query_index(
        config,
        lambda conn: match_lines(conn, text, limit, installed),
        empty=lambda hits: not hits,
        notice=notice,
        progress=progress,
    )
