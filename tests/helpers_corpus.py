"""Scoring a legacy corpus migration: independent measures over the source and the output.

Used by tests/test_migrate.py (targets asserted) and tests/benchmarks/score_migrate.py (the
figures printed, one summary line last). The measures read the source files as text, never
through kbtool's own parser, and the output as plain XML.

- word recall: the multiset of words a person wrote (markup removed, attribute values and
  comments kept) in the XML and Markdown files (links not followed), found in the output
  text, counted with repeats;
- typed share: of the words in migrated entries' fields and extras, the share in typed
  fields (everything but ``<extras>`` and ``<provenance>``);
- records: (file, title) pairs found against the expected records;
- complete: entries with a title, a description that is not just the title, and a solution.
"""

from __future__ import annotations

import html
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lxml import etree

if TYPE_CHECKING:
    from kbtool.model import Learning

TAG = re.compile(r"""</?[A-Za-z_][\w.:\-]*((?:\s+[\w.:\-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*/?>""")
_ATTR_VALUE = re.compile(r"""=\s*(?:"([^"]*)"|'([^']*)')""")
_UNTYPED = ("extras", "provenance")


def read_source(path: Path) -> str:
    data = path.read_bytes()
    # (how the file starts, its codec, bytes to skip): a byte-order mark, or UTF-16 without
    # one, recognised by its "<?" (the XML declaration that must name the encoding)
    for start, codec, skip in (
        (b"\xef\xbb\xbf", "utf-8", 3),
        (b"\xff\xfe", "utf-16-le", 2),
        (b"\xfe\xff", "utf-16-be", 2),
        (b"<\x00?\x00", "utf-16-le", 0),
        (b"\x00<\x00?", "utf-16-be", 0),
    ):
        if data.startswith(start):
            return data[skip:].decode(codec)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


SOURCE_SUFFIXES = (".xml", ".md", ".markdown")


def source_files(src: Path) -> list[Path]:
    """The legacy files whose words count: XML and Markdown, not links (a link is a
    second name of a file counted already, or leaves the folder and must not be read)."""
    return sorted(
        p
        for p in src.rglob("*")
        if p.name.lower().endswith(SOURCE_SUFFIXES) and p.is_file() and not p.is_symlink()
    )


def source_text(raw: str) -> str:
    """The text a person wrote: markup removed (attribute values kept), entities decoded."""
    text = re.sub(r"<\?.*?\?>", " ", raw, flags=re.S)
    text = re.sub(r"<!--(.*?)-->", r" \1 ", text, flags=re.S)
    text = re.sub(r"<!\[CDATA\[(.*?)\]\]>", r" \1 ", text, flags=re.S)

    def values(match: re.Match[str]) -> str:
        return " " + " ".join(a or b for a, b in _ATTR_VALUE.findall(match.group(1) or "")) + " "

    text = TAG.sub(values, text)
    return re.sub(
        r"&(amp|lt|gt|quot|apos|#\d+|#x[0-9A-Fa-f]+);", lambda m: html.unescape(m.group()), text
    )


def words(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", text))


def node_words(el: etree._Element) -> Counter[str]:
    parts: list[str] = []
    for node in el.iter():
        if isinstance(node.tag, str):
            parts.extend(node.attrib.values())
        parts.extend([node.text or "", node.tail or ""] if node is not el else [node.text or ""])
    return words(" ".join(parts))


def output_text(out: Path) -> str:
    parts = []
    for path in sorted(out.glob("*.xml")):
        for node in etree.parse(str(path)).getroot().iter():
            if isinstance(node.tag, str):
                parts.extend(node.attrib.values())
            parts.extend([node.text or "", node.tail or ""])
    return " ".join(parts)


def entries(out: Path) -> list[etree._Element]:
    found = []
    for path in sorted(out.glob("*.xml")):
        found.extend(etree.parse(str(path)).getroot().iterfind("learnings/learning"))
    return found


def source_of(entry: etree._Element) -> str | None:
    prov = entry.find("provenance")
    return Path(prov.get("source") or "").name if prov is not None else None


def is_complete(entry: etree._Element) -> bool:
    title = " ".join((entry.findtext("title") or "").split())
    description = " ".join((entry.findtext("description") or "").split())
    return bool(
        title and description and description != title and entry.find("solution/step") is not None
    )


def typed_words(entry: etree._Element) -> tuple[int, int]:
    """(words in typed fields, words in extras) of one entry."""
    typed = untyped = 0
    for child in entry:
        if not isinstance(child.tag, str) or child.tag == "provenance":
            continue
        n = sum(node_words(child).values())
        if child.tag in _UNTYPED:
            untyped += n
        else:
            typed += n
    return typed, untyped


@dataclass
class Score:
    recall: float = 0.0
    missing: dict[str, int] = field(default_factory=dict)
    typed: float = 0.0
    records_found: int = 0
    records_expected: int = 0
    extra_records: list[tuple[str, str]] = field(default_factory=list)
    missed_records: list[tuple[str, str]] = field(default_factory=list)
    complete: int = 0
    entries: int = 0
    crashes: int = 0
    seconds: float = 0.0

    @property
    def complete_share(self) -> float:
        return self.complete / max(1, self.entries)

    def summary(self) -> str:
        return (
            f"migrate corpus: word recall {self.recall:.5f}, typed {self.typed:.1%}, "
            f"records {self.records_found}/{self.records_expected} "
            f"(+{len(self.extra_records)} unexpected), "
            f"complete {self.complete}/{self.entries} ({self.complete_share:.1%}), "
            f"crashes {self.crashes}, {self.seconds:.2f} s"
        )


def score(src: Path, out: Path, expected: dict[str, object]) -> Score:
    """Migrate ``src`` into ``out`` (fresh) and measure; a crash is counted, not raised."""
    from kbtool.migrate.learnings import MigrateOptions, apply, plan

    result = Score()
    start = time.perf_counter()
    try:
        apply(plan(MigrateOptions(sources=[src], out=out, encoding="latin-1")))
    except Exception:
        result.crashes += 1
    result.seconds = time.perf_counter() - start
    # neither catalogues nor the fix reports records link to become entries
    catalogues = set(expected.get("catalogues", {})) | set(expected.get("linked_reports", {}))  # type: ignore[arg-type]
    source: Counter[str] = Counter()
    for path in source_files(src):
        if path.name not in catalogues:
            source += words(source_text(read_source(path)))
    output = words(output_text(out)) if out.is_dir() else Counter()
    kept = sum(min(n, output[w]) for w, n in source.items())
    result.recall = kept / max(1, sum(source.values()))
    result.missing = {w: n - output[w] for w, n in source.items() if output[w] < n}
    found = entries(out) if out.is_dir() else []
    typed = untyped = 0
    got: Counter[tuple[str, str]] = Counter()
    for entry in found:
        name = source_of(entry)
        got[(name or "", entry.findtext("title") or "")] += 1
        if entry.find("provenance") is not None:
            t, u = typed_words(entry)
            typed, untyped = typed + t, untyped + u
        result.entries += 1
        result.complete += is_complete(entry)
    result.typed = typed / max(1, typed + untyped)
    want: Counter[tuple[str, str]] = Counter()
    for name, titles in expected["records"].items():  # type: ignore[attr-defined]
        for title in titles:
            want[(name, title)] += 1
    matched = got & want
    result.records_expected = sum(want.values())
    result.records_found = sum(matched.values())
    result.extra_records = sorted((got - want).elements())
    result.missed_records = sorted((want - got).elements())
    return result


def import_fixture(
    path: Path, root: Path, *, category: str = "General", links: bool = False, **kw: Any
) -> Learning:
    """``import-report`` of one report into the KB at ``root`` (id x, dated 2025-01-01);
    ``links``: with the KB's link graph, so mentions of entries resolve."""
    import datetime as dt

    from kbtool.config import load_config
    from kbtool.reports.importer import import_report
    from kbtool.reports.links import build_graph
    from kbtool.reports.parser import read_report

    config = load_config(root=root)
    report = read_report(path, config, inside_only=False)
    graph = build_graph(config, use_cache=False) if links else None
    return import_report(
        report,
        config=config,
        category=category,
        entry_id="x",
        date=dt.date(2025, 1, 1),
        report_href=None,
        graph=graph,
        **kw,
    ).learning


@dataclass
class ReportScore:
    name: str
    complete: bool
    problems: list[str]


def score_copy(
    base: Path, corpus: Path, expected: dict[str, object], source: str, out: str = "out"
) -> tuple[Path, Path, Score]:
    """Copy ``corpus`` to ``base/source`` (links kept as links), migrate it into ``base/out``
    and score it; the figures are printed (CI shows them). (source, out, score)."""
    import shutil

    src = base / source
    shutil.copytree(corpus, src, symlinks=True)
    result = score(src, base / out, expected)
    print(result.summary())
    return src, base / out, result


def score_reports(
    folder: Path, expected: dict[str, dict[str, object]], root: Path
) -> list[ReportScore]:
    """Import each expected report of ``folder`` (in a KB at ``root``) and compare.

    Complete: the title, a description that is not just the title, at least one solution
    step, the why-chain when the report has one (all its whys), and the files it names."""
    from kbtool.reports.importer import ImportFailed

    out = []
    for name in sorted(n for n in expected if not n.startswith("_")):
        want = expected[name]
        problems: list[str] = []
        try:
            learning = import_fixture(folder / name, root)
        except ImportFailed as error:
            out.append(ReportScore(name, False, [f"refused: {error}"]))
            continue
        if learning.title != want["title"]:
            problems.append(f"title {learning.title!r}")
        if " ".join(learning.description.split()) == " ".join(learning.title.split()):
            problems.append("description is the title")
        if len(learning.solution) < int(str(want["steps"])) or not learning.solution:
            problems.append(f"{len(learning.solution)} solution steps")
        if len(learning.five_whys) != want["whys"]:
            problems.append(f"{len(learning.five_whys)} whys")
        if len(learning.files_modified) != want["files"]:
            problems.append(f"{len(learning.files_modified)} files")
        out.append(ReportScore(name, not problems, problems))
    return out
