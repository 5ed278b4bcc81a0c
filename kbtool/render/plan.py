"""Choose entries and render them (``kbtool render``, ``kbtool plan``).

Entries are chosen by id, by a search query, by category (a prefix: ``Database`` takes
``Database/AsyncIO``), or by an error message or log (``kbtool plan --match``); with none
of these, every entry. The order is deterministic: ids as given, hits by rank, otherwise
the KB's file order.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kbtool.errors import NothingMatchedError, UsageError

if TYPE_CHECKING:
    from kbtool.config import Config
    from kbtool.kb import EntryRef, KnowledgeBase
    from kbtool.render.engine import Limits

DEFAULT_MATCH_LIMIT = 3


@dataclass
class Selection:
    entries: list[EntryRef]
    query: str = ""
    how: str = "all entries"


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
        raise UsageError("choose entries one way: ids, --query or --match")
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
        selection = Selection([by_id[h] for h in hits if h in by_id], query, "search")
    elif match is not None:
        hits = _match(config, match, limit or DEFAULT_MATCH_LIMIT)
        selection = Selection([by_id[h] for h in hits if h in by_id], _first_line(match), "match")
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


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""


def _search(config: Config, query: str, limit: int | None) -> list[str]:
    from kbtool.search.fulltext import search_entries

    return [hit.id for hit in search_entries(config, query, limit=limit or 50)]


def _match(config: Config, text: str, limit: int) -> list[str]:
    from kbtool.search.match import match_text

    hits = match_text(config, text, limit=limit)
    if hits and hits[0].kind == "exact":  # the error itself is known: plan for that alone
        hits = [hit for hit in hits if hit.kind == "exact"]
    return [hit.id for hit in hits]


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
    """Render ``template`` for the selected entries (links relative to ``out``'s folder)."""
    from kbtool.render.context import build_context
    from kbtool.render.engine import render

    graph = None
    if with_backlinks:
        from kbtool.reports.links import build_graph

        graph = build_graph(config, kb)
    context = build_context(
        selection.entries,
        config,
        title=title,
        query=selection.query,
        out_dir=out.parent if out is not None else None,
        graph=graph,
    )
    return render(template, context, user_dir=user_dir, limits=limits)
