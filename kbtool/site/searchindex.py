"""The site's search index: sharded JSON the browser loads a few files of per query.

Each file is a script, ``kbtoolSearch("t/ab", JSON.parse("…"));``, loaded with a
``<script>`` element rather than fetched: browsers refuse ``fetch`` to a page opened from
``file://`` (a site unzipped from a CI artifact), but load its scripts. The JSON travels as
a string for ``JSON.parse`` (a JS object literal would give a ``"__proto__"`` key, which
entry text can hold, another meaning). Below, each file's name (``search/<name>.js``) and its JSON.

Layout (all under ``search/``; ``static/search.js`` and ``static/query.js`` read it):

- ``meta``: entry count, docs per shard, the words a query leaves out, the vocabulary's
  tables (:func:`vocabulary`), the format version.
- ``t/<key>``: the inverted index, one shard per first two characters of a term
  (:func:`shard_key`): ``{term: [doc, score, doc, score, …]}``, postings best first, at most
  :data:`MAX_POSTINGS` per term. The terms are Porter stems, as ``kbtool search``'s index
  holds them, and a score is what one query word scores there, times 100
  (:mod:`kbtool.site.searchscore`). A prefix typed so far is looked up in the one shard of
  its first two characters.
- ``v/<key>``: the short fields' words as written, with the number of entries holding
  each: ``{word: entries}``, sharded as the terms; "did you mean" picks from them.
- ``i/<key>``: the entries' ids, sharded as the terms: ``{id: doc}``; a query that is an
  id (or, with a dash, the start of one) finds that entry first, as in ``kbtool search``.
- ``d/<n>``: entries ``n*PER_SHARD …``: ``[id, title, category, severity, date,
  status, snippet]``.
- ``s/<hh>`` and ``m/<hh>``: the symptoms by signature, and by signature without
  the exception type, as ``kbtool match`` normalises them
  (:func:`kbtool.search.errortext.signatures`), sharded by :func:`fnv1a` of the signature:
  ``{signature: [[doc, words, quoted], …]}``. ``static/errortext.js`` normalises a pasted
  error the same way (the shared vectors in ``tests/fixtures/errortext_vectors.json`` hold
  the two to one answer).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from typing import Any

from kbtool.site.collect import SiteData

FORMAT = 3  # 2: scripts (search/**/*.js) instead of JSON files; 3: stemmed terms, v/
PER_SHARD = 16
MAX_POSTINGS = 1000
MAX_TERM = 32
SIG_SHARDS = 256
SNIPPET = 160
#: The lengths of the words "did you mean" may offer (kbtool search: 3 to 40).
MIN_SPELLED, MAX_SPELLED = 3, 40
_ASCII_KEY = re.compile(r"^[a-z0-9]{2}$")


def stop_words() -> frozenset[str]:
    """The words ``kbtool search`` leaves out of a query (the browser does the same)."""
    from kbtool.search.query import STOP_WORDS, VAGUE_WORDS

    return STOP_WORDS | VAGUE_WORDS


def vocabulary() -> dict[str, Any]:
    """:mod:`kbtool.search.vocabulary`'s tables, for static/query.js's ``variants``."""
    from kbtool.search import vocabulary as v

    return {
        "abbreviations": v.ABBREVIATIONS,
        "sqlstates": v.SQLSTATES,
        "ise": list(v._ISE),
        "min_stem": v._MIN_STEM,
    }


def fnv1a(text: str) -> int:
    """32-bit FNV-1a of the UTF-8 bytes (static/search.js computes the same)."""
    h = 0x811C9DC5
    for byte in text.encode("utf-8"):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def shard_key(term: str) -> str:
    """The term shard of a term: its first two characters when they are [a-z0-9], else
    ``_`` and two hex digits of the hash of those two characters."""
    head = term[:2]
    if _ASCII_KEY.match(head):
        return head
    return f"_{fnv1a(head) % SIG_SHARDS:02x}"


def sig_shard(signature: str) -> str:
    return f"{fnv1a(signature) % SIG_SHARDS:02x}"


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def index_files(data: SiteData) -> dict[str, bytes]:
    """Every file of ``search/``, by site path."""
    from kbtool.site.searchscore import scored_terms

    out: dict[str, bytes] = {}
    n = len(data.entries)
    postings, words = scored_terms([e.head for e in data.entries], [e.body for e in data.entries])
    shards: dict[str, dict[str, list[int]]] = defaultdict(dict)
    for term, plist in postings.items():
        if len(term) > MAX_TERM:
            continue
        plist.sort(key=lambda p: (-p[1], p[0]))  # best score first, then by entry
        shards[shard_key(term)][term] = [
            x for doc, score in plist[:MAX_POSTINGS] for x in (doc, score)
        ]
    for key, terms in shards.items():
        out[f"search/t/{key}.json"] = _dumps(terms)
    spelled: dict[str, dict[str, int]] = defaultdict(dict)
    for word, count in words.items():
        if MIN_SPELLED <= len(word) <= MAX_SPELLED:
            spelled[shard_key(word)][word] = count
    for key, table in spelled.items():
        out[f"search/v/{key}.json"] = _dumps(table)
    ids: dict[str, dict[str, int]] = defaultdict(dict)
    for doc, e in enumerate(data.entries):
        ids[shard_key(e.id)][e.id] = doc
    for key, table in ids.items():
        out[f"search/i/{key}.json"] = _dumps(table)
    for start in range(0, n, PER_SHARD):
        rows = []
        for e in data.entries[start : start + PER_SHARD]:
            d = e.data
            rows.append(
                [
                    e.id,
                    d.get("title", ""),
                    d.get("category", ""),
                    d.get("severity") or "",
                    str(d["date"]) if d.get("date") else "",
                    d.get("status") or "active",
                    " ".join((d.get("description") or "").split())[:SNIPPET],
                ]
            )
        out[f"search/d/{start // PER_SHARD}.json"] = _dumps(rows)
    out.update(_symptom_files(data))
    meta = {
        "shards": sorted(p.rsplit("/", 1)[-1][:-5] for p in out if p.startswith("search/t/")),
        "spelled": sorted(p.rsplit("/", 1)[-1][:-5] for p in out if p.startswith("search/v/")),
        "ids": sorted(p.rsplit("/", 1)[-1][:-5] for p in out if p.startswith("search/i/")),
        "sigs": sorted(p[7:-5] for p in out if p.startswith(("search/s/", "search/m/"))),
        "format": FORMAT,
        "docs": n,
        "per_shard": PER_SHARD,
        "sig_shards": SIG_SHARDS,
        "stop": sorted(stop_words()),
        "max_term": MAX_TERM,
        "vocabulary": vocabulary(),
    }
    out["search/meta.json"] = _dumps(meta)
    return {f"{path[:-5]}.js": _script(path[7:-5], body) for path, body in sorted(out.items())}


def _script(name: str, body: bytes) -> bytes:
    """The file ``search/<name>.js``: it hands its JSON to ``static/search.js``'s loader."""
    text = json.dumps(body.decode("utf-8"), ensure_ascii=False)
    return f'kbtoolSearch("{name}",JSON.parse({text}));\n'.encode()


def _symptom_files(data: SiteData) -> dict[str, bytes]:
    from kbtool.search.errortext import quoted_values, signatures, words

    by_sig: dict[str, dict[str, list[list[Any]]]] = defaultdict(lambda: defaultdict(list))
    by_msg: dict[str, dict[str, list[list[Any]]]] = defaultdict(lambda: defaultdict(list))
    for doc, e in enumerate(data.entries):
        for symptom in e.data.get("symptoms") or []:
            for line in (symptom.get("text") or "").splitlines()[:5]:
                if not line.strip():
                    continue
                sig, msg = signatures(line)
                if not sig:
                    continue
                row = [doc, " ".join(sorted(words(line))), " ".join(sorted(quoted_values(line)))]
                if row not in by_sig[sig_shard(sig)][sig]:
                    by_sig[sig_shard(sig)][sig].append(row)
                if msg != sig and row not in by_msg[sig_shard(msg)][msg]:
                    by_msg[sig_shard(msg)][msg].append(row)
    out = {}
    for folder, table in (("s", by_sig), ("m", by_msg)):
        for key, sigs in table.items():
            out[f"search/{folder}/{key}.json"] = _dumps(sigs)
    return out
