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

Everything else is text: no input can produce an FTS5 syntax error. Every piece of user text
ends up inside a double-quoted FTS5 string, with ``"`` doubled, and pieces that hold no
searchable character are dropped.
"""

from __future__ import annotations

from typing import NamedTuple

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


class FtsQuery(NamedTuple):
    """A converted query: the MATCH expression (empty when nothing is searchable)."""

    match: str
    #: The words looked for (not the excluded ones), lower-cased: for "did you mean".
    words: tuple[str, ...]
    #: Why the query cannot run, when ``match`` is empty.
    problem: str = ""


class _Term(NamedTuple):
    text: str
    phrase: bool = False
    prefix: bool = False
    negated: bool = False
    field: str = ""


def _searchable(text: str) -> bool:
    return any(c.isalnum() for c in text)


def _tokens(text: str) -> list[str]:
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
            negated = True
            i += 1
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
            close = query.find('"', i + 1)
            end = n if close == -1 else close
            text = query[i + 1 : end]
            i = end + 1
            prefix = i < n and query[i] == "*"
            if prefix:
                i += 1
            items.append(_Term(text, True, prefix, negated, field))
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


def _quote(term: _Term) -> str:
    text = " ".join(_tokens(term.text)[:MAX_TERMS])[:MAX_TERM_CHARS]
    out = '"' + text.replace('"', '""') + '"'
    if term.prefix:
        out += " *"
    if term.field:
        out = f"{term.field} : {out}"
    return out


def convert(query: str) -> FtsQuery:
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
    groups = _cap(groups)
    excluded = excluded[: max(0, MAX_TERMS - sum(len(g) for g in groups))]
    words = tuple(dict.fromkeys(w.lower() for g in groups for t in g for w in _tokens(t.text)))
    if not groups:
        problem = (
            "a query needs at least one word to look for, not only excluded ones"
            if excluded
            else "nothing to search for: the query has no letters or digits"
        )
        return FtsQuery("", (), problem)
    parts = []
    for group in groups:
        quoted = [_quote(t) for t in group]
        parts.append(quoted[0] if len(quoted) == 1 else "(" + " OR ".join(quoted) + ")")
    match = " AND ".join(parts)
    for term in excluded:
        match += " NOT " + _quote(term)
    return FtsQuery(match, words)


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
