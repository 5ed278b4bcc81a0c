"""Write entries into a knowledge base without disturbing the rest of its files.

Library use::

    from kbtool.kbwrite import add_learning, add_reference, make_id

    entry_id = make_id("Pool exhausted under load", taken=kb_ids)   # unique, valid id
    result = add_learning(config, learning)           # WriteResult(path, line, entry_id, created)
    add_reference(config, entry_id, Reference(kind="fix-report", target="reports/x.md"))

Edits are made as text splices into the file, located by a tag scanner and checked against
lxml: the new file must parse with the hardened parser and equal, element by element (white
space between elements aside), the old tree with exactly the intended change. Comments,
processing instructions, attribute quoting, line endings and a BOM are kept as they were.
Every write goes through :func:`kbtool.atomic.atomic_write` (refused if the file changed
while it was being edited), and only to a file inside the learnings folder.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kbtool import fields
from kbtool.errors import KbError, UnsafePathError, UsageError
from kbtool.kb import category_filename
from kbtool.model import ID_RE
from kbtool.xmlnodes import line_of

if TYPE_CHECKING:
    from lxml import etree

    from kbtool.config import Config
    from kbtool.model import Learning, Reference

MAX_ID_STEM = 60
_ORDER = fields.child_order("learning")
REFERENCE_FOLLOWERS = _ORDER[_ORDER.index("references") + 1 :]
"""Children of ``<learning>`` that come after ``<references>`` in the XSD's sequence."""


@dataclass(frozen=True)
class WriteResult:
    """What a write did: the file, the line of the entry, its id, whether the file is new."""

    path: Path
    line: int
    entry_id: str
    created: bool
    changed: bool = True

    def to_dict(self, *, dry_run: bool = False) -> dict[str, object]:
        """``kbtool new --format json`` (docs/json-output.md); the path relative to the
        working folder."""
        import os

        return {
            "id": self.entry_id,
            "path": os.path.relpath(self.path),
            "line": self.line,
            "created_file": self.created,
            "dry_run": dry_run,
        }


# ------------------------------------------------------------------ ids


def slugify(text: str, max_len: int = MAX_ID_STEM) -> str:
    """Lower-case ASCII words joined by ``-``: ``"Pool exhausted (v2)!"`` → ``pool-exhausted-v2``
    (at most ``max_len`` characters, cut at a word boundary)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > max_len:
        cut = slug[:max_len]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut
    return slug.strip("-") or "entry"


def make_id(title: str, taken: Collection[str]) -> str:
    """A valid id (``^[a-z0-9][a-z0-9-]{0,79}$``) from ``title``, not in ``taken``."""
    base = slugify(title)
    candidate, n = base, 2
    taken_lower = {t.lower() for t in taken}
    if not ID_RE.match(candidate):  # a reserved name such as "con"
        base = candidate = f"{base}-entry"
    while candidate in taken_lower:
        suffix = f"-{n}"
        candidate = base[: 80 - len(suffix)].rstrip("-") + suffix
        n += 1
    assert ID_RE.match(candidate)
    return candidate


# ------------------------------------------------------------------ paths


def category_path(config: Config, category: str) -> Path:
    """The file for ``category`` in the learnings folder; refuses anything outside it."""
    folder = config.learnings_dir
    path = folder / category_filename(category)
    _ensure_inside(config, path)
    return path


def _ensure_inside(config: Config, path: Path) -> None:
    folder = config.learnings_dir.resolve()
    try:
        real = path.resolve()
    except (OSError, RuntimeError) as exc:
        raise UnsafePathError(f"{path}: cannot resolve: {exc}") from exc
    if not real.is_relative_to(folder) or not config.inside(real):
        raise UnsafePathError(f"refused: {path} is outside the learnings folder {folder}")


# ------------------------------------------------------------------ the text of a file


_TOKEN = re.compile(
    r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<!DOCTYPE[^>]*>"
    r"|</([^\s>]+)\s*>"
    r"|<([^\s/>!?]+)((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>",
    re.DOTALL,
)


@dataclass
class Span:
    """Where one element stands in the text: ``<tag …>`` at start..open_end, its end tag
    at close..end (for a self-closing element open_end == close == end)."""

    tag: str
    start: int
    open_end: int
    close: int = -1
    end: int = -1
    parent: int = -1
    self_closing: bool = False


def scan_spans(text: str) -> list[Span]:
    """Every element's span, in document order (the order of ``root.iter()``)."""
    spans: list[Span] = []
    stack: list[int] = []
    for match in _TOKEN.finditer(text):
        closing, opening = match.group(1), match.group(2)
        if opening:
            span = Span(opening, match.start(), match.end(), parent=stack[-1] if stack else -1)
            spans.append(span)
            if match.group(4):
                span.self_closing = True
                span.close = span.end = match.end()
            else:
                stack.append(len(spans) - 1)
        elif closing:
            if not stack or spans[stack[-1]].tag != closing:
                raise KbError(f"cannot edit: unbalanced </{closing}> at offset {match.start()}")
            span = spans[stack.pop()]
            span.close, span.end = match.start(), match.end()
    if stack:
        raise KbError("cannot edit: unclosed element")
    return spans


def _line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def _indent_at(text: str, offset: int) -> str | None:
    """The white space before ``offset`` on its line, or None if other text precedes it."""
    start = _line_start(text, offset)
    before = text[start:offset]
    return before if not before.strip() else None


class FileText:
    """A file's text with the spans of its elements, matched to its lxml elements."""

    def __init__(self, text: str, root: etree._Element) -> None:
        from lxml import etree

        self.text = text
        self.spans = scan_spans(text)
        elements = [el for el in root.iter() if isinstance(el.tag, str)]
        if len(elements) != len(self.spans) or any(
            etree.QName(el).localname != s.tag.split(":")[-1]
            for el, s in zip(elements, self.spans, strict=False)
        ):
            raise KbError(
                "cannot edit this file safely (its markup is unusual); run `kbtool fmt` on it first"
            )
        self.tree = root.getroottree()
        self.index = {self.tree.getpath(el): n for n, el in enumerate(elements)}
        self.edits: list[tuple[int, int, str]] = []

    def span(self, el: etree._Element) -> Span:
        return self.spans[self.index[self.tree.getpath(el)]]

    def unit(self, el: etree._Element) -> str:
        """The indentation step used in this file (from ``el`` and its first child)."""
        span = self.span(el)
        outer = _indent_at(self.text, span.start) or ""
        for child in el:
            if isinstance(child.tag, str):
                inner = _indent_at(self.text, self.span(child).start)
                if inner is not None and inner.startswith(outer) and len(inner) > len(outer):
                    return inner[len(outer) :]
                break
        return "\t" if outer.startswith("\t") else "  "

    def indent_of(self, el: etree._Element) -> str:
        return _indent_at(self.text, self.span(el).start) or ""

    def insert_child(
        self, parent: etree._Element, new_el: etree._Element, before: etree._Element | None = None
    ) -> None:
        """Insert ``new_el`` as a child of ``parent`` (before ``before``, or last)."""
        span = self.span(parent)
        outer = self.indent_of(parent)
        unit = self.unit(parent)
        inner = outer + unit
        body = _serialize(new_el, inner, unit)
        if before is not None:
            at = self.span(before).start
            indent = _indent_at(self.text, at)
            if indent is not None:
                self.edits.append(
                    (_line_start(self.text, at), _line_start(self.text, at), inner + body + "\n")
                )
            else:
                self.edits.append((at, at, body))
            return
        if span.self_closing:
            open_tag = self.text[span.start : span.end]
            head = open_tag[:-2].rstrip() + ">"
            replacement = f"{head}\n{inner}{body}\n{outer}</{span.tag}>"
            self.edits.append((span.start, span.end, replacement))
            return
        indent = _indent_at(self.text, span.close)
        if indent is not None:
            at = _line_start(self.text, span.close)
            self.edits.append((at, at, inner + body + "\n"))
        else:
            self.edits.append((span.close, span.close, "\n" + inner + body + "\n" + outer))

    def set_text(self, el: etree._Element, value: str) -> None:
        """Replace the text content of a text-only element."""
        span = self.span(el)
        escaped = _escape_text(value)
        if span.self_closing:
            head = self.text[span.start : span.end][:-2].rstrip() + ">"
            self.edits.append((span.start, span.end, f"{head}{escaped}</{span.tag}>"))
        else:
            self.edits.append((span.open_end, span.close, escaped))

    def result(self) -> str:
        text = self.text
        for start, end, replacement in sorted(self.edits, key=lambda e: (e[0], e[1]), reverse=True):
            text = text[:start] + replacement + text[end:]
        return text


def _escape_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace("]]>", "]]&gt;")


def _serialize(el: etree._Element, inner: str, unit: str) -> str:
    from kbtool.entry_xml import indent, serialize

    clone = copy.deepcopy(el)
    clone.tail = None
    indent(clone, unit=unit, base=inner)
    return serialize(clone)


# ------------------------------------------------------------------ reading and checking


@dataclass
class _Loaded:
    path: Path
    data: bytes
    text: str
    bom: bool
    crlf: bool
    root: etree._Element


def _load(config: Config, path: Path) -> _Loaded:
    from kbtool.diagnostics import Diagnostic
    from kbtool.safexml import parse_bytes, read_capped

    data = read_capped(path, config.root, config.max_file_bytes)
    if isinstance(data, Diagnostic):
        raise UsageError(f"{data.path}: {data.message}")
    root, findings = parse_bytes(data, str(path))
    if root is None:
        first = findings[0] if findings else None
        where = f":{first.line}" if first else ""
        raise UsageError(
            f"{path}{where}: cannot add to a file that does not parse "
            f"({first.message if first else 'unknown error'}); fix it first"
        )
    encoding = (root.getroottree().docinfo.encoding or "UTF-8").upper()
    if encoding not in ("UTF-8", "UTF8", "US-ASCII", "ASCII"):
        raise UsageError(
            f"{path}: only UTF-8 files can be edited (this one is {encoding}); "
            "convert it with `kbtool fmt` first"
        )
    bom = data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8") if bom else data.decode("utf-8")
    crlf = "\r\n" in text
    if root.tag != "specification" or root.find("learnings") is None:
        raise UsageError(f"{path}: not a category file (<specification> with <learnings>)")
    return _Loaded(path, data, text.replace("\r\n", "\n"), bom, crlf, root)


def _encode(loaded: _Loaded, text: str) -> bytes:
    if loaded.crlf:
        text = text.replace("\n", "\r\n")
    return (b"\xef\xbb\xbf" if loaded.bom else b"") + text.encode("utf-8")


def _canon(el: Any) -> Any:
    def text(value: str | None) -> str:
        return "" if value is None or not value.strip() else value

    return (
        str(el.tag),
        tuple(sorted(el.attrib.items())) if isinstance(el.tag, str) else (),
        text(el.text),
        text(el.tail),
        tuple(_canon(c) for c in el),
    )


def _verify(expected: etree._Element, data: bytes, path: Path) -> etree._Element:
    from kbtool.safexml import parse_bytes

    root, findings = parse_bytes(data, str(path))
    if root is None or _canon(root) != _canon(expected):
        detail = f": {findings[0].message}" if findings else ""
        raise KbError(
            f"{path}: internal error: the edited file did not check out{detail}; "
            "nothing was written"
        )
    return root


def _write(
    loaded: _Loaded, new_text: str, expected: etree._Element
) -> tuple[bytes, etree._Element]:
    from kbtool.atomic import Stamp, atomic_write

    data = _encode(loaded, new_text)
    root = _verify(expected, data, loaded.path)
    atomic_write(loaded.path, data, expected=Stamp.of(loaded.path, loaded.data))
    return data, root


def _line_of_entry(root: etree._Element, entry_id: str) -> int:
    for el in root.iterfind("learnings/learning"):
        if el.get("id") == entry_id:
            return line_of(el)
    return 0


# ------------------------------------------------------------------ public API


def add_learning(
    config: Config,
    learning: Learning,
    *,
    taken: Collection[str] | None = None,
    dry_run: bool = False,
) -> WriteResult:
    """Add ``learning`` to its category file, creating the file (with metadata) if needed.

    The file's ``last_updated`` becomes the entry's date when that is newer. An entry whose
    category differs only in spelling from the file's (same file name) takes the file's
    spelling. Raises :class:`UsageError` when the id is already used (``taken`` if given,
    else the ids of the target file).
    """
    from kbtool import entry_xml
    from kbtool.model import CategoryFile, Metadata

    path = category_path(config, learning.category)
    if taken is not None and learning.id in taken:
        raise UsageError(f"id {learning.id!r} is already used in the knowledge base")
    if not path.exists():
        meta = Metadata(
            name=f"Learnings - {learning.category}",
            category=learning.category,
            version="1.0",
            last_updated=learning.date,
            description=f"Learnings and fixes for {learning.category}",
        )
        data = entry_xml.dump_file(CategoryFile(metadata=meta, learnings=[learning]))
        if not dry_run:
            from kbtool.atomic import atomic_write

            path.parent.mkdir(parents=True, exist_ok=True)
            _ensure_inside(config, path)
            atomic_write(path, data)
        from kbtool.safexml import parse_bytes

        root, _ = parse_bytes(data, str(path))
        assert root is not None
        return WriteResult(path, _line_of_entry(root, learning.id), learning.id, True)

    loaded = _load(config, path)
    box = loaded.root.find("learnings")
    assert box is not None
    if any(el.get("id") == learning.id for el in box.iterchildren("learning")):
        raise UsageError(f"{path}: already has an entry with id {learning.id!r}")
    meta_el = loaded.root.find("metadata")
    file_category = (meta_el.findtext("category") or "").strip() if meta_el is not None else ""
    if file_category and file_category != learning.category:
        learning = learning.model_copy(update={"category": file_category})

    new_el = entry_xml.learning_to_element(learning)
    editor = FileText(loaded.text, loaded.root)
    editor.insert_child(box, new_el)
    expected = copy.deepcopy(loaded.root)
    expected.find("learnings").append(copy.deepcopy(new_el))  # type: ignore[union-attr]
    if meta_el is not None and learning.date is not None:
        _touch_last_updated(editor, meta_el, expected.find("metadata"), learning.date)
    new_text = editor.result()
    if dry_run:
        data = _encode(loaded, new_text)
        root = _verify(expected, data, path)
    else:
        _, root = _write(loaded, new_text, expected)
    return WriteResult(path, _line_of_entry(root, learning.id), learning.id, False)


def _touch_last_updated(
    editor: FileText, meta_el: etree._Element, expected_meta: etree._Element | None, date: dt.date
) -> None:
    from lxml import etree

    assert expected_meta is not None
    current = meta_el.find("last_updated")
    value = date.isoformat()
    if current is not None:
        old = (current.text or "").strip()
        try:
            newer = dt.date.fromisoformat(old) < date
        except ValueError:
            newer = True
        if newer:
            editor.set_text(current, value)
            target = expected_meta.find("last_updated")
            assert target is not None
            target.text = value
        return
    new_el = etree.Element("last_updated")
    new_el.text = value
    editor.insert_child(meta_el, new_el)
    expected_meta.append(copy.deepcopy(new_el))


def add_reference(
    config: Config, entry_id: str, reference: Reference, *, dry_run: bool = False
) -> WriteResult:
    """Add a ``<references>`` child to an existing entry (creating ``<references>`` in its
    schema position when the entry has none). Adding one that is already there is a no-op."""
    from lxml import etree

    from kbtool.kb import KnowledgeBase

    kb = KnowledgeBase.load(config)
    found = [e for e in kb.entries() if e.id == entry_id]
    if not found:
        raise UsageError(f"no entry with id {entry_id!r}")
    if len(found) > 1:
        raise UsageError(f"id {entry_id!r} is used by more than one entry; fix that first")
    path = found[0].source.path
    _ensure_inside(config, path)
    loaded = _load(config, path)
    entry = next(
        el for el in loaded.root.iterfind("learnings/learning") if el.get("id") == entry_id
    )
    key = "ref" if reference.kind == "learning" else "href"
    refs = entry.find("references")
    if refs is not None and any(
        child.tag == reference.kind and child.get(key) == reference.target for child in refs
    ):
        return WriteResult(path, line_of(entry), entry_id, False, changed=False)
    ref_el = etree.Element(reference.kind, {key: reference.target})
    if reference.label:
        ref_el.text = reference.label
    editor = FileText(loaded.text, loaded.root)
    expected = copy.deepcopy(loaded.root)
    expected_entry = next(
        el for el in expected.iterfind("learnings/learning") if el.get("id") == entry_id
    )
    if refs is not None:
        editor.insert_child(refs, ref_el)
        expected_refs = expected_entry.find("references")
        assert expected_refs is not None
        expected_refs.append(copy.deepcopy(ref_el))
    else:
        box = etree.Element("references")
        box.append(copy.deepcopy(ref_el))
        follower = next(
            (c for c in entry if isinstance(c.tag, str) and c.tag in REFERENCE_FOLLOWERS), None
        )
        editor.insert_child(entry, box, before=follower)
        if follower is not None:
            index = list(entry).index(follower)
            expected_entry.insert(index, copy.deepcopy(box))
        else:
            expected_entry.append(copy.deepcopy(box))
    new_text = editor.result()
    if dry_run:
        _verify(expected, _encode(loaded, new_text), path)
    else:
        _write(loaded, new_text, expected)
    return WriteResult(path, line_of(entry), entry_id, False)


def kb_ids(config: Config) -> set[str]:
    """Every id in the knowledge base (for :func:`make_id`)."""
    from kbtool.kb import KnowledgeBase

    return set(KnowledgeBase.load(config).ids())
