"""Per-file semantic checks (KB3xx) and the facts the KB-wide checks work from.

Everything here depends only on one file's content and its path inside the KB, so the
findings and facts are cached with the file. Checks that need other files, the file system
or today's date live in :mod:`kbtool.validate.kbwide`.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from collections.abc import Iterable
from typing import Any

from kbtool.entryview import raw_text
from kbtool.fields import BY_KEY
from kbtool.ids import ID_RE, id_problem
from kbtool.kb import category_filename, is_category_file_name
from kbtool.validate.context import FileContext, is_url, split_href
from kbtool.versionspec import overlap_finding, versions_finding, versions_problem
from kbtool.xmlnodes import line_of

DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
SUPPORTED_SCHEMA_VERSIONS = ("1", "1.0")
SAFE_SCHEMES = ("http", "https", "mailto")
# Lists whose items should not repeat: container element → item element (test-case: below).
_UNIQUE = ("tags", "symptoms", "root_causes", "files_modified", "verification", "prevention")
LISTS = tuple((BY_KEY[k].xml, BY_KEY[k].item or "") for k in _UNIQUE)
_LIST_TAGS = dict(LISTS)
# What each child of a <learning> asks for, found with one dict lookup of its tag (most
# children need nothing more); the names come from kbtool.fields.
_TITLE, _DATE, _CATEGORY, _LIST, _SYMPTOMS, _TEST_CASE, _REFERENCES, _SUPERSEDES, _REVIEW_BY = (
    range(1, 10)
)
_KINDS = {
    **dict.fromkeys(_LIST_TAGS, _LIST),
    BY_KEY["symptoms"].xml: _SYMPTOMS,
    BY_KEY["title"].xml: _TITLE,
    BY_KEY["date"].xml: _DATE,
    BY_KEY["category"].xml: _CATEGORY,
    BY_KEY["test_cases"].xml: _TEST_CASE,
    BY_KEY["references"].xml: _REFERENCES,
    BY_KEY["supersedes"].xml: _SUPERSEDES,
    BY_KEY["review_by"].xml: _REVIEW_BY,
}
_SYMPTOM = _LIST_TAGS[BY_KEY["symptoms"].xml]
_TAGS = BY_KEY["tags"].xml


def _text(el: Any) -> str:
    """An element's text as written, stripped (what :func:`raw_text` reads, for less)."""
    if not len(el):  # no child nodes (most elements): .text is all of it, for half the cost
        text = el.text
        return text.strip() if text else ""
    return raw_text(el).strip()


def check_file(ctx: FileContext) -> None:
    """Run the per-file KB3xx checks on a ``<specification>`` file and record its core facts."""
    root = ctx.root
    version = root.get("schema-version")
    if version is not None and version.strip() not in SUPPORTED_SCHEMA_VERSIONS:
        ctx.report(
            root,
            "KB315",
            f"schema-version {version.strip()!r} is not supported "
            f"(this kbtool reads schema-version {SUPPORTED_SCHEMA_VERSIONS[0]})",
            attr="schema-version",
        )

    meta_category, category_pos, last_updated = _metadata(ctx)
    box = root.find("learnings")
    rows: list[list[Any]] = []
    newest: tuple[str, Any] | None = None
    for entry in box.iterchildren("learning") if box is not None else ():
        row = _entry(ctx, entry, meta_category)
        rows.append(row)
        date = row[6]
        if date and (newest is None or date[0] > newest[0]):
            newest = (date[0], entry)
    if last_updated is not None and newest is not None and last_updated[0] < newest[0]:
        ctx.report(
            last_updated[1],
            "KB308",
            f"last_updated {last_updated[0]} is older than "
            f"the newest entry ({newest[0]}, line {line_of(newest[1])})",
        )
    ctx.facts["core"] = {
        "category": meta_category,
        "category_pos": category_pos,
        # [value, line, 0]: the column is looked up when a finding needs it
        "last_updated": [last_updated[0], line_of(last_updated[1]), 0] if last_updated else None,
        "entries": rows,
    }


def _metadata(
    ctx: FileContext,
) -> tuple[str | None, tuple[int, int], tuple[str, Any] | None]:
    meta = ctx.root.find("metadata")
    if meta is None:
        return None, (0, 0), None
    category_el = meta.find("category")
    category = _text(category_el) if category_el is not None else None
    if category:
        expected = category_filename(category)
        name = posixpath.basename(ctx.rel)
        if not is_category_file_name(name, category):
            ctx.report(
                category_el,
                "KB316",
                f"file name {name!r} does not match its category "
                f"{category!r}: expected {expected!r}",
            )
    updated_el = meta.find("last_updated")
    updated = _date(ctx, updated_el) if updated_el is not None else None
    pos = (line_of(category_el if category_el is not None else meta), 0)
    return category or None, pos, (updated, updated_el) if updated else None


# Dates found valid in this process: a KB holds few distinct ones (bounded all the same).
_VALID_DATES: set[str] = set()


def _date(ctx: FileContext, el: Any) -> str | None:
    """The element's date as ``YYYY-MM-DD`` text, or None after reporting KB301."""
    text = el.text if not len(el) else raw_text(el)
    text = text.strip() if text else ""
    if text in _VALID_DATES:
        return text
    if DATE_RE.fullmatch(text):
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            ctx.report(el, "KB301", f"<{el.tag}> {text!r} is not a real calendar date")
            return None
        if len(_VALID_DATES) < 4096:
            _VALID_DATES.add(text)
        return text
    shown = text if len(text) <= 40 else text[:39] + "…"
    ctx.report(el, "KB301", f"<{el.tag}> {shown!r} is not a date written YYYY-MM-DD")
    return None


def _check_id(ctx: FileContext, el: Any, attr: str) -> str:
    value: str | None = el.get(attr)
    if value is None:
        return ""
    if ID_RE.match(value) is None:  # what id_problem asks first, without a call
        ctx.report(el, "KB302", f"{attr} {id_problem(value)}", attr=attr)
    return value


def _entry(ctx: FileContext, entry: Any, meta_category: str | None) -> list[Any]:
    """Check one ``<learning>`` and return its facts, in one pass over its children.

    The facts' title and category are the first such element's text, as
    :func:`kbtool.entryview.read_entry` reads them. Every entry passes here, so the common
    cases are written out (an element's text is its ``.text`` when it has no child nodes)
    and the rare ones call out."""
    entry_id = _check_id(ctx, entry, "id")
    entry_versions = entry.get("versions")
    if entry_versions is not None:
        _check_versions(ctx, entry, entry_versions, None)
        if versions_problem(entry_versions) is not None:
            entry_versions = None  # reported once, on the learning
    title = category = date = review_by = None
    refs: list[list[Any]] = []
    supersedes: list[list[Any]] = []
    test_cases: list[Any] = []
    kinds = _KINDS
    for child in entry:
        tag = child.tag
        kind = kinds.get(tag)
        if kind is None:
            continue
        if kind == _LIST:
            if len(child) > 1:
                _duplicates(ctx, child, _LIST_TAGS[tag], fold=tag == _TAGS)
        elif kind == _TITLE:
            if title is None:
                text = child.text if not len(child) else raw_text(child)
                title = text.strip() if text else ""
        elif kind == _DATE:
            value = _date(ctx, child)
            date = [value, line_of(child), 0] if value else None  # column on demand
        elif kind == _CATEGORY:
            text = child.text if not len(child) else raw_text(child)
            text = text.strip() if text else ""  # each <category> (a second one is KB2xx)
            if category is None:
                category = text
            if meta_category and text and text != meta_category:
                ctx.report(
                    child,
                    "KB304",
                    f"entry category {text!r} differs from the file's category {meta_category!r}",
                )
        elif kind == _SYMPTOMS:
            if len(child) > 1:
                _duplicates(ctx, child, _SYMPTOM)
            for symptom in child:  # every child: a comment's text is checked too
                text = symptom.text if not len(symptom) else raw_text(symptom)
                if text and ("/" in text or "\\" in text or "~" in text or "0x" in text):
                    _machine_specific(ctx, symptom)
                versions = symptom.get("versions")
                if versions is not None:
                    _check_versions(ctx, symptom, versions, entry_versions)
        elif kind == _TEST_CASE:
            test_cases.append(child)
        elif kind == _REFERENCES:
            _references(ctx, child, refs)
        elif kind == _SUPERSEDES:
            ref = _check_id(ctx, child, "ref")
            if ref:
                supersedes.append([ref, *ctx.where(child, "ref")])
                if ref == entry_id:
                    ctx.report(child, "KB312", f"entry {entry_id!r} supersedes itself", attr="ref")
        else:  # _REVIEW_BY
            value = _date(ctx, child)
            review_by = [value, line_of(child), 0] if value else None
    if len(test_cases) > 1:
        _duplicates(ctx, test_cases)
    if len(refs) + len(supersedes) > 1:
        _duplicate_refs(ctx, entry)
    status = entry.get("status")
    status = status.strip() if status else "active"
    # the entry's column is found on demand (EntryFacts.col)
    row = [entry_id, line_of(entry), 0, status, title or "", category or "", date, review_by]
    return [*row, refs, supersedes]


# Text in a symptom that only one machine or one run prints (KB323, KB324). A POSIX path
# counts when it starts at a file-system root folder, or names a Python file or package
# folder: "/api/users/me" in an access log line is a URL path, not a machine's. A path
# after "…" (masked) or inside a URL does not count.
# The patterns are compiled on first use (re's own cache): most symptoms hold no "/", "\\",
# "~" or "0x" and never need them.
_POSIX_PATH = r"(?<![\w:/.\\\u2026-])(?:/[\w.@+-]+){2,}"
_ROOTS = frozenset(
    [
        "home",
        "Users",
        "root",
        "usr",
        "opt",
        "var",
        "tmp",
        "private",
        "srv",
        "etc",
        "lib",
        "lib64",
        "mnt",
        "media",
        "nix",
        "snap",
        "work",
        "app",
        "builds",
        "workspace",
        "runner",
        "Library",
        "System",
        "Applications",
    ]
)
_PYTHON_PATH = r"\.py[cdiw]?$|/(?:site|dist)-packages/|/python\d|/\.?venv/"
_OTHER_PATH = (
    r"\b[A-Za-z]:\\[\w.@ +-]+"  # C:\Users\…
    r"|(?<![\w/.-])~[\w.-]*/"  # ~/, ~dev/
)
_ADDRESS = r"\b0x[0-9a-fA-F]{4,}\b"


def machine_path(text: str) -> str | None:
    """The first absolute path or home folder in ``text`` that only one machine has."""
    for found in re.finditer(_POSIX_PATH, text):
        path = found.group(0)
        if path.split("/")[1] in _ROOTS or re.search(_PYTHON_PATH, path):
            return path
    other = re.search(_OTHER_PATH, text)
    return other.group(0) if other else None


def _machine_specific(ctx: FileContext, symptom: Any) -> None:
    """KB323/KB324: a symptom must hold what every user sees, not one machine's paths,
    home folders or memory addresses (mask them with "…", which ``match`` reads as any text)."""
    text = _text(symptom)
    if "/" in text or "\\" in text or "~" in text:
        path = machine_path(text)
        if path:
            ctx.report(
                symptom,
                "KB323",
                f"symptom holds a machine-specific path {path!r}: "
                "write \u2026 for the part that differs between machines",
            )
    if "0x" in text:
        address = re.search(_ADDRESS, text)
        if address:
            ctx.report(
                symptom,
                "KB324",
                f"symptom holds a memory address {address.group(0)!r}: write 0x\u2026 instead",
            )


def _references(ctx: FileContext, box: Any, refs: list[list[Any]]) -> None:
    for ref in box.iterchildren():
        kind = ref.tag
        if kind == "learning":
            target = _check_id(ctx, ref, "ref")
            if target:
                refs.append([kind, target, *ctx.where(ref, "ref")])
        elif kind in ("fix-report", "issue", "link"):
            href = (ref.get("href") or "").strip()
            if href:
                _check_href(ctx, ref, href)
                refs.append([kind, href, *ctx.where(ref, "href")])


def _check_href(ctx: FileContext, ref: Any, href: str) -> None:
    if is_url(href):
        scheme = href.split(":", 1)[0].lower()
        if scheme not in SAFE_SCHEMES:
            ctx.report(
                ref,
                "KB307",
                f"href {href[:80]!r}: scheme '{scheme}:' is not allowed "
                f"(use {', '.join(s + ':' for s in SAFE_SCHEMES)} or a relative path)",
                attr="href",
            )
        elif ref.tag == "fix-report" and scheme == "mailto":
            ctx.report(
                ref, "KB307", "a fix-report href must be a file or an http(s) URL", attr="href"
            )
        return
    path, _ = split_href(href)
    if path.startswith(("/", "\\")) or "\\" in path:
        ctx.report(
            ref,
            "KB307",
            f"href {href[:80]!r}: use a '/'-separated path relative to "
            "this file, not an absolute or Windows path",
            attr="href",
        )
        return
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(ctx.rel), path))
    if joined == ".." or joined.startswith("../"):
        ctx.report(ref, "KB307", f"href {href[:80]!r} leaves the knowledge base root", attr="href")


def _duplicates(
    ctx: FileContext, items: Iterable[Any], name: str | None = None, *, fold: bool = False
) -> None:
    """KB314 on items whose text repeats (white space runs as one space; ``fold``: any
    case). With ``name``, only the items of that tag count."""
    seen: dict[str, Any] = {}
    for item in items:
        if name is not None and item.tag != name:
            continue
        text = item.text if not len(item) else raw_text(item)
        if not text:
            continue
        key = text.strip()
        if "  " in key or "\n" in key or "\t" in key or "\r" in key:  # runs of white space
            key = " ".join(key.split())
        if fold:
            key = key.casefold()
        if not key:
            continue
        first = seen.setdefault(key, item)
        if first is not item:
            shown = key if len(key) <= 60 else key[:59] + "…"
            ctx.report(
                item,
                "KB314",
                f"duplicate <{item.tag}> {shown!r} (first at line {line_of(first)})",
            )


def _duplicate_refs(ctx: FileContext, entry: Any) -> None:
    seen: dict[tuple[str, str], Any] = {}
    for ref in entry.iterfind("references/*"):
        key = (str(ref.tag), (ref.get("href") or ref.get("ref") or "").strip())
        if key[1]:
            first = seen.setdefault(key, ref)
            if first is not ref:
                ctx.report(
                    ref,
                    "KB314",
                    f"duplicate <{key[0]}> {key[1][:60]!r} (first at line {line_of(first)})",
                )
    refs: dict[str, Any] = {}
    for sup in entry.iterchildren("supersedes"):
        target = (sup.get("ref") or "").strip()
        if target:
            first = refs.setdefault(target, sup)
            if first is not sup:
                ctx.report(
                    sup,
                    "KB314",
                    f"duplicate <supersedes> {target!r} (first at line {line_of(first)})",
                )


def _check_versions(ctx: FileContext, el: Any, value: str, entry_versions: str | None) -> None:
    """KB313/KB326-KB328 on an element's ``versions`` (``value``); KB329 when a symptom's
    range never meets its learning's."""
    finding = versions_finding(value)
    if finding is None and entry_versions is not None and el.tag == "symptom":
        finding = overlap_finding(value, entry_versions)
    if finding is not None:
        code, problem = finding
        ctx.report(el, code, f"versions {value!r}: {problem}", attr="versions")
