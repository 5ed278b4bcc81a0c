"""What checks see: ``FileContext`` (one parsed file) and ``KbContext`` (facts of all files)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from collections.abc import Callable, Iterator
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any

from kbtool.config import Config
from kbtool.diagnostics import display_path
from kbtool.records import FrozenRecord, Record
from kbtool.xmlnodes import line_of

# (line, col, code, message): a finding inside the current file, before paths are attached.
Finding = tuple[int, int, str, str]

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


def is_url(href: str) -> bool:
    """True for ``scheme:…`` hrefs (``https://…``, ``mailto:…``); False for file paths."""
    return bool(_URL.match(href))


def split_href(href: str) -> tuple[str, str]:
    """``"reports/x.md#why"`` → ``("reports/x.md", "why")``."""
    path, _, anchor = href.partition("#")
    return path, anchor


_ATTRIBUTE = re.compile(rb"\s([^\s=<>/]+)\s*=")


def _find_all(text: bytes, needle: bytes) -> Iterator[int]:
    """Offsets of ``needle`` used as a start tag name (followed by space, '/' or '>')."""
    start = 0
    while True:
        found = text.find(needle, start)
        if found < 0:
            return
        start = found + 1
        after = text[found + len(needle) : found + len(needle) + 1]
        if after in (b"", b" ", b"\t", b"\r", b"/", b">"):
            yield found


class Locator:
    """Line and column of elements and attributes in a file's source (computed on demand).

    Works on UTF-8 bytes (other encodings are re-encoded once); columns count characters.
    """

    def __init__(self, data: bytes, encoding: str | None) -> None:
        enc = (encoding or "utf-8").lower()
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            enc = "utf-16"
        if enc not in ("utf-8", "utf8", "us-ascii", "ascii"):
            with contextlib.suppress(LookupError):
                data = data.decode(enc, errors="replace").encode("utf-8")
        self._lines = data.split(b"\n")
        self._starts: dict[tuple[int, bytes], list[int]] = {}
        self._attributes: dict[tuple[int, int], dict[bytes, tuple[int, int]]] = {}
        self._ascii: dict[int, bool] = {}

    def element(
        self, line: int, tag: str, nth: Callable[[], int], attr: str | None = None
    ) -> tuple[int, int]:
        """Where the ``nth()`` ``<tag`` on ``line`` starts (or its attribute ``attr``).

        Every scan of a line is remembered, so thousands of findings on one long line (a
        hostile file) cost one pass each, not one pass a finding.
        """
        if not 1 <= line <= len(self._lines):
            return line, 0
        needle = b"<" + tag.encode("utf-8", errors="replace")
        found = self._starts.get((line, needle))
        if found is None:
            found = self._starts[line, needle] = list(_find_all(self._lines[line - 1], needle))
        if not found:
            return line, 1
        pos = found[0] if len(found) == 1 else found[min(nth(), len(found) - 1)]
        if attr is not None:
            hit = self._attribute(line, pos, attr.encode("utf-8", errors="replace"))
            if hit is not None:
                return hit
        return line, self._column(line, pos)

    def _attribute(self, line: int, pos: int, attr: bytes) -> tuple[int, int] | None:
        """Where attribute ``attr`` of the start tag at (``line``, ``pos``) is named."""
        key = (line, pos)
        table = self._attributes.get(key)
        if table is None:
            table = self._attributes[key] = self._attribute_table(line, pos)
        return table.get(attr)

    def _attribute_table(self, line: int, pos: int) -> dict[bytes, tuple[int, int]]:
        """All attribute names of one start tag (up to 50 lines long) with their places."""
        table: dict[bytes, tuple[int, int]] = {}
        for number in range(line, min(line + 50, len(self._lines)) + 1):
            text = self._lines[number - 1]
            begin = pos if number == line else 0
            close = text.find(b">", begin)
            end = close if close >= 0 else len(text)
            for m in _ATTRIBUTE.finditer(text, begin, end):
                table.setdefault(m.group(1), (number, self._column(number, m.start(1))))
            if close >= 0:
                break
        return table

    def _column(self, line: int, pos: int) -> int:
        """1-based character column of byte offset ``pos`` on ``line``."""
        ascii_line = self._ascii.get(line)
        if ascii_line is None:
            ascii_line = self._ascii[line] = self._lines[line - 1].isascii()
        if ascii_line:
            return pos + 1
        return len(self._lines[line - 1][:pos].decode("utf-8", errors="replace")) + 1


class FileContext(Record):
    """One parsed XML file, as per-file checks see it.

    The classes here are plain (:class:`kbtool.records.Record`), not dataclasses: building
    a dataclass runs generated code, ~0.5 ms each at every start of ``kbtool validate``."""

    _fields = ("config", "path", "rel", "data", "root", "schema_valid", "facts", "findings")
    config: Config
    path: Path
    rel: str
    data: bytes
    root: Any  # lxml.etree._Element, root tag "specification"
    schema_valid: bool
    facts: dict[str, Any]
    findings: list[Finding]

    def __init__(
        self,
        config: Config,
        path: Path,
        rel: str,
        data: bytes,
        root: Any,
        schema_valid: bool,
        facts: dict[str, Any] | None = None,
        findings: list[Finding] | None = None,
    ) -> None:
        self.config = config
        self.path = path
        self.rel = rel
        self.data = data
        self.root = root
        self.schema_valid = schema_valid
        self.facts = {} if facts is None else facts
        self.findings = [] if findings is None else findings

    @cached_property
    def locator(self) -> Locator:
        return Locator(self.data, self.root.getroottree().docinfo.encoding)

    def where(self, node: Any, attr: str | None = None) -> tuple[int, int]:
        """(line, col) of an element, or of one of its attributes."""
        line = line_of(node)
        tag = node.tag
        if not line or not isinstance(tag, str):
            return line, 0
        return self.locator.element(line, tag, lambda: self._nth(node, line), attr)

    @staticmethod
    def _nth(node: Any, line: int) -> int:
        """How many elements named like ``node`` start before it on its line."""
        nth = 0
        for sib in node.itersiblings(preceding=True):
            if line_of(sib) != line:
                break
            nth += sib.tag == node.tag
        parent = node.getparent()
        while parent is not None and line_of(parent) == line:
            nth += parent.tag == node.tag
            parent = parent.getparent()
        return nth

    def may_contain(self, ascii_text: bytes) -> bool:
        """False when the file's bytes certainly do not contain ``ascii_text`` (an element
        name, say): a cheap test before walking the tree. True when unsure (UTF-16/32)."""
        head = self.data[:4]
        if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
            return True
        return ascii_text in self.data

    def report(self, where: Any, code: str, message: str, *, attr: str | None = None) -> None:
        """Record a finding at an element (optionally its attribute ``attr``) or a line number."""
        if isinstance(where, int):
            line, col = where, 0
        else:
            line, col = self.where(where, attr)
        self.findings.append((line, col, code, message))


class CachedFile(Record):
    """What checking one file produced: findings (line, col, code, message) and facts (what
    the validation cache keeps of a file, :mod:`kbtool.validate.cache`)."""

    __slots__ = _fields = ("findings", "facts", "parsed")
    findings: list[Any]
    facts: dict[str, Any]
    parsed: bool

    def __init__(self, findings: list[Any], facts: dict[str, Any], parsed: bool) -> None:
        self.findings = findings
        self.facts = facts
        self.parsed = parsed


class Ref(FrozenRecord):
    """A reference inside an entry: ``kind`` is fix-report, learning, issue, link or supersedes."""

    __slots__ = _fields = ("kind", "target", "line", "col")
    kind: str
    target: str
    line: int
    col: int

    def __init__(self, kind: str, target: str, line: int, col: int) -> None:
        self._set(kind=kind, target=target, line=line, col=col)


_DECLARED = re.compile(
    rb"""^(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']"""
)


class FileFacts:
    """What the KB-wide checks know about one file (from the cache or a fresh check).

    Compared by identity."""

    def __init__(
        self,
        path: Path,
        rel: str,
        facts: dict[str, Any],
        parsed: bool,  # root is <specification>; core facts below are available
        root: Path | None = None,  # the KB root and size cap, to re-read the file for a column
        max_bytes: int = 1 << 20,
    ) -> None:
        self.path = path
        self.rel = rel
        self.facts = facts
        self.parsed = parsed
        self.root = root
        self.max_bytes = max_bytes

    def __repr__(self) -> str:
        return f"FileFacts({self.rel!r})"

    @property
    def display(self) -> str:
        return display_path(self.path)

    @property
    def category(self) -> str | None:
        value = self.facts.get("core", {}).get("category")
        return value if isinstance(value, str) else None

    @cached_property
    def entries(self) -> list[EntryFacts]:
        rows = self.facts.get("core", {}).get("entries", [])
        return [EntryFacts(self, row, index) for index, row in enumerate(rows)]

    @cached_property
    def _locator(self) -> Locator | None:
        from kbtool.safexml import read_capped

        if self.root is None:
            return None
        data = read_capped(self.path, self.root, self.max_bytes)
        if not isinstance(data, bytes):
            return None
        declared = _DECLARED.match(data[:300])
        return Locator(data, declared.group(1).decode() if declared else None)

    def column(self, line: int, tag: str, nth: int = 0) -> int:
        """Column of the ``nth`` ``<tag`` on ``line``, re-reading the file (0 if unknown).

        The columns of entries and dates are looked up only when a finding needs them.
        """
        locator = self._locator
        return locator.element(line, tag, lambda: nth)[1] if locator and line else 0


class EntryFacts:
    """One ``<learning>`` as the KB-wide checks see it.

    ``title``/``category`` are the element texts, stripped. ``date``/``review_by`` are valid
    ``YYYY-MM-DD`` text or None (an invalid date is already a KB301 finding);
    ``date_pos``/``review_by_pos`` are their (line, col). ``refs`` are the ``<references>``
    children (kind fix-report, learning, issue or link), ``supersedes`` the ``<supersedes>``.
    """

    __slots__ = (
        "_index",
        "_row",
        "category",
        "date",
        "file",
        "id",
        "line",
        "review_by",
        "status",
        "title",
    )

    # row: [id, line, col, status, title, category, date, review_by, refs, supersedes];
    # a col of 0 (entries, dates) is looked up when asked for.
    def __init__(self, file: FileFacts, row: list[Any], index: int = 0) -> None:
        self.file = file
        self._row = row
        self._index = index
        (self.id, self.line, _, self.status, self.title, self.category) = row[:6]
        date, review_by = row[6], row[7]
        self.date: str | None = date[0] if date else None
        self.review_by: str | None = review_by[0] if review_by else None

    def _where(self, line: int, col: int, tag: str) -> tuple[int, int]:
        if col:
            return line, col
        nth = sum(1 for e in self.file.entries[: self._index] if e.line == self.line)
        return line, self.file.column(line, tag, nth)

    @property
    def col(self) -> int:
        return self._where(self.line, self._row[2], "learning")[1]

    @property
    def date_pos(self) -> tuple[int, int]:
        d = self._row[6]
        return self._where(d[1], d[2], "date") if d else (self.line, self.col)

    @property
    def review_by_pos(self) -> tuple[int, int]:
        d = self._row[7]
        return self._where(d[1], d[2], "review-by") if d else (self.line, self.col)

    @property
    def refs(self) -> tuple[Ref, ...]:
        raw = self._row[8]
        return tuple(Ref(*r) for r in raw) if raw else ()

    @property
    def supersedes(self) -> tuple[Ref, ...]:
        raw = self._row[9]
        return tuple(Ref("supersedes", *r) for r in raw) if raw else ()

    def __repr__(self) -> str:
        return f"EntryFacts({self.id!r} at {self.file.rel}:{self.line})"


class KbContext:
    """Facts of every file of the KB, for KB-wide checks."""

    def __init__(
        self, config: Config, files: list[FileFacts], today: dt.date, use_cache: bool = True
    ) -> None:
        self.config = config
        self.files = files
        self.today = today
        self.use_cache = use_cache  # False under --no-cache: plug-in caches stay untouched
        self.findings: list[tuple[Path, int, int, str, str]] = []

    @cached_property
    def entries(self) -> list[EntryFacts]:
        return [e for f in self.files for e in f.entries]

    def entries_by_id(self) -> dict[str, list[EntryFacts]]:
        index: dict[str, list[EntryFacts]] = {}
        for e in self.entries:
            index.setdefault(e.id, []).append(e)
        return index

    def iter_files(self) -> Iterator[FileFacts]:
        return iter(self.files)

    def resolve_href(self, file: FileFacts, href: str) -> Path | None:
        """The file a non-URL href points at (relative to ``file``; anchor dropped), or None."""
        if is_url(href):
            return None
        path, _ = split_href(href)
        if not path:
            return file.path
        return Path(os.path.normpath(file.path.parent / PurePosixPath(path)))

    def report(self, path: str | Path, line: int, col: int, code: str, message: str) -> None:
        """Record a finding in any file: a POSIX path relative to the KB root, or a Path."""
        target = path if isinstance(path, Path) else self.config.root / PurePosixPath(path)
        self.findings.append((target, line, col, code, message))
