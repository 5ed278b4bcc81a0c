"""What each ``kbtool mcp`` tool and resource does, as plain library calls (no MCP SDK here).

:class:`KbTools` holds the KB's configuration and the size limit; each method takes the
tool's arguments, calls kbtool's library (search, match, show, render, scan, kbwrite) and
returns the tool's answer as a :mod:`kbtool.mcp.shapes` model, cut to the limit. Bad input
(an unknown id, empty text, a path outside the KB root) raises a :class:`~kbtool.errors.KbError`
with a clear message; the server turns it into an MCP error.

Freshness: search, match, listings, entries and stats read the search index, which checks
every XML file's size and mtime before each query and updates itself; the few answers that
need the parsed KB (plans, new ids) reload it when that same stat stamp changes.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kbtool.errors import UnsafePathError, UsageError
from kbtool.mcp import shapes
from kbtool.mcp.budget import DEFAULT_MAX_CHARS, fit
from kbtool.mcp.propose import Draft

if TYPE_CHECKING:
    from kbtool.config import Config
    from kbtool.kb import KnowledgeBase

MAX_INPUT_CHARS = 4 << 20  # of an error, log or diff handed to a tool
MAX_LIMIT = 50
MAX_PATHS = 100
PASTE_LINES = 3  # a search query of this many lines, or of PASTE_CHARS, is a pasted error or log
PASTE_CHARS = 1000
ENTRY_URI = "kb://entry/{id}"


class WriteRefused(UsageError):
    """propose_entry on a server started without --allow-write."""


def entry_uri(entry_id: str) -> str:
    return ENTRY_URI.format(id=entry_id)


def entry_id(given: str) -> str:
    """An id as assistants pass it: the answers' own ``kb://entry/<id>``, or the id quoted
    from Markdown (`` `id` ``, ``"id"``), is the id."""
    text = given.strip()
    while len(text) > 1 and text[0] == text[-1] and text[0] in "`'\"":
        text = text[1:-1].strip()
    prefix = ENTRY_URI.format(id="")
    return text[len(prefix) :].strip() if text.startswith(prefix) else text


def _text_arg(value: str | None, what: str) -> str:
    if value is None or not value.strip():
        raise UsageError(f"{what} is empty: give the text to work on")
    if len(value) > MAX_INPUT_CHARS:
        raise UsageError(f"{what} is {len(value):,} characters; at most {MAX_INPUT_CHARS:,}")
    return value


def _limit(limit: int | None, default: int) -> int:
    if limit is None:
        return default
    if not 1 <= limit <= MAX_LIMIT:
        raise UsageError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    return limit


@dataclass
class KbTools:
    """The tools of one knowledge base."""

    config: Config
    max_chars: int = DEFAULT_MAX_CHARS
    allow_write: bool = False
    _kb: KnowledgeBase | None = field(default=None, repr=False)
    _kb_stamp: tuple[tuple[str, int, int], ...] = field(default=(), repr=False)

    # ------------------------------------------------------------ freshness

    def stamp(self) -> tuple[tuple[str, int, int], ...]:
        """(path, size, mtime) of every XML file of the KB: what changes when a file does."""
        from kbtool.kb import iter_xml_paths

        out = []
        for item in iter_xml_paths([], self.config):
            if isinstance(item, Path):
                try:
                    info = item.stat()
                except OSError:
                    continue
                out.append((str(item), info.st_size, info.st_mtime_ns))
        return tuple(sorted(out))

    def kb(self) -> KnowledgeBase:
        """The parsed KB, reloaded when a file was added, removed or changed."""
        from kbtool.kb import KnowledgeBase

        stamp = self.stamp()
        if self._kb is None or stamp != self._kb_stamp:
            self._kb, self._kb_stamp = KnowledgeBase.load(self.config), stamp
        return self._kb

    # ------------------------------------------------------------ tools

    def match_error(self, text: str, limit: int | None = None) -> shapes.MatchErrorResult:
        """Entries whose symptoms match an error message, traceback or log, best first."""
        from kbtool.search.match import match_text
        from kbtool.search.snippets import fix_summaries

        hits = match_text(self.config, _text_arg(text, "text"), limit=_limit(limit, 5))
        fixes = fix_summaries(self.config, [(h.path, h.line, h.id) for h in hits])
        answer = shapes.MatchErrorResult(
            hits=[
                shapes.MatchHit(**h.to_dict(), fix=fixes.get(h.id, ""), uri=entry_uri(h.id))
                for h in hits
            ],
            hint="" if hits else _words_hint(text),
        )
        return fit(answer, self.max_chars, lists=("hits",))

    def search(
        self,
        query: str,
        *,
        category: str | None = None,
        tag: list[str] | None = None,
        severity: list[str] | None = None,
        status: list[str] | None = None,
        limit: int | None = None,
    ) -> shapes.SearchResult:
        """BM25 full-text search with kbtool search's filters."""
        from kbtool.search.fulltext import make_filters, search

        filters = make_filters(
            self.config,
            category=category,
            tag=tag or (),
            severity=severity or (),
            status=status or (),
        )
        if not query.strip() and not (category or tag or severity or status):
            raise UsageError("query is empty: give words to search for, or a filter")
        _words_not_a_paste(query)
        found = search(self.config, query, limit=_limit(limit, 10), filters=filters)
        answer = shapes.SearchResult(
            query=query,
            hits=[
                shapes.SearchHit(
                    **{k: v for k, v in h.to_dict().items() if k != "highlights"},
                    uri=entry_uri(h.id),
                )
                for h in found.hits
            ],
            suggestions=list(found.suggestions),
            all_words=found.all_words,
        )
        answer = fit(answer, self.max_chars, lists=("hits",))
        answer.all_words = min(answer.all_words, len(answer.hits))  # of the hits kept
        return answer

    def get_entry(self, given_id: str, fmt: str = "markdown") -> shapes.EntryResult:
        """One entry, as a fix report in Markdown or as data."""
        from kbtool.show import describe, entry_markdown, load, locate

        if fmt not in ("markdown", "json"):
            raise UsageError(f"format {fmt!r}: expected markdown or json")
        wanted = entry_id(given_id)
        if not wanted:
            raise UsageError("id is empty: give an entry id (search or match_error finds them)")
        found = locate(self.config, wanted)
        ref = load(self.config, found[0])
        ctx = describe(self.config, ref)
        answer = shapes.EntryResult(
            id=ref.id,
            format="markdown" if fmt == "markdown" else "json",
            path=found[0].path,
            line=ref.line,
            status=str(ctx.get("status") or "active"),
        )
        if fmt == "markdown":
            answer.markdown = entry_markdown(self.config, ref, ctx)
            return fit(answer, self.max_chars, texts=("markdown",))
        answer.entry = json.loads(json.dumps(dict(ctx), default=str))
        return fit(answer, self.max_chars)

    def plan(
        self, ids: list[str] | None = None, error: str | None = None, title: str = ""
    ) -> shapes.PlanResult:
        """A remediation plan in Markdown for entries given by id or matched by an error."""
        from kbtool.selection import PLAN_TEMPLATE, plan_order, render_selection, select_entries

        ids = [entry_id(i) for i in ids or [] if entry_id(i)]
        if bool(ids) == bool(error and error.strip()):
            raise UsageError("give either ids or error (an error message, traceback or log)")
        if error is not None and error.strip():
            _text_arg(error, "error")
        kb = self.kb()
        selection = select_entries(self.config, kb, ids=ids or None, match=error or None)
        selection = plan_order(selection)
        templates = self.config.templates_dir
        markdown = render_selection(
            self.config,
            PLAN_TEMPLATE,
            selection,
            user_dir=templates.resolve() if templates is not None and templates.is_dir() else None,
            title=title or "Remediation plan",
            kb=kb,
        )
        answer = shapes.PlanResult(
            entries=[e.id for e in selection.entries], how=selection.how, markdown=markdown
        )
        return fit(answer, self.max_chars, texts=("markdown",))

    def check_code(
        self, paths: list[str] | None = None, diff: str | None = None
    ) -> shapes.CheckCodeResult:
        """The KB's detectors over files or folders under the root, or a diff's added lines."""
        from kbtool.scan.scanner import Finding, scan

        if bool(paths) == bool(diff and diff.strip()):
            raise UsageError("give either paths (relative to the KB root) or diff (a unified diff)")
        root = self.config.root.resolve()
        found: list[tuple[str, str | None, Finding]] = []
        if diff:
            from kbtool.scan.diffscan import scan_diff

            outcome = scan_diff(self.config, _text_arg(diff, "diff"))
            found = [(path, where, f) for path, where, f in outcome.findings]
            problems, files, detectors = outcome.problems, len(outcome.files), outcome.detectors
        else:
            targets = [self._inside_root(p) for p in paths or []]
            result = scan(self.config, targets)
            found = [(_rel(f.abs_path, root), None, f) for f in result.findings]
            problems, files, detectors = result.problems, result.files_scanned, result.detectors
        answer = shapes.CheckCodeResult(
            findings=[
                shapes.CodeFinding(
                    path=path,
                    line=f.line,
                    col=f.col,
                    end_line=f.end_line,
                    end_col=f.end_col,
                    message=f.message,
                    snippet=f.snippet,
                    in_diff=where,
                    learning=shapes.Learning(
                        id=f.entry.id,
                        title=f.entry.title,
                        severity=f.entry.severity,
                        hint=f.entry.hint,
                        uri=entry_uri(f.entry.id),
                    ),
                )
                for path, where, f in found
            ],
            problems=[
                shapes.CodeProblem(path=p.path, line=p.line, code=p.code, message=p.message)
                for p in problems
            ],
            files_scanned=files,
            detectors=detectors,
        )
        return fit(answer, self.max_chars, lists=("findings", "problems"))

    def _inside_root(self, given: str) -> Path:
        """A path the client named, relative to the KB root (or absolute inside it); refused
        when it leaves the root, through ``..`` or a link."""
        from kbtool.confine import leaves, located_inside

        if not given.strip() or "\0" in given:
            raise UsageError("a path is empty")
        if len(given) > 4096:
            raise UsageError("a path is too long")
        root = self.config.root.resolve()
        path = Path(given)
        path = path if path.is_absolute() else root / path
        if not located_inside(path, root) or leaves(path, root):
            raise UnsafePathError(f"{given}: outside the knowledge base root; paths stay inside it")
        if not path.exists():
            raise UsageError(f"{given}: no such file or folder under the KB root")
        return path

    def propose_entry(self, draft: Draft) -> shapes.ProposeResult:
        """Validate a draft entry and add it with ``status="proposed"`` (never overwriting)."""
        from kbtool.mcp.propose import write_draft

        if not self.allow_write:
            raise WriteRefused(
                "the server is read-only: start it with 'kbtool mcp --allow-write' to let "
                "propose_entry write draft entries"
            )
        written = write_draft(self.config, draft, self.kb(), today=dt.date.today())
        self._kb = None  # the next plan sees the new entry
        return fit(written, self.max_chars, lists=("findings",))

    # ------------------------------------------------------------ resources

    def entry_markdown(self, given_id: str) -> str:
        answer = self.get_entry(given_id, "markdown")
        return answer.markdown or ""

    def category(self, name: str) -> dict[str, Any]:
        """The entries of a category (and those under it), newest first."""
        from kbtool.search.fulltext import make_filters
        from kbtool.search.listing import list_entries

        if not name.strip():
            raise UsageError("category is empty")
        rows = list_entries(self.config, make_filters(self.config, category=name.strip()))
        if not rows:
            raise UsageError(f"no entry is in the category {name!r} (kb://stats lists them)")
        data: dict[str, Any] = {
            "category": name,
            "entries": [{**r.to_dict(), "uri": entry_uri(r.id)} for r in rows],
        }
        return _fit_dict(data, self.max_chars, "entries")

    def categories(self) -> list[str]:
        from kbtool.search.listing import stats

        return list(stats(self.config).by_category)

    def stats(self) -> dict[str, Any]:
        from kbtool.search.listing import stats

        return _fit_dict(stats(self.config).to_dict(), self.max_chars, "past_review_by")


def _words_not_a_paste(query: str) -> None:
    """Refuse a pasted log or traceback as a search query: ranked by its words, a log's
    noise (warnings, passing tests) outranks its error, and the query echoed back fills the
    answer. match_error reads such text line by line; the message says to call it."""
    lines = sum(1 for line in query.splitlines() if line.strip())
    if lines >= PASTE_LINES or len(query) > PASTE_CHARS:
        raise UsageError(
            f"query is {len(query):,} characters on {lines} lines: that looks like an error, "
            "a traceback or a log; call match_error with it (search takes a few words)"
        )


#: The most words a text may have for match_error to say "call search" when nothing matches.
HINT_WORDS = 4


def _words_hint(text: str) -> str:
    """For a few words on one line (``MissingGreenlet``, ``pool timeout``), which match no
    symptom as an error message would: point at ``search``, which finds them as words."""
    words = text.split()
    if "\n" in text.strip() or not 0 < len(words) <= HINT_WORDS:
        return ""
    return (
        "no symptom matches this as an error message; "
        "for words or a bare exception name, call search"
    )


def _fit_dict(data: dict[str, Any], limit: int, key: str) -> dict[str, Any]:
    """A resource's JSON cut to ``limit`` by dropping the last items of ``data[key]``,
    hidden characters made visible as in every answer (:func:`kbtool.mcp.budget.fit`)."""
    from kbtool.mcp.budget import size
    from kbtool.textsafe import visible

    data = visible(data)
    items = data[key]
    total = len(items)
    while items and size(data) > limit - 200:
        items.pop()
    if len(items) < total:
        data["truncated"] = True
        data["truncation"] = f"{key}: {len(items)} of {total} shown (limit {limit} characters)"
    return data


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
