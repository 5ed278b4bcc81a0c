"""Choose entries and render them (``kbtool render``, ``kbtool plan``).

Entries are chosen by id, by a search query, by category (a prefix: ``Database`` takes
``Database/AsyncIO``), or by an error message or log (``kbtool plan --match``); with none
of these, every entry. The order is deterministic: ids as given, hits by rank, otherwise
the KB's file order.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kbtool.errors import NothingMatchedError, UsageError

if TYPE_CHECKING:
    from kbtool.config import Config
    from kbtool.kb import EntryRef, KnowledgeBase
    from kbtool.render.engine import Limits

DEFAULT_MATCH_LIMIT = 3
PLAN_TEMPLATE = "remediation-plan.md.j2"


@dataclass
class Selection:
    """The chosen entries; ``reasons`` says why each was chosen (Markdown-lite, by id) and
    ``strength`` how well it matched (higher is better)."""

    entries: list[EntryRef]
    query: str = ""
    how: str = "all entries"
    reasons: dict[str, str] = field(default_factory=dict)
    strength: dict[str, float] = field(default_factory=dict)


def unknown_id(entry_id: str, ids: list[str]) -> UsageError:
    close = difflib.get_close_matches(entry_id, ids, n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    return UsageError(f"no entry with id {entry_id!r}{hint}")


def select_entries(
    config: Config,
    kb: KnowledgeBase,
    *,
    ids: list[str] | None = None,
    query: str | None = None,
    category: str | None = None,
    match: str | None = None,
    limit: int | None = None,
) -> Selection:
    """The entries to render. Raises UsageError for an unknown id or an empty selection."""
    chosen = [x for x in (bool(ids), query is not None, match is not None) if x]
    if len(chosen) > 1:
        raise UsageError(
            "choose entries one way: ids, {query} or {match}", params=("query", "match")
        )
    by_id: dict[str, EntryRef] = {}
    for entry in kb.entries():
        by_id.setdefault(entry.id, entry)
    if ids:
        missing = [i for i in ids if i not in by_id]
        if missing:
            raise unknown_id(missing[0], sorted(by_id))
        selection = Selection([by_id[i] for i in dict.fromkeys(ids)], "", "by id")
    elif query is not None:
        hits = _search(config, query, limit)
        selection = Selection([by_id[h] for h, _, _ in hits if h in by_id], query, "search")
        selection.reasons = {h: why for h, why, _ in hits}
        selection.strength = {h: score for h, _, score in hits}
    elif match is not None:
        hits = _match(config, match, limit or DEFAULT_MATCH_LIMIT)
        selection = Selection(
            [by_id[h] for h, _, _ in hits if h in by_id], _error_line(match), "match"
        )
        selection.reasons = {h: why for h, why, _ in hits}
        selection.strength = {h: score for h, _, score in hits}
    else:
        selection = Selection(list(by_id.values()))
    if category:
        prefix = category.strip().lower().rstrip("/")
        selection.entries = [
            e
            for e in selection.entries
            if e.category.lower() == prefix or e.category.lower().startswith(prefix + "/")
        ]
    if limit is not None and limit >= 0:
        selection.entries = selection.entries[:limit]
    if not selection.entries:
        what = {"search": f"matches the query {query!r}", "match": "matches that error text"}
        raise (NothingMatchedError if selection.how == "match" else UsageError)(
            f"no entry {what.get(selection.how, 'is selected')}"
            + (f" in category {category!r}" if category else "")
        )
    return selection


def _error_line(text: str) -> str:
    """What a plan says it was selected by: the error line ``kbtool match`` ranks first (a
    log's last line is usually "INFO exiting"), else the last line of the text."""
    from kbtool.search.errortext import clean_line, message_lines

    found = message_lines(text, limit=1)
    if found:
        return clean_line(found[0].text)[:200]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""


def _code_span(text: str) -> str:
    from kbtool.render.mdescape import md_code_span

    return str(md_code_span(text[:160] + ("…" if len(text) > 160 else "")))


def _search(config: Config, query: str, limit: int | None) -> list[tuple[str, str, float]]:
    """(id, why it was found, score) of each hit."""
    from kbtool.search.fulltext import search_entries

    out = []
    for hit in search_entries(config, query, limit=limit or 50):
        words = dict.fromkeys(hit.snippet[a:b].lower() for a, b in hit.highlights)
        why = "query words " + ", ".join(_code_span(w) for w in words) if words else "query"
        out.append((hit.id, why, hit.score))
    return out


def _match(config: Config, text: str, limit: int) -> list[tuple[str, str, float]]:
    """(id, which symptom matched and how, score) of each hit."""
    from kbtool.search.match import match_text

    hits = match_text(config, text, limit=limit)
    if hits and hits[0].kind == "exact":  # the error itself is known: plan for that alone
        hits = [hit for hit in hits if hit.kind == "exact"]
    return [(hit.id, f"{hit.kind} match of {_code_span(hit.symptom)}", hit.score) for hit in hits]


def plan_order(selection: Selection) -> Selection:
    """A plan's order: most severe first, then the strongest match, then as selected.
    Superseded entries are left out (their replacement is what to apply) unless they were
    asked for by id or nothing else is left."""
    from kbtool.model import Severity, Status

    rank = {s.value: n for n, s in enumerate(Severity)}
    entries = selection.entries
    if selection.how != "by id":
        current = [e for e in entries if e.element.get("status") != Status.SUPERSEDED.value]
        entries = current or entries
    position = {e.id: n for n, e in enumerate(entries)}

    def key(e: EntryRef) -> tuple[int, float, int]:
        severity = (e.element.get("severity") or "").strip()
        return (rank.get(severity, len(rank)), -selection.strength.get(e.id, 0.0), position[e.id])

    selection.entries = sorted(entries, key=key)
    return selection


def render_selection(
    config: Config,
    template: str,
    selection: Selection,
    *,
    out: Path | None = None,
    user_dir: Path | None = None,
    title: str = "",
    limits: Limits | None = None,
    kb: KnowledgeBase | None = None,
    with_backlinks: bool = True,
) -> str:
    """Render ``template`` for the selected entries (links relative to ``out``'s folder);
    a remediation plan takes them in a plan's order (:func:`plan_order`)."""
    from kbtool.render.context import build_context
    from kbtool.render.engine import render, template_name

    graph = None
    if with_backlinks:
        from kbtool.reports.links import build_graph

        graph = build_graph(config, kb)
    if template_name(template) == PLAN_TEMPLATE:
        selection = plan_order(selection)
    context = build_context(
        selection.entries,
        config,
        title=title,
        query=selection.query,
        out_dir=out.parent if out is not None else None,
        graph=graph,
        reasons=selection.reasons,
    )
    return render(template, context, user_dir=user_dir, limits=limits)
