"""Other spellings of a word a person types: the one home of search's small vocabulary.

An entry is written in full words and one spelling; people search in the abbreviations of
their trade ("sqla", "pg", "db", "ctx") and in their own spelling ("serialise",
"behaviour"). :func:`variants` gives what else a word may be written as, for the query
to match either (:func:`kbtool.search.query.convert` puts them in the word's OR-group).

Kept small and general on purpose: software vocabulary every team shares, not the words
of one knowledge base's entries (those belong in the entries: their tags and symptoms).
"""

from __future__ import annotations

#: Abbreviations of software words, to the words entries write. Each is short and has one
#: common meaning in the trade.
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "args": ("arguments",),
    "arg": ("argument",),
    "attr": ("attribute",),
    "attrs": ("attributes",),
    "auth": ("authentication",),
    "config": ("configuration",),
    "conn": ("connection",),
    "conns": ("connections",),
    "ctx": ("context",),
    "db": ("database",),
    "deps": ("dependencies",),
    "dep": ("dependency",),
    "env": ("environment",),
    "func": ("function",),
    "k8s": ("kubernetes",),
    "msg": ("message",),
    "param": ("parameter",),
    "params": ("parameters",),
    "pg": ("postgres", "postgresql"),
    "pkg": ("package",),
    "psql": ("postgres", "postgresql"),
    "repo": ("repository",),
    "req": ("request",),
    "resp": ("response",),
    "sqla": ("sqlalchemy",),
    "tx": ("transaction",),
    "txn": ("transaction",),
    "tz": ("timezone",),
    "ws": ("websocket",),
}

#: PostgreSQL's SQLSTATE codes (the ``pgcode`` of psycopg's errors, ``sqlstate`` of asyncpg's,
#: "SQLSTATE 25P02" in logs and ORMs' messages) to the words their errors are written in:
#: the server's message and the drivers' class name (psycopg's ``InFailedSqlTransaction``).
#: The common ones only: a code people search for because their log shows it.
SQLSTATES: dict[str, tuple[str, ...]] = {
    "23502": ("violates not-null constraint", "notnullviolation"),
    "23503": ("violates foreign key constraint", "foreignkeyviolation"),
    "23505": ("duplicate key value", "uniqueviolation"),
    "25p02": ("current transaction is aborted", "infailedsqltransaction"),
    "28p01": ("password authentication failed", "invalidpassword"),
    "3d000": ("invalidcatalogname",),  # database "…" does not exist
    "40001": ("could not serialize access", "serializationfailure"),
    "40p01": ("deadlock detected", "deadlockdetected"),
    "42601": ("syntax error", "syntaxerror"),
    "42703": ("undefinedcolumn",),  # column "…" does not exist
    "42p01": ("undefinedtable",),  # relation "…" does not exist
    "53300": ("too many clients", "toomanyconnections"),
    "55p03": ("could not obtain lock", "locknotavailable"),
    "57014": ("canceling statement", "querycanceled"),
    "57p01": ("terminating connection due to administrator command", "adminshutdown"),
}

#: Endings of the -ise/-ize verbs and their nouns: British and American spelling, which
#: the Porter stemmer does not bring together ("serialise" → serialis, "serializable" →
#: serializ, "serialize" → serial).
_ISE = ("isation", "ization", "isable", "izable", "ising", "izing", "ised", "ized", "iser",
        "izer", "ises", "izes", "ise", "ize")  # fmt: skip
#: The shortest stem an -ise ending is taken off (shorter: "raise", "promise", "rise").
_MIN_STEM = 5


def variants(word: str) -> list[tuple[str, bool]]:
    """Other ways ``word`` is written, each with whether it is a prefix (``serial`` for
    ``serialise``: every -ise/-ize form). Empty for most words."""
    lower = word.lower()
    out = [(full, False) for full in ABBREVIATIONS.get(lower, ()) or SQLSTATES.get(lower, ())]
    for ending in _ISE:
        if lower.endswith(ending) and len(lower) - len(ending) >= _MIN_STEM:
            out.append((lower[: -len(ending)], True))
            break
    if lower.endswith("our") and len(lower) >= 6:  # behaviour, colour: behavior, color
        out.append((lower[:-2] + "r", False))
    return out
