"""References written in legacy records → typed references, once every id is known.

A reference is a URL (``<link>``, or ``<issue>`` for an issue or pull-request URL), a path
to a Markdown report (``<fix-report href>``, relative to the output folder, only inside the
knowledge base), a path to another legacy XML file with exactly one record (``<learning
ref>``), or a bare id of a migrated record. Paths are tried relative to the citing file, the
source folders and the KB root (with the configured legacy prefixes), then by a unique bare
file name. Anything else stays an extra; a path that resolves nowhere is reported broken.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from kbtool import fields
from kbtool.migrate.legacy.fields import RawRef

_URL = re.compile(r"https?://[^\s<>\"'`)\]]+")
_PATH = re.compile(r"(?<![\w/.\-])((?:[\w.\-]+/)*[\w.\-]+\.(?:md|xml))(#[\w\-]+)?", re.IGNORECASE)
_BARE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,79}$")


@dataclass
class LinkIndex:
    """What a reference may point at."""

    kb_root: Path
    out_dir: Path
    source_roots: list[Path]
    path_map: dict[str, str]
    markdown: dict[str, list[Path]] = field(default_factory=dict)  # bare name → files
    xml_ids: dict[Path, list[str]] = field(default_factory=dict)  # source file → its ids
    xml_by_name: dict[str, list[Path]] = field(default_factory=dict)
    original_ids: dict[str, str] = field(default_factory=dict)  # legacy id → new id
    ids: set[str] = field(default_factory=set)

    def add_markdown(self, path: Path) -> None:
        self.markdown.setdefault(path.name, []).append(path)


@dataclass(frozen=True)
class Resolution:
    kind: str | None  # fix-report, learning, link, issue; None: kept as an extra
    target: str = ""
    reason: str = ""  # why it was kept
    broken: bool = False


def _existing(candidates: list[Path]) -> Path | None:
    for candidate in candidates:
        try:
            if candidate.is_file():
                return candidate.resolve()
        except OSError:
            continue
    return None


def _known(candidates: list[Path], index: LinkIndex) -> Path | None:
    """A candidate that is no longer there but whose entries are known (a legacy file an
    interrupted in-place run already absorbed)."""
    for candidate in candidates:
        try:
            real = candidate.resolve()
        except (OSError, RuntimeError):
            continue
        if real in index.xml_ids:
            return real
    return None


def _locate(index: LinkIndex, source: Path, written: str) -> Path | None:
    rel = written.replace("\\", "/").lstrip("/")
    mapped = [new + rel[len(old) :] for old, new in index.path_map.items() if rel.startswith(old)]
    candidates = [source.parent / rel]
    candidates += [root / rel for root in index.source_roots]
    candidates += [index.kb_root / rel, *(index.kb_root / m for m in mapped)]
    found = _existing(candidates) or _known(candidates, index)
    if found is not None:
        return found
    name = PurePosixPath(rel).name
    pool = index.markdown if name.lower().endswith(".md") else index.xml_by_name
    matches = pool.get(name, [])
    return matches[0] if len(matches) == 1 else None


def resolve(ref: RawRef, source: Path, own_id: str, index: LinkIndex) -> Resolution:
    """Resolve one reference of the record ``own_id`` read from ``source``."""
    written = (ref.href or "").strip() or ref.text.strip()
    url = _URL.search(written) or (_URL.search(ref.text) if ref.href else None)
    if url:
        target = url.group().rstrip(".,;:")
        if len(target) > 2048:
            return Resolution(None, reason="URL longer than 2048 characters")
        return Resolution(fields.reference_kind(target), target)
    path = _PATH.search(written)
    if path:
        return _resolve_path(path.group(1), source, own_id, index)
    candidate = written.strip("`'\" ")
    if _BARE_ID.match(candidate):
        entry = index.original_ids.get(candidate) or (candidate if candidate in index.ids else None)
        if entry and entry != own_id:
            return Resolution("learning", entry)
    return Resolution(None, reason="not a path, URL or id")


def _resolve_path(written: str, source: Path, own_id: str, index: LinkIndex) -> Resolution:
    found = _locate(index, source, written)
    if found is None:
        return Resolution(None, reason=f"{written}: no such file", broken=True)
    if found.suffix.lower() == ".md":
        try:
            found.relative_to(index.kb_root)
        except ValueError:
            return Resolution(None, reason=f"{written}: outside the knowledge base")
        # The anchor is left out (legacy anchors rarely match a heading); the label keeps it.
        href = os.path.relpath(found, index.out_dir).replace(os.sep, "/")
        return Resolution("fix-report", href)
    ids = [i for i in index.xml_ids.get(found, []) if i != own_id]
    if len(index.xml_ids.get(found, [])) == 1 and ids:
        return Resolution("learning", ids[0])
    if not index.xml_ids.get(found):
        return Resolution(None, reason=f"{written}: not a migrated file")
    return Resolution(None, reason=f"{written}: a file of {len(index.xml_ids[found])} entries")


def markdown_target(ref: RawRef, source: Path, index: LinkIndex) -> Path | None:
    """The Markdown file a reference of a record read from ``source`` names (resolved, as
    :func:`resolve` finds it), or None."""
    written = (ref.href or "").strip() or ref.text.strip()
    if _URL.search(written):
        return None
    path = _PATH.search(written)
    if path is None or not path.group(1).lower().endswith(".md"):
        return None
    found = _locate(index, source, path.group(1))
    return found if found is not None and found.suffix.lower() == ".md" else None
