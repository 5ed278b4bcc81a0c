"""The knowledge base on disk: which files it has and the entries in them."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from kbtool.config import SKIP_DIRS as SKIP_DIRS
from kbtool.config import Config
from kbtool.diagnostics import Diagnostic, display_path
from kbtool.records import FrozenRecord
from kbtool.xmlnodes import line_of

TYPE_CHECKING = False  # typing is imported for the type checker only (start-up)
if TYPE_CHECKING:  # lxml stays off the start-up path: iter_xml_paths serves `kbtool search`
    from lxml import etree

    from kbtool.safexml import XmlSource


def iter_xml_paths(paths: Sequence[Path], config: Config) -> Iterator[Path | Diagnostic]:
    """Every ``*.xml`` file under the given files/folders (default: the learnings folder).

    Folders are walked without following links, in sorted order, skipping the reports
    folder and the cache. A named path outside the KB root is reported, not read.
    """
    targets = list(paths) or [config.learnings_dir]
    seen: set[Path] = set()
    for target in targets:
        absolute = Path(os.path.abspath(target))  # noqa: PTH100 - normalise, keep links
        if not config.inside(absolute) and not _is_link_inside(absolute, config):
            yield Diagnostic(
                display_path(absolute), 0, 0, "KB104", "refused: outside the knowledge base root"
            )
            continue
        if absolute.is_symlink() or not absolute.is_dir():
            if absolute not in seen:
                seen.add(absolute)
                yield absolute
            continue
        for path in _walk(absolute, config):
            if isinstance(path, Diagnostic):
                yield path
            elif path not in seen:
                seen.add(path)
                yield path


def _is_link_inside(path: Path, config: Config) -> bool:
    # A link whose own location is inside the KB; read_capped judges where it points.
    try:
        return path.is_symlink() and path.parent.resolve().is_relative_to(config.root)
    except OSError:
        return False


def _walk(folder: Path, config: Config) -> Iterator[Path | Diagnostic]:
    from kbtool.confine import MAX_FOLDER_DEPTH, leaves

    skip = {config.cache_dir, config.reports_dir}
    top = len(folder.parts)
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        here = Path(dirpath)
        if len(here.parts) - top >= MAX_FOLDER_DEPTH and dirnames:
            yield Diagnostic(
                display_path(here),
                0,
                0,
                "KB107",
                f"not read: its folders are more than {MAX_FOLDER_DEPTH} levels below "
                f"{display_path(folder)}",
            )
            dirnames[:] = []
        for name in sorted(dirnames):  # never walked; one that leads out is said so
            if (here / name).is_symlink() and leaves(here / name, config.root):
                yield Diagnostic(
                    display_path(here / name),
                    0,
                    0,
                    "KB104",
                    "refused: a link to a folder outside the knowledge base root (not read)",
                )
        kept = [d for d in dirnames if d not in SKIP_DIRS and (here / d).resolve() not in skip]
        # A folder named like a KB file is yielded, so that it is reported (KB106), not walked.
        dirnames[:] = sorted(d for d in kept if not d.endswith(".xml"))
        for name in sorted([*filenames, *(d for d in kept if d.endswith(".xml"))]):
            if name.endswith(".xml"):
                yield here / name


class EntryRef(FrozenRecord):
    """One ``<learning>`` element with where it stands."""

    __slots__ = _fields = ("id", "element", "source")
    id: str
    element: etree._Element
    source: XmlSource

    def __init__(self, id: str, element: etree._Element, source: XmlSource) -> None:
        self._set(id=id, element=element, source=source)

    @property
    def line(self) -> int:
        return line_of(self.element)

    @property
    def category(self) -> str:
        return "".join(self.element.findtext("category") or "").strip()

    @property
    def title(self) -> str:
        return (self.element.findtext("title") or "").strip()


class KnowledgeBase:
    """All XML files of a KB, loaded safely; broken files carry their findings."""

    def __init__(self, config: Config, sources: list[XmlSource], walk_findings: list[Diagnostic]):
        self.config = config
        self.sources = sources
        self.walk_findings = walk_findings

    @classmethod
    def load(
        cls, config: Config, paths: Sequence[Path] = (), *, light: bool = False
    ) -> KnowledgeBase:
        """The KB's files (or ``paths``), parsed. ``light``: for reading only, without lxml
        where the files allow (:func:`kbtool.safexml.load_xml`)."""
        from kbtool.safexml import load_xml

        sources: list[XmlSource] = []
        findings: list[Diagnostic] = []
        for item in iter_xml_paths(paths, config):
            if isinstance(item, Diagnostic):
                findings.append(item)
            else:
                sources.append(load_xml(item, config.root, config.max_file_bytes, light=light))
        return cls(config, sources, findings)

    def entries(self) -> Iterator[EntryRef]:
        for source in self.sources:
            yield from entries_of(source)

    def find(self, entry_id: str) -> EntryRef | None:
        return next((e for e in self.entries() if e.id == entry_id), None)

    def ids(self) -> list[str]:
        return [e.id for e in self.entries()]


def entries_of(source: XmlSource) -> Iterable[EntryRef]:
    """The ``learnings/learning`` entries of a parsed ``<specification>`` file."""
    if source.root is None or source.root.tag != "specification":
        return []
    box = source.root.find("learnings")
    if box is None:
        return []
    return [EntryRef(e.get("id", ""), e, source) for e in box.iterchildren("learning")]


CATEGORY_STEM_MAX = 60  # a category file name stays far below every file system's limit


def category_filename(category: str) -> str:
    """The category file name for a category: ``Database/AsyncIO`` → ``database_asyncio.xml``.

    A stem longer than ``CATEGORY_STEM_MAX`` is cut and ends in 8 hex digits of a hash of the
    whole stem, so long categories keep distinct, bounded names.
    """
    stem = "".join(c if c.isalnum() else "_" for c in category.lower())
    stem = "_".join(part for part in stem.split("_") if part)
    if len(stem) > CATEGORY_STEM_MAX:
        import hashlib

        digest = hashlib.sha256(stem.encode("utf-8")).hexdigest()[:8]
        stem = stem[: CATEGORY_STEM_MAX - 9].rstrip("_") + "_" + digest
    return f"{stem or 'general'}.xml"


def category_part_filename(category: str, part: int) -> str:
    """The file of part ``part`` (1, 2, …) of a category split over several files:
    ``general.xml``, ``general-2.xml``, … (``-`` never occurs in ``category_filename``)."""
    name = category_filename(category)
    return name if part <= 1 else f"{name[:-4]}-{part}.xml"


def is_category_file_name(name: str, category: str) -> bool:
    """True when ``name`` is the category's file or one of its numbered parts."""
    stem = category_filename(category)[:-4]
    if name == f"{stem}.xml":
        return True
    head, dash, number = name[:-4].rpartition("-")
    return (
        name.endswith(".xml")
        and dash == "-"
        and head == stem
        and number.isdigit()
        and number[0] != "0"
        and int(number) >= 2
    )
