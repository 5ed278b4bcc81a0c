"""The site's search index: sharded JSON the browser loads a few files of per query.

Each file is a script, ``kbtoolSearch("t/ab", JSON.parse("…"));``, loaded with a
``<script>`` element rather than fetched: browsers refuse ``fetch`` to a page opened from
``file://`` (a site unzipped from a CI artifact), but load its scripts. The JSON travels as
a string for ``JSON.parse`` (a JS object literal would give a ``"__proto__"`` key, which
entry text can hold, another meaning). Below, each file's name (``search/<name>.js``) and its JSON.

Layout (all under ``search/``; ``static/search.js`` reads it):

- ``meta``: entry count, docs per shard, the stop words, the format version.
- ``t/<key>``: the inverted index, one shard per first two characters of a term
  (:func:`shard_key`): ``{term: [doc, score, doc, score, …]}``, postings best first, at most
  :data:`MAX_POSTINGS` per term; scores are BM25 over the entry's fields weighed (title 3,
  tags, category and symptoms 2, the rest 1), times 100, as integers. A prefix typed so far
  is looked up in the one shard of its first two characters.
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
import math
import re
from collections import Counter, defaultdict
from typing import Any

from kbtool.site.collect import SiteData, SiteEntry

FORMAT = 2  # 2: scripts (search/**/*.js) instead of JSON files
PER_SHARD = 16
MAX_POSTINGS = 1000
MAX_TERM = 32
SIG_SHARDS = 256
SNIPPET = 160
K1, B = 1.2, 0.75
_TOKEN = re.compile(r"[^\W_]+(?:_[^\W_]+)*|_+[^\W_][\w]*")
_WORD = re.compile(r"[^\W_](?:\w*[^\W_])?")  # a run of \w without its edge underscores
_ASCII_KEY = re.compile(r"^[a-z0-9]{2}$")


def stop_words() -> frozenset[str]:
    from kbtool.search.errortext import STOP_WORDS

    return STOP_WORDS


def tokens(text: str, stop: frozenset[str]) -> list[str]:
    """Lower-cased words of two characters or more, stop words left out (the browser's
    tokeniser in static/search.js is the same rule)."""
    words = (w[:MAX_TERM] for w in _WORD.findall(text.lower()))
    return [w for w in words if len(w) > 1 and w not in stop]


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


def _fields(e: SiteEntry) -> list[tuple[float, str]]:
    d = e.data
    body = [
        d.get("description", ""),
        *(d.get("root_causes") or []),
        *(f"{w.get('question', '')} {w.get('answer', '')}" for w in d.get("five_whys") or []),
        *(_step_text(s) for s in d.get("solution") or []),
        *(d.get("files_modified") or []),
        *(d.get("prevention") or []),
        *(d.get("verification") or []),
    ]
    return [
        (3.0, f"{d.get('title', '')} {e.id.replace('-', ' ')}"),
        (2.0, " ".join([*(d.get("tags") or []), d.get("category", "")])),
        (2.0, " ".join(s.get("text", "") for s in d.get("symptoms") or [])),
        (1.0, " ".join(body)),
    ]


def _step_text(step: dict[str, Any]) -> str:
    code = [c.get("text", "") for c in step.get("code") or []]
    return " ".join([step.get("title") or "", step.get("text", ""), *code])


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def index_files(data: SiteData) -> dict[str, bytes]:
    """Every file of ``search/``, by site path."""
    stop = stop_words()
    out: dict[str, bytes] = {}
    weighted: list[dict[str, float]] = []
    for e in data.entries:
        tf: dict[str, float] = defaultdict(float)
        for weight, text in _fields(e):
            for term in tokens(text, stop):
                tf[term] += weight
        weighted.append(tf)
    n = len(weighted)
    lengths = [sum(tf.values()) for tf in weighted]
    avg = (sum(lengths) / n) if n else 1.0
    df: Counter[str] = Counter()
    for tf in weighted:
        df.update(tf.keys())
    scale = {t: 100 * (K1 + 1) * math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
    postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for doc, tf in enumerate(weighted):
        norm = K1 * (1 - B + B * lengths[doc] / avg)
        for term, f in tf.items():
            score = int(scale[term] * f / (f + norm) + 0.5) or 1
            postings[term].append((-score, doc))
    shards: dict[str, dict[str, list[int]]] = defaultdict(dict)
    for term, plist in postings.items():
        plist.sort()  # best score first, then by entry
        flat: list[int] = []
        for negative, doc in plist[:MAX_POSTINGS]:
            flat += (doc, -negative)
        shards[shard_key(term)][term] = flat
    for key, terms in shards.items():
        out[f"search/t/{key}.json"] = _dumps(terms)
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
        "sigs": sorted(p[7:-5] for p in out if p.startswith(("search/s/", "search/m/"))),
        "format": FORMAT,
        "docs": n,
        "per_shard": PER_SHARD,
        "sig_shards": SIG_SHARDS,
        "stop": sorted(stop),
        "max_term": MAX_TERM,
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
