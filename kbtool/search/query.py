"""Turn what a person types into safe SQLite FTS5 query syntax.

A pure function, table-tested (``tests/test_fts_query.py``). The accepted language:

- words: each must appear (implicit AND); ``foo-bar``, ``C++`` or ``20.04`` become phrases of
  the tokens they hold, exactly as the index tokenised the text;
- ``"quoted phrases"`` (an unbalanced quote runs to the end of the query);
- ``-word`` or ``-"a phrase"`` to exclude; ``NOT word`` does the same;
- ``OR`` between words or phrases (binds tighter than the implicit AND: ``a OR b c`` is
  ``(a OR b) AND c``);
- ``prefix*`` for a prefix match;
- ``title:word`` (also ``symptoms:``, ``description:``, ``tags:``/``tag:``, ``category:``,
  ``body:``) to look in one field only.

With ``drop_stop_words`` (what ``kbtool search`` uses), common English words that carry no
topic ("how do I share a session between tasks") and the words of a complaint ("doesn't work
anymore") are left out, unless quoted, fielded or all there is.

Everything else is text: no input can produce an FTS5 syntax error. Every piece of user text
ends up inside a double-quoted FTS5 string, with ``"`` doubled, and pieces that hold no
searchable character are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kbtool.records import NamedTuple

MAX_TERMS = 32
MAX_TERM_CHARS = 200
MAX_QUERY_CHARS = 4000

#: Names a person may put before ``:`` and the index column each one means.
FIELDS = {
    "title": "title",
    "symptom": "symptoms",
    "symptoms": "symptoms",
    "description": "description",
    "desc": "description",
    "tag": "tags",
    "tags": "tags",
    "category": "category",
    "body": "body",
}


#: Words left out of a search unless quoted or fielded: function words and the words of a
#: question ("how do I …", "what is …"), never a word that can name a topic.
STOP_WORDS = frozenset(
    """a about after again all also am an and any are as at be been before being
    between both but by can could did do does doing done during each for from
    had has have having he her here him his how i if in into is it its itself
    instead just me more most my no nor of off on once only or other our out over own
    same she should so some such than that the their them then there these they
    this those through to too under until up very was we were what when where
    which while who whom why will with would you your""".split()  # noqa: SIM905
)
#: Words of a complaint or of the asking rather than of its topic ("X doesn't work
#: anymore", "Y keeps failing with an error", "how to fix Z", "what does W mean"): in many
#: questions and, at best, in the body of an entry, so requiring them loses the entry that
#: answers. Left out the same way as stop words. Contractions are here in both spellings
#: people type (the tokenizer would make "doesn't" the phrase "doesn t", which no entry has).
VAGUE_WORDS = frozenset(
    """actually anymore anything broke broken didn't didnt doesn't doesnt don't dont error
    errors even fix fixed fixes fixing get gets getting got help i'm i've isn't isnt it's
    keep keeps mean means meaning problem problems really resolve seems solve something
    still stuff suddenly that's there's thing things wasn't won't work worked working works
    wrong""".split()  # noqa: SIM905
)


class Clause(NamedTuple):
    """One term of a converted query: its quoted FTS5 string and the field it is limited to
    ("" for any; a name of :data:`FIELDS`' values)."""

    quoted: str
    field: str = ""


class FtsQuery(NamedTuple):
    """A converted query: the MATCH expression (empty when nothing is searchable)."""

    match: str
    #: The words looked for (not the excluded ones), lower-cased: for "did you mean".
    words: tuple[str, ...]
    #: Why the query cannot run, when ``match`` is empty.
    problem: str = ""
    #: The same query as structure: OR-groups that must all match, terms that must not.
    groups: tuple[tuple[Clause, ...], ...] = ()
    excluded: tuple[Clause, ...] = ()
    #: Stop words left out.
    dropped: tuple[str, ...] = ()
    #: Per group, the looser forms of its terms (:func:`_looser`): ``db.query`` as ``db``
    #: or ``query``, ``fromAttributes`` as ``from attributes``. A search that ranks entries
    #: by the groups they match counts these too, at a lower weight. Empty when no term
    #: has one.
    looser: tuple[tuple[Clause, ...], ...] = ()
    #: The whole query as one phrase, stop words and all, when it is plain words (three or
    #: more): a title or symptom that holds it as written answers it best. "" otherwise.
    whole: str = ""

    @property
    def loose(self) -> str:
        """Any of the groups, or of their looser forms, rather than all ("" when there is
        only one group and no looser form)."""
        if len(self.groups) < 2 and not self.looser:
            return ""
        every = (c for g in (*self.groups, *self.looser) for c in g)
        return _expression((every,), self.excluded)


class _Term(NamedTuple):
    text: str
    phrase: bool = False
    prefix: bool = False
    negated: bool = False
    field: str = ""


def _searchable(text: str) -> bool:
    return any(c.isalnum() for c in text)


def tokens(text: str) -> list[str]:
    """Runs of letters and digits: how the index's unicode61 tokenizer splits text."""
    out: list[str] = []
    word: list[str] = []
    for c in text:
        if c.isalnum():
            word.append(c)
        elif word:
            out.append("".join(word))
            word = []
    if word:
        out.append("".join(word))
    return out


def _clean(query: str) -> str:
    # Control characters (NUL included) and format characters such as U+200B are separators.
    return "".join(c if c.isprintable() or c in "\t\n" else " " for c in query[:MAX_QUERY_CHARS])


def _lex(query: str) -> list[_Term | str]:
    """Split into terms and the operators ``OR``/``NOT`` (as plain strings)."""
    items: list[_Term | str] = []
    i, n = 0, len(query)
    while i < n:
        c = query[i]
        if c.isspace():
            i += 1
            continue
        negated = False
        if c == "-" and i + 1 < n and (query[i + 1] == '"' or query[i + 1].isalnum()):
            # A single letter after the dash is a command's option (pip install -e .), not
            # a word to exclude: it stays, and is left out with the stop words.
            negated = not _is_flag(query, i)
            i += 1 if negated else 0
        field = ""
        if query[i] != '"':
            end = i
            while end < n and not query[end].isspace() and query[end] != '"':
                end += 1
            chunk = query[i:end]
            name, colon, rest = chunk.partition(":")
            if colon and name.lower() in FIELDS and (rest or (end < n and query[end] == '"')):
                field = FIELDS[name.lower()]
                i += len(name) + 1
        if i < n and query[i] == '"':
            start = i
            close = query.find('"', i + 1)
            end = n if close == -1 else close
            text = query[i + 1 : end]
            i = end + 1
            prefix = i < n and query[i] == "*"
            if prefix:
                i += 1
            # A quote glued to code before it (requests.get("https://…")) opens a string
            # of that code, not a phrase: its text is words like the code's.
            literal = start > 0 and query[start - 1] in _BEFORE_A_STRING and not field
            items.append(_Term(text, not literal, prefix, negated, field))
            continue
        end = i
        while end < n and not query[end].isspace() and query[end] != '"':
            end += 1
        chunk = query[i:end]
        i = end
        if not negated and not field and chunk in ("OR", "NOT", "AND"):
            items.append(chunk)
            continue
        prefix = chunk.endswith("*")
        items.append(_Term(chunk.rstrip("*"), False, prefix, negated, field))
    return items


#: What stands before a string in code: a call, a subscript, an assignment, an argument.
_BEFORE_A_STRING = frozenset("([{=,")


def _is_flag(query: str, at: int) -> bool:
    """Whether the ``-`` at ``at`` starts a one-letter option: ``-e``, ``-n`` (a word)."""
    end = at + 2
    return query[at + 1].isalpha() and (end == len(query) or query[end].isspace())


def _clause(term: _Term) -> Clause:
    text = " ".join(tokens(term.text)[:MAX_TERMS])[:MAX_TERM_CHARS]
    out = '"' + text.replace('"', '""') + '"'
    if term.prefix:
        out += " *"
    return Clause(out, term.field)


def clause_text(clause: Clause, column: str | None = None) -> str:
    """The clause as FTS5 syntax, limited to ``column`` (default: the clause's field)."""
    column = clause.field if column is None else column
    return f"{column} : {clause.quoted}" if column else clause.quoted


def _expression(groups: Iterable[Iterable[Clause]], excluded: Iterable[Clause]) -> str:
    parts = []
    for group in groups:
        quoted = [clause_text(c) for c in group]
        if quoted:
            parts.append(quoted[0] if len(quoted) == 1 else "(" + " OR ".join(quoted) + ")")
    match = " AND ".join(parts)
    for clause in excluded:
        match += " NOT " + clause_text(clause)
    return match


def for_table(clauses: Iterable[Clause], columns: dict[str, str]) -> str:
    """An OR of the clauses that can match in a table; ``columns`` maps each field the
    table has to its column name there. "" when none can."""
    out = []
    for clause in clauses:
        if not clause.field:
            out.append(clause.quoted)
        elif clause.field in columns:
            out.append(clause_text(clause, columns[clause.field]))
    if len(out) > 1:
        return "(" + " OR ".join(out) + ")"
    return out[0] if out else ""


def _is_stop(term: _Term) -> bool:
    if term.phrase or term.prefix or term.field or term.negated:
        return False
    text = term.text.lower().replace("\u2019", "'")
    if (len(text) == 2 and text[0] == "-") or (len(text) == 1 and text.isalpha()):
        return True  # an option (pip install -e .), a letter (for u in urls)
    # "at:", "(most", "it's,": the punctuation around a word is not part of it.
    return text in _LEFT_OUT or text.strip(_AROUND) in _LEFT_OUT


_AROUND = "\"'`.,;:!?()[]{}<>"


_LEFT_OUT = STOP_WORDS | VAGUE_WORDS


def convert(query: str, *, drop_stop_words: bool = False) -> FtsQuery:
    """The FTS5 MATCH expression for ``query``; ``match`` is empty if there is nothing to find."""
    items = _lex(_clean(query))
    groups: list[list[_Term]] = []  # OR-groups of positive terms, AND-ed together
    excluded: list[_Term] = []
    joining = negate_next = after_positive = False
    for item in items:
        if isinstance(item, str):
            if item == "OR":
                joining = after_positive
            elif item == "NOT":
                negate_next = True
            continue
        if not _searchable(item.text):
            continue
        if negate_next:
            item = item._replace(negated=True)
            negate_next = False
        if item.negated:
            excluded.append(item)
        elif joining:
            groups[-1].append(item)
        else:
            groups.append([item])
        joining = False
        after_positive = not item.negated
    whole = _whole(groups, excluded)
    dropped: tuple[str, ...] = ()
    if drop_stop_words:
        kept = [[t for t in g if not _is_stop(t)] for g in groups]
        kept = [g for g in kept if g]
        if kept:
            dropped = tuple(t.text.lower() for g in groups for t in g if _is_stop(t))
            groups = kept
    groups = _cap(groups)
    excluded = excluded[: max(0, MAX_TERMS - sum(len(g) for g in groups))]
    words = tuple(dict.fromkeys(w.lower() for g in groups for t in g for w in tokens(t.text)))
    if not groups:
        problem = (
            "a query needs at least one word to look for, not only excluded ones"
            if excluded
            else "nothing to search for: the query has no letters or digits"
        )
        return FtsQuery("", (), problem)
    clauses = tuple(tuple(c for t in g for c in (_clause(t), *_spellings(t))) for g in groups)
    not_clauses = tuple(_clause(t) for t in excluded)
    match = _expression(clauses, not_clauses)
    room = [MAX_TERMS]  # looser forms in all: each is a lookup of its own

    def capped(forms: list[Clause]) -> tuple[Clause, ...]:
        kept, room[0] = forms[: room[0]], max(0, room[0] - len(forms))
        return tuple(kept)

    looser = tuple(capped([c for t in g for c in _looser(t)]) for g in groups)
    looser = looser if any(looser) else ()
    return FtsQuery(match, words, "", clauses, not_clauses, dropped, looser, whole)


#: The fewest words a query must have to be looked for as written (fewer: any title has
#: them together, and ranking already favours it).
WHOLE_WORDS = 3


def _whole(groups: list[list[_Term]], excluded: list[_Term]) -> str:
    """The query as one quoted phrase, stop words and all, when it is plain words (no
    quotes, OR, exclusion, field or prefix) of at least :data:`WHOLE_WORDS`: "" otherwise."""
    if excluded or any(len(g) > 1 for g in groups):
        return ""
    terms = [g[0] for g in groups]
    if any(t.phrase or t.prefix or t.field for t in terms):
        return ""
    words = [w for t in terms for w in tokens(t.text)][:MAX_TERMS]
    if len(words) < WHOLE_WORDS:
        return ""
    return '"' + " ".join(words) + '"'


def _spellings(term: _Term) -> list[Clause]:
    """The other ways a word typed as is may be written (:mod:`kbtool.search.vocabulary`):
    ``sqla`` is ``sqlalchemy`` too, ``serialise`` any ``serializ…``."""
    if term.phrase or term.prefix or len(tokens(term.text)) != 1:
        return []
    from kbtool.search.vocabulary import variants

    [word] = tokens(term.text)
    return [_clause(_Term(v, prefix=p, field=term.field)) for v, p in variants(word)]


def _looser(term: _Term) -> list[Clause]:
    """Looser forms of a term a person typed (not quoted): the dotted names in a piece of
    code (``asyncio.create_task(send())`` holds asyncio.create_task and send), each word of
    one joined by punctuation (``db.query``, ``row['col']``: the names around the known one
    are the writer's own), and a camelCase word as its parts (``fromAttributes``: the entry
    writes ``from_attributes``)."""
    if term.phrase or term.prefix:
        return []
    out: list[Clause] = []
    dotted = [p for p in _DOTTED.findall(term.text) if len(tokens(p)) > 1]
    if len(dotted) > 1 or (dotted and len(tokens(dotted[0])) < len(tokens(term.text))):
        out += [_clause(_Term(p, field=term.field)) for p in dotted]
    names = _NAMES.findall(term.text)
    if len(names) > 1:
        for name in filter(_worth_alone, names):
            alone = _Term(name, field=term.field)
            out += [_clause(alone), *_spellings(alone)]
    for word in tokens(term.text)[:MAX_TERMS]:
        parts = _camel_parts(word)
        if len(parts) > 1:
            out.append(_clause(_Term(" ".join(parts), field=term.field)))
    return out


#: The names a joined term holds: what ``.``, ``[``, quotes, ``-`` and the like separate
#: (``_`` joins the words of one name: run_until_complete is not "run" or "complete").
_NAMES = re.compile(r"[^\W_](?:\w*[^\W_])?")
#: The dotted names in a piece of code: what brackets, quotes, ``=`` and the like separate.
_DOTTED = re.compile(r"\w+(?:\.\w+)+")


def _worth_alone(word: str) -> bool:
    return len(word) > 1 and not word.isdigit() and word.lower() not in _LEFT_OUT


def _camel_parts(word: str) -> list[str]:
    """``fromAttributes`` → from, Attributes; ``HTTPException`` → HTTP, Exception."""
    parts: list[str] = []
    start = 0
    for i in range(1, len(word)):
        before, c = word[i - 1], word[i]
        after = word[i + 1] if i + 1 < len(word) else ""
        if c.isupper() and (
            before.islower() or before.isdigit() or (before.isupper() and after.islower())
        ):
            parts.append(word[start:i])
            start = i
    parts.append(word[start:])
    return parts


def _cap(groups: list[list[_Term]]) -> list[list[_Term]]:
    out: list[list[_Term]] = []
    count = 0
    for group in groups:
        room = MAX_TERMS - count
        if room <= 0:
            break
        out.append(group[:room])
        count += len(out[-1])
    return out
