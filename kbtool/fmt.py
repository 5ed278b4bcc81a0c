"""Canonical formatting of category files (``kbtool fmt``); see docs/fmt.md for the policy.

Element order follows the XSD sequences, attributes come in the XSD's order (unknown ones
after, as they were), element-only content is indented by two spaces; text, comments,
CDATA and kept-as-is XML (``extras``, ``detectors``) are left alone. Each file keeps its
encoding (UTF-8 with or without a BOM, UTF-16 with its BOM, or the encoding its declaration
names) and its line endings (CRLF when most of its line breaks are CRLF). The result is
the same bytes ``kbtool.entry_xml.to_bytes`` writes for a new file, so formatting a freshly
written file changes nothing, and formatting twice changes nothing the second time.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from kbtool import fields
from kbtool.atomic import Stamp, atomic_write
from kbtool.diagnostics import Diagnostic
from kbtool.entry_xml import indent, serialize
from kbtool.safexml import parse_bytes, read_capped
from kbtool.xmlnodes import is_element

# Child order of each canonical element (the XSD sequences), and attribute order.
ELEMENT_ORDER: dict[str, tuple[str, ...]] = {
    name: fields.child_order(name)
    for name in ("specification", "metadata", "learning", "why", "provenance")
}
ATTRIBUTE_ORDER: dict[str, tuple[str, ...]] = {
    name: fields.attribute_order(name) for name in ("specification", "learning", "provenance")
}
_RAW = frozenset({"extras", "detectors"})


@dataclass(frozen=True)
class Style:
    """How a file is written on disk: its codec, byte-order mark, declared name, newline."""

    codec: str = "utf-8"
    bom: bool = False
    declared: str = "UTF-8"
    newline: str = "\n"

    @classmethod
    def of(cls, data: bytes, declared: str | None) -> Style:
        if data.startswith(codecs.BOM_UTF8):
            codec, bom, text = "utf-8", True, data[3:].decode("utf-8", "replace")
        elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            codec = "utf-16-le" if data.startswith(codecs.BOM_UTF16_LE) else "utf-16-be"
            bom, text = True, data[2:].decode(codec, "replace")
        else:
            codec, bom = _codec(declared) or "utf-8", False
            text = data.decode("latin-1")  # only line breaks are counted
        crlf = text.count("\r\n")
        newline = "\r\n" if crlf and crlf * 2 > text.count("\n") else "\n"
        if codec.startswith("utf-16"):
            name = "UTF-16"
        elif codec == "utf-8":
            name = "UTF-8"
        else:
            name = declared or codec
        return cls(codec, bom, name, newline)

    def encode(self, text: str) -> bytes:
        if self.newline != "\n":
            text = text.replace("\n", self.newline)
        body = text.encode(self.codec, errors="xmlcharrefreplace")
        if not self.bom:
            return body
        return (
            codecs.BOM_UTF8
            if self.codec == "utf-8"
            else codecs.BOM_UTF16_LE
            if self.codec == "utf-16-le"
            else codecs.BOM_UTF16_BE
        ) + body


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _reorder(parent: etree._Element, order: tuple[str, ...]) -> None:
    """Put element children in ``order``; comments travel with the element after them."""
    if parent.text and parent.text.strip(" \t\r\n"):
        return  # mixed content: left as it is
    if any(c.tail and c.tail.strip(" \t\r\n") for c in parent):
        return
    groups: list[tuple[float, int, list[etree._Element]]] = []
    pending: list[etree._Element] = []
    last = -1.0
    for node in parent:
        if not is_element(node):
            pending.append(node)
            continue
        rank = float(order.index(node.tag)) if node.tag in order else last + 0.5
        if node.tag in order:
            last = rank
        groups.append((rank, len(groups), [*pending, node]))
        pending = []
    ordered = [n for _, _, nodes in sorted(groups) for n in nodes] + pending
    if ordered != list(parent):
        for node in list(parent):
            parent.remove(node)  # lxml moves the tail with the node; indent() resets it
        parent.extend(ordered)


def _order_attributes(el: etree._Element, order: tuple[str, ...]) -> None:
    items = [(str(k), v) for k, v in el.attrib.items()]
    wanted = [(k, v) for name in order for k, v in items if k == name]
    wanted += [(k, v) for k, v in items if k not in order]
    if wanted != items:
        el.attrib.clear()
        for k, v in wanted:
            el.set(k, v)


def canonicalise(root: etree._Element) -> None:
    """Reorder and indent a ``<specification>`` tree in place."""
    stack = [root]
    while stack:
        el = stack.pop()
        if not is_element(el) or el.tag in _RAW:
            continue
        if el.tag in ELEMENT_ORDER:
            _reorder(el, ELEMENT_ORDER[el.tag])
        if el.tag in ATTRIBUTE_ORDER:
            _order_attributes(el, ATTRIBUTE_ORDER[el.tag])
        stack.extend(el)
    indent(root)


def _serialise(root: etree._Element, style: Style) -> bytes:
    before = [serialize(n) for n in reversed(list(root.itersiblings(preceding=True)))]
    after = [serialize(n) for n in root.itersiblings()]
    parts = [f'<?xml version="1.0" encoding="{style.declared}"?>', *before, serialize(root), *after]
    return style.encode("\n".join(parts) + "\n")


def format_bytes(data: bytes, display: str) -> tuple[bytes | None, list[Diagnostic]]:
    """The canonical bytes of a category file, or the findings that stop it."""
    root, findings = parse_bytes(data, display)
    if root is None:
        return None, findings
    if root.tag != "specification":
        return data, []  # not a category file: left as it is (the caller says so)
    style = Style.of(data, root.getroottree().docinfo.encoding)
    canonicalise(root)
    return _serialise(root, style), []


@dataclass
class FmtResult:
    path: Path
    display: str
    old: bytes = b""
    new: bytes | None = None
    stamp: Stamp | None = None
    status: str = "unchanged"  # unchanged, reformatted, changed (not yet written), skipped, failed
    findings: list[Diagnostic] = field(default_factory=list)
    note: str = ""

    @property
    def changed(self) -> bool:
        return self.new is not None and self.new != self.old

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.display,
            "status": self.status,
            "note": self.note,
            "findings": [d.to_dict() for d in self.findings],
        }


def format_file(path: Path, root: Path, limit: int, display: str) -> FmtResult:
    """Read one file (capped, inside ``root``) and compute its canonical bytes."""
    result = FmtResult(path, display)
    if path.is_symlink():
        result.status, result.note = "skipped", "a symbolic link: format the file it points at"
        return result
    data = read_capped(path, root, limit)
    if isinstance(data, Diagnostic):
        result.status, result.findings = "failed", [data]
        return result
    result.old = data
    try:
        result.stamp = Stamp.of(path, data)
    except OSError as exc:
        result.status = "failed"
        result.findings = [Diagnostic(display, 0, 0, "KB100", f"cannot read: {exc.strerror}")]
        return result
    new, findings = format_bytes(data, display)
    if new is None:
        result.status, result.findings = "failed", findings
        return result
    result.new = new
    if new is data:
        result.status, result.note = "skipped", "not a category file (root is not <specification>)"
    elif result.changed:
        result.status = "changed"
    return result


def write(result: FmtResult) -> bool:
    """Write a changed file atomically; ConcurrentChangeError if it changed since it was read."""
    if not result.changed or result.new is None:
        return False
    written = atomic_write(result.path, result.new, expected=result.stamp)
    if written:
        result.status = "reformatted"
    return written


def unified_diff(result: FmtResult) -> str:
    """The change ``write`` would make, as a unified diff (decoded for display)."""
    import difflib

    if result.new is None:
        return ""
    style = Style.of(result.old, None)
    old = result.old.decode(style.codec, "replace").lstrip("\ufeff").splitlines(keepends=True)
    new = result.new.decode(style.codec, "replace").lstrip("\ufeff").splitlines(keepends=True)
    return "".join(difflib.unified_diff(old, new, result.display, result.display))


STATUSES = ("unchanged", "reformatted", "changed", "skipped", "failed")


@dataclass
class FmtRun:
    """What one ``kbtool fmt`` run did: each file's result and the findings of the walk
    (paths that could not be listed)."""

    results: list[FmtResult] = field(default_factory=list)
    walk_findings: list[Diagnostic] = field(default_factory=list)

    @property
    def failed(self) -> list[Diagnostic]:
        return [d for r in self.results for d in r.findings] + self.walk_findings

    @property
    def pending(self) -> list[FmtResult]:
        """Files that would change (``--check``, ``--diff``)."""
        return [r for r in self.results if r.status == "changed"]

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    def to_dict(self) -> dict[str, object]:
        """``kbtool fmt --format json`` (docs/json-output.md)."""
        return {
            "version": 1,
            "command": "fmt",
            "files": [r.to_dict() for r in self.results],
            "findings": [d.to_dict() for d in self.walk_findings],
            "summary": {s: self.count(s) for s in STATUSES},
        }
