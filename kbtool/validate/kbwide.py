"""KB-wide semantic checks (KB3xx), computed from the facts of every file on each run.

They run on every validation, also when every file came from the cache, so the index they
share is built in one pass over the entries and each check touches only what it needs.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from kbtool.validate.context import EntryFacts, FileFacts, KbContext, Ref

FUTURE_SLACK = dt.timedelta(days=1)  # time zones: "today" somewhere is tomorrow here


def _at(entry: EntryFacts) -> str:
    return f"{entry.file.display}:{entry.line}"


class _Index:
    """What the checks need, gathered in one pass."""

    def __init__(self) -> None:
        self.by_id: dict[str, list[EntryFacts]] = {}
        self.folded: dict[str, list[EntryFacts]] = {}
        self.titles: dict[str, list[EntryFacts]] = {}
        self.with_refs: list[EntryFacts] = []
        self.with_supersedes: list[EntryFacts] = []
        self.with_dates: list[EntryFacts] = []
        self.superseded: list[EntryFacts] = []  # status="superseded"


def _title_key(title: str) -> str:
    """Titles compare ignoring case and runs of white space."""
    key = title.casefold()
    return " ".join(key.split()) if "  " in key or not key.isprintable() else key


def _index(kb: KbContext) -> _Index:
    index = _Index()
    by_id, titles = index.by_id, index.titles
    for entry in kb.entries:
        ident = entry.id
        if ident:
            if ident in by_id:
                by_id[ident].append(entry)
            else:
                by_id[ident] = [entry]
        title = _title_key(entry.title)
        if not title:
            pass
        elif title in titles:
            titles[title].append(entry)
        else:
            titles[title] = [entry]
        row = entry._row
        if row[8]:
            index.with_refs.append(entry)
        if row[9]:
            index.with_supersedes.append(entry)
        if row[6] or row[7]:
            index.with_dates.append(entry)
        if entry.status == "superseded":
            index.superseded.append(entry)
    for ident, group in by_id.items():
        index.folded.setdefault(ident.casefold(), []).extend(group)
    return index


def check_kb(kb: KbContext) -> None:
    """Run the core KB-wide checks."""
    index = _index(kb)
    _duplicate_ids(kb, index)
    _references(kb, index)
    _links(kb, index)
    _dates(kb, index)
    _supersedes(kb, index)
    _titles(kb, index)
    _categories(kb)


def _duplicate_ids(kb: KbContext, index: _Index) -> None:
    for group in index.folded.values():
        if len(group) < 2:
            continue
        for entry in group:
            same = [o for o in group if o is not entry and o.id == entry.id]
            other_case = [o for o in group if o.id != entry.id]
            parts = []
            if same:
                shown = ", ".join(_at(o) for o in same[:5])
                more = f" and {len(same) - 5} more" if len(same) > 5 else ""
                parts.append(f"duplicate id {entry.id!r}: also at {shown}{more}")
            if other_case:
                cased = ", ".join(f"{o.id!r} at {_at(o)}" for o in other_case[:5])
                parts.append(f"id {entry.id!r} differs only in case from {cased}")
            kb.report(entry.file.path, entry.line, entry.col, "KB303", "; ".join(parts))


def _references(kb: KbContext, index: _Index) -> None:
    by_id = index.by_id
    refs = [(e, r) for e in index.with_refs for r in e.refs if r.kind == "learning"]
    refs += [(e, r) for e in index.with_supersedes for r in e.supersedes]
    for entry, ref in refs:
        if ref.target in by_id:
            continue
        near = index.folded.get(ref.target.casefold())
        hint = f" (did you mean {near[0].id!r}?)" if near else ""
        kb.report(
            entry.file.path,
            ref.line,
            ref.col,
            "KB305",
            f"<{ref.kind} ref={ref.target!r}> names no entry in the knowledge base{hint}",
        )


def _links(kb: KbContext, index: _Index) -> None:
    root = kb.config.root
    known: dict[Path, tuple[bool, bool, bool]] = {}
    for entry in index.with_refs:
        for ref in entry.refs:
            if ref.kind == "learning":
                continue
            target = kb.resolve_href(entry.file, ref.target)
            if target is None or target == entry.file.path:
                continue
            if target not in known:
                real = Path(os.path.realpath(target))
                known[target] = (real.is_relative_to(root), real.exists(), real.is_file())
            inside, exists, is_file = known[target]
            shown = os.path.relpath(target, root)
            if not inside:
                if not shown.startswith(".."):  # lexical escapes are reported per file
                    kb.report(
                        entry.file.path,
                        ref.line,
                        ref.col,
                        "KB307",
                        f"<{ref.kind} href={ref.target!r}> leads outside the knowledge "
                        "base root (through a symbolic link)",
                    )
            elif not exists:
                kb.report(
                    entry.file.path,
                    ref.line,
                    ref.col,
                    "KB306",
                    f"<{ref.kind} href={ref.target!r}>: no such file {shown}",
                )
            elif ref.kind == "fix-report" and not is_file:
                kb.report(
                    entry.file.path,
                    ref.line,
                    ref.col,
                    "KB306",
                    f"<fix-report href={ref.target!r}>: {shown} is not a file",
                )


def _dates(kb: KbContext, index: _Index) -> None:
    limit = (kb.today + FUTURE_SLACK).isoformat()
    today = kb.today.isoformat()
    for f in kb.files:
        updated = f.facts.get("core", {}).get("last_updated")
        if updated and updated[0] > limit:
            kb.report(
                f.path,
                updated[1],
                updated[2] or f.column(updated[1], "last_updated"),
                "KB309",
                f"last_updated {updated[0]} is in the future (today is {today})",
            )
    for entry in index.with_dates:
        if entry.date and entry.date > limit:
            kb.report(
                entry.file.path,
                *entry.date_pos,
                "KB309",
                f"entry {entry.id!r}: date {entry.date} is in the future (today is {today})",
            )
        if entry.review_by and entry.review_by < today and entry.status == "active":
            kb.report(
                entry.file.path,
                *entry.review_by_pos,
                "KB310",
                f"entry {entry.id!r} was due for review on {entry.review_by}",
            )


def _supersedes(kb: KbContext, index: _Index) -> None:
    superseded_by: dict[str, list[EntryFacts]] = {}
    for entry in index.with_supersedes:
        for ref in entry.supersedes:
            if ref.target != entry.id:
                superseded_by.setdefault(ref.target, []).append(entry)
    for ident, successors in superseded_by.items():
        for entry in index.by_id.get(ident, ()):
            if entry.status == "active":
                by = successors[0]
                kb.report(
                    entry.file.path,
                    entry.line,
                    entry.col,
                    "KB311",
                    f"entry {entry.id!r} is superseded by {by.id!r} ({_at(by)}) "
                    "but its status is 'active': set status=\"superseded\"",
                )
    for entry in index.superseded:
        if entry.id not in superseded_by:
            kb.report(
                entry.file.path,
                entry.line,
                entry.col,
                "KB311",
                f"entry {entry.id!r} has status 'superseded' but no entry supersedes it "
                f'(add <supersedes ref="{entry.id}"/> to its replacement)',
            )
    _cycles(kb, index)


def _cycles(kb: KbContext, index: _Index) -> None:
    """Report each ``supersedes`` cycle once, at the edge that closes it."""
    by_id = index.by_id
    graph: dict[str, list[Ref]] = {}
    for entry in index.with_supersedes:
        if entry.id and by_id[entry.id][0] is entry:
            graph[entry.id] = [
                r for r in entry.supersedes if r.target != entry.id and r.target in by_id
            ]
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(graph):
        if start in state:
            continue
        state[start] = 1
        path = [start]
        stack = [iter(graph[start])]
        while stack:
            ref = next(stack[-1], None)
            if ref is None:
                state[path.pop()] = 2
                stack.pop()
                continue
            seen = state.get(ref.target)
            if seen == 1:
                cycle = path[path.index(ref.target) :]
                origin = by_id[path[-1]][0]
                loop = " → ".join([*cycle, ref.target])
                kb.report(
                    origin.file.path,
                    ref.line,
                    ref.col,
                    "KB312",
                    f"supersedes forms a cycle: {loop}",
                )
            elif seen is None:
                state[ref.target] = 1
                path.append(ref.target)
                stack.append(iter(graph.get(ref.target, ())))


def _titles(kb: KbContext, index: _Index) -> None:
    for group in index.titles.values():
        first = group[0]
        for entry in group[1:]:
            kb.report(
                entry.file.path,
                entry.line,
                entry.col,
                "KB317",
                f"entry {entry.id!r} has the same title as {first.id!r} ({_at(first)})",
            )


def _categories(kb: KbContext) -> None:
    """One file a category: report every file but the one named for it (or the first)."""
    from kbtool.kb import category_filename, is_category_file_name

    groups: dict[str, list[FileFacts]] = {}
    for f in kb.files:
        if f.category is not None:
            groups.setdefault(f.category, []).append(f)
    for category, files in groups.items():
        if len(files) < 2:
            continue
        expected = category_filename(category)
        keep = next((f for f in files if f.path.name == expected), files[0])
        for f in files:
            if f is keep or (
                keep.path.name == expected and is_category_file_name(f.path.name, category)
            ):
                continue  # a numbered part of a category split over several files
            line, col = f.facts["core"].get("category_pos", (0, 0))
            col = col or f.column(line, "category")
            kb.report(
                f.path,
                line,
                col,
                "KB318",
                f"category {category!r} is also the category "
                f"of {keep.display}: keep one file a category",
            )
