"""``kbtool scan``: run the detectors of a knowledge base over a code tree.

Library use::

    from kbtool.config import load_config
    from kbtool.scan.scanner import scan

    result = scan(load_config(), [Path("src")])
    for f in result.findings:
        print(f.diagnostic.format())       # path:line:col: <entry-id> message

What is read: regular files under the given paths, not following symbolic links to folders
and not following links to files outside the scanned folder; version-control, cache and
virtual-environment folders (those git tracks no file in), the knowledge base's entries and
reports and its cache folder (:func:`kb_folders`) are skipped, and so are binary files (a
NUL byte in the first 8 KiB) and files over ``max_bytes``. Under a scanned folder, what its
``.gitignore`` files or the ``excludes`` globs name is left out (:mod:`kbtool.scan.ignore`).
Every file is read once; every Python file is parsed once for all ``python-ast`` detectors.

Inline suppression: ``# kbtool: ignore[<entry-id>] reason`` on the finding's line, or alone
on the line above it (several ids separated by commas). The reason is required: a
suppression without one suppresses nothing and is itself a finding (KB511).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tokenize
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from io import BytesIO, StringIO
from pathlib import Path
from typing import Any

from kbtool.config import Config
from kbtool.diagnostics import Diagnostic, Severity, display_path, sanitize
from kbtool.errors import UsageError
from kbtool.kb import SKIP_DIRS as KB_SKIP_DIRS
from kbtool.xmlnodes import line_of

DEFAULT_MAX_BYTES = 1024 * 1024
BINARY_SNIFF = 8192
SKIP_DIRS = frozenset(KB_SKIP_DIRS) | {
    ".hg",
    ".svn",
    ".bzr",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".hypothesis",
    ".eggs",
}
#: Version-control folders: never scanned, whatever git tracks.
VCS_DIRS = frozenset({".git", ".hg", ".svn", ".bzr"})
BASELINE_VERSION = 1
_IGNORE = re.compile(r"kbtool:\s*ignore\b(\[([^\]\n]*)\])?([^\n]*)")
_COMMENT_MARKERS = frozenset({"#", "//", "--", ";", "/*", "*", "<!--"})  # comment alone on a line
_COMMENT_START = re.compile(r"(?:^|(?<=\s))(#|//|--|;|/\*|<!--)\s*kbtool:")
_REASON_END = re.compile(r"\s*(\*/|-->)\s*$")


# ------------------------------------------------------------------ what a scan knows


@dataclass(frozen=True)
class EntryInfo:
    """What a finding says about the learning it comes from."""

    id: str
    title: str
    description: str
    hint: str  # the first solution step, one line
    severity: str | None  # the entry's severity attribute
    path: Path  # the XML file
    line: int
    help_uri: str | None = None

    @classmethod
    def from_element(cls, el: Any, path: Path, help_uri: str | None = None) -> EntryInfo:
        from kbtool.entryview import read_entry

        entry = read_entry(el)
        return cls(
            id=entry.id.strip(),
            title=" ".join(entry.title.split()),
            description=" ".join(entry.description.split()),
            hint=entry.hint,
            severity=(entry.severity or "").strip() or None,
            path=path,
            line=entry.line,
            help_uri=help_uri,
        )


@dataclass(frozen=True)
class Finding:
    """One detector hit in the scanned code."""

    entry: EntryInfo
    detector_index: int
    path: str  # as shown
    abs_path: Path
    line: int
    col: int
    end_line: int
    end_col: int
    message: str
    snippet: str  # the finding's first line, white space collapsed
    occurrence: int = 0  # among findings with the same entry, detector, file and snippet

    @property
    def entry_id(self) -> str:
        return self.entry.id

    @property
    def diagnostic(self) -> Diagnostic:
        return Diagnostic(self.path, self.line, self.col, self.entry.id, self.message)

    def fingerprint(self, base: Path) -> str:
        """Stable under line shifts: entry, detector, path from ``base``, code text, occurrence."""
        rel = _posix_rel(self.abs_path, base)
        key = "\0".join(
            [self.entry.id, str(self.detector_index), rel, self.snippet, str(self.occurrence)]
        )
        return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32]

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "end_line": self.end_line,
            "end_col": self.end_col,
            "entry": self.entry.id,
            "detector": self.detector_index,
            "severity": self.entry.severity,
            "message": self.message,
            "title": self.entry.title,
            "hint": self.entry.hint,
            "snippet": self.snippet,
        }


@dataclass
class ScanResult:
    """Findings to act on, those suppressed inline or by the baseline, and scan problems."""

    findings: list[Finding] = field(default_factory=list)
    suppressed: list[tuple[Finding, str]] = field(default_factory=list)  # with the reason
    baselined: list[Finding] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)  # KB5xx
    entries: dict[str, EntryInfo] = field(default_factory=dict)  # entries with detectors
    detectors: int = 0
    files_scanned: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def failed(self) -> bool:
        """True when the scan should exit 1: findings, or error-level problems."""
        return bool(self.findings) or any(p.severity is Severity.ERROR for p in self.problems)

    def to_dict(self) -> dict[str, Any]:
        from kbtool import __version__

        return {
            "version": 1,
            "tool": {"name": "kbtool", "version": __version__},
            "command": "scan",
            "ok": not self.failed,
            "findings": [f.to_dict() for f in self.findings],
            "problems": [p.to_dict() for p in self.problems],
            "summary": {
                "findings": len(self.findings),
                "suppressed": len(self.suppressed),
                "baselined": len(self.baselined),
                "files_scanned": self.files_scanned,
                "files_skipped": dict(sorted(self.skipped.items())),
                "entries_with_detectors": len(self.entries),
                "detectors": self.detectors,
            },
        }


def _absolute(path: Path | str) -> Path:
    """An absolute, normalised path that does not follow symbolic links."""
    return Path(os.path.normpath(Path(path).absolute()))


def _printable(path: str) -> str:
    """A path that encodes as UTF-8: bytes that are not UTF-8 in a file name become U+FFFD."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _posix_rel(path: Path, base: Path) -> str:
    try:
        return Path(os.path.relpath(path, base)).as_posix()
    except ValueError:  # another drive
        return path.as_posix()


def _problem(path: str, line: int, col: int, code: str, message: str) -> Diagnostic:
    """A scan problem; its severity is the one its page kbtool/docs/codes/KBnnn.md declares."""
    from kbtool.codes import severity

    return Diagnostic(path, line, col, code, message, severity(code))


# ------------------------------------------------------------------ the detectors of a KB


def load_detectors(config: Config) -> tuple[list[Any], dict[str, EntryInfo], list[Diagnostic]]:
    """Every runnable detector of the KB, the entries they belong to, and detector problems.

    Entries with ``status`` other than ``active`` are left out. Files that do not load are
    ``kbtool validate``'s business; here they only mean fewer detectors.
    """
    from kbtool.kb import KnowledgeBase
    from kbtool.scan.detectors.spec import detectors_of

    kb = KnowledgeBase.load(config)
    detectors: list[Any] = []
    entries: dict[str, EntryInfo] = {}
    problems: list[Diagnostic] = []
    for ref in kb.entries():
        if ref.element.find("detectors") is None:
            continue
        if (ref.element.get("status") or "active").strip() != "active":
            continue
        found, trouble = detectors_of(ref.element)
        for p in trouble:
            if p.code in ("KB503", "KB504", "KB506"):
                problems.append(
                    _problem(
                        ref.source.display,
                        line_of(p.element),
                        1,
                        p.code,
                        f"{ref.id}: {p.message} (detector skipped)",
                    )
                )
        if found and ref.id not in entries:
            entries[ref.id] = EntryInfo.from_element(
                ref.element, ref.source.path, _help_uri(config, ref)
            )
            detectors.extend(found)
    return detectors, entries, problems


def _help_uri(config: Config, ref: Any) -> str | None:
    """``[tool.kbtool] help-uri`` with {id}, {path}, {line} filled, or the entry's first URL."""
    template = config.raw.get("help-uri")
    if isinstance(template, str) and template:
        rel = _posix_rel(ref.source.path, config.root)
        return template.format(id=ref.id, path=rel, line=ref.line)
    for el in ref.element.iterfind("references/*"):
        href = (el.get("href") or "").strip()
        if href.startswith(("https://", "http://")):
            return href
    return None


# ------------------------------------------------------------------ which files


@dataclass(frozen=True)
class Target:
    abs_path: Path
    rel: str  # relative to the scanned folder, POSIX
    root: Path  # the scanned folder (resolved): reads stay inside it


def iter_targets(
    paths: Sequence[Path],
    skip: Mapping[Path, tuple[str, ...]] | None = None,
    skipped: Counter[str] | None = None,
    *,
    excludes: Sequence[str] = (),
    gitignore: bool = True,
    problems: list[Diagnostic] | None = None,
) -> Iterator[Target]:
    """Files under the given paths, each once, in sorted order (see the module docstring).

    Under a folder, files and folders its ``.gitignore`` files or ``excludes`` (gitignore
    globs) name are left out (:mod:`kbtool.scan.ignore`); a file named on its own is left
    out only by ``excludes``. Folders deeper than ``MAX_FOLDER_DEPTH`` are not entered
    (``too-deep``); a ``.gitignore`` pattern too costly to match is set aside and reported in
    ``problems`` (KB513).

    ``skip`` maps the knowledge base's own folders to the suffixes of the files that are
    its own there (:func:`kb_folders`); below such a folder only those files are left out,
    and a folder mapped to ``()`` (the cache) is left out whole unless git tracks files in
    it."""
    from kbtool.confine import MAX_FOLDER_DEPTH
    from kbtool.scan.ignore import IgnoreRules, compile_excludes

    skipped = skipped if skipped is not None else Counter()
    named_exclude = compile_excludes(excludes)
    skip_real = {p.resolve(): suffixes for p, suffixes in (skip or {}).items()}
    seen: set[Path] = set()
    for arg in paths:
        absolute = _absolute(arg)
        if not absolute.exists() and not absolute.is_symlink():
            raise UsageError(f"{arg}: no such file or folder")
        if absolute.is_dir() and not absolute.is_symlink():
            root_real = absolute.resolve()
            rules = IgnoreRules(absolute, excludes, gitignore=gitignore)
            links: list[Path] = []
            owned: dict[str, tuple[str, ...]] = {}  # folder prefix → the KB's own suffixes
            for dirpath, dirnames, filenames in os.walk(absolute, followlinks=False):
                here = Path(dirpath)
                at = here.relative_to(absolute).as_posix()
                prefix = "" if at == "." else at + "/"
                if prefix.count("/") >= MAX_FOLDER_DEPTH:
                    skipped["too-deep"] += len(dirnames)
                    dirnames[:] = []
                dirnames[:] = sorted(
                    d
                    for d in dirnames
                    if not _tool_folder(d, prefix + d, rules)
                    and not _virtual_environment(here / d, prefix + d, rules)
                    and not _kb_folder(here / d, prefix + d, skip_real, owned, rules)
                    and not rules.ignored(prefix + d, is_dir=True)
                )
                own = next((v for k, v in owned.items() if prefix.startswith(k)), ())
                for name in sorted(filenames):
                    if own and name.endswith(own):
                        continue  # an entry or a report: the KB's own file
                    if rules.ignored(prefix + name):
                        skipped["ignored"] += 1
                        continue
                    path = here / name
                    if path.is_symlink():
                        links.append(path)  # after the real files: a file is shown where it is
                        continue
                    real = _real_inside(path, root_real, skipped)
                    if real is not None and real not in seen:
                        seen.add(real)
                        yield Target(path, path.relative_to(absolute).as_posix(), root_real)
            for path in links:
                real = _real_inside(path, root_real, skipped)
                if real is not None and real not in seen:
                    seen.add(real)
                    yield Target(path, path.relative_to(absolute).as_posix(), root_real)
            if problems is not None:
                for aside in rules.set_aside:  # a .gitignore above two scanned folders: once
                    problem = _costly_pattern(*aside)
                    if problem not in problems:
                        problems.append(problem)
        else:
            base = Path.cwd()
            parent = absolute.parent.resolve()
            if named_exclude is not None and named_exclude.match_file(_posix_rel(absolute, base)):
                skipped["ignored"] += 1
                continue
            real = _real_inside(absolute, parent, skipped)
            if real is not None and real not in seen:
                seen.add(real)
                rel = _posix_rel(absolute, base)
                yield Target(absolute, rel if not rel.startswith("../") else absolute.name, parent)


def _costly_pattern(ignore_file: Path, number: int, line: str) -> Diagnostic:
    message = (
        f"ignore pattern {sanitize(line.strip())!r} set aside: it has more wildcards than "
        "can be matched in bounded time, so the files it names are scanned"
    )
    return _problem(display_path(ignore_file), number, 1, "KB513", message)


def _real_inside(path: Path, root: Path, skipped: Counter[str]) -> Path | None:
    """The file's real path when it is a file inside ``root``; None (counted) otherwise."""
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        skipped["unreadable"] += 1
        return None
    if path.is_symlink():
        try:
            real.relative_to(root)
        except ValueError:
            skipped["link-outside"] += 1
            return None
    return real


def kb_folders(config: Any) -> dict[Path, tuple[str, ...]]:
    """The knowledge base's own folders and the suffixes of its own files in each: the
    scan leaves those out (detectors would flag the code in entries and reports), not the
    folder, which a pull request's ``kbtool.toml`` can point at ``app/``."""
    return {config.learnings_dir: (".xml",), config.reports_dir: (".md",), config.cache_dir: ()}


def _kb_folder(
    folder: Path,
    rel: str,
    kb: Mapping[Path, tuple[str, ...]],
    owned: dict[str, tuple[str, ...]],
    rules: Any,
) -> bool:
    """Whether to leave out the whole ``folder``: a KB folder whose every file is the KB's
    (the cache) and in which git tracks nothing. A KB folder of entries or reports is
    entered, and its own files noted in ``owned`` to be left out."""
    if not kb:
        return False
    suffixes = kb.get(folder.resolve())
    if suffixes is None:
        return False
    if suffixes:
        owned[rel + "/"] = suffixes
        return False
    return not rules.tracks_below(rel)


def _tool_folder(name: str, rel: str, rules: Any) -> bool:
    """A folder left out by its name (:data:`SKIP_DIRS`, ``*.egg-info``): one that tools
    write and nobody commits. Where git tracks files in it, it is code of the repository
    (a pull request's ``.tox/m/run.py``, imported through a link ``app -> .tox/m``), and is
    scanned; a version-control folder never is."""
    if name not in SKIP_DIRS and not name.endswith(".egg-info"):
        return False
    return name in VCS_DIRS or not rules.tracks_below(rel)


def _virtual_environment(folder: Path, rel: str, rules: Any) -> bool:
    """A folder with ``pyvenv.cfg`` that git does not track files in: an environment is
    never committed, and an empty ``pyvenv.cfg`` in a pull request must not hide ``app/``."""
    return (folder / "pyvenv.cfg").exists() and not rules.tracks_below(rel)


_SKIP_REASON = {"KB104": "link-outside", "KB105": "too-large", "KB106": "not-regular"}


def read_source(path: Path, root: Path, max_bytes: int) -> bytes | str:
    """The bytes of a regular file inside ``root`` (links resolved), or why it is skipped:
    link-outside, too-large, not-regular or unreadable (``kbtool.safexml.read_capped``)."""
    from kbtool.safexml import read_capped

    data = read_capped(path, root, max_bytes)
    if isinstance(data, Diagnostic):
        return _SKIP_REASON.get(data.code, "unreadable")
    return data


def decode_source(data: bytes, rel: str) -> str | None:
    """Text of a file: Python by its coding cookie or BOM, others as UTF-8; None when binary.

    Lines are the lines Python reads (:func:`_as_python_reads`): a detector anchored at a
    line's start or end (``^DEBUG = True$``) must see each line the interpreter runs."""
    if b"\0" in data[:BINARY_SNIFF]:
        return None
    python = rel.endswith((".py", ".pyi"))
    text = None
    if python:
        try:
            encoding, _ = tokenize.detect_encoding(BytesIO(data).readline)
            text = data.decode(encoding)
        except (SyntaxError, LookupError, UnicodeDecodeError):
            pass
    if text is None:
        text = data.decode("utf-8", errors="replace")
        text = text[1:] if text.startswith("\ufeff") else text
    return _as_python_reads(text, python=python)


#: Leading blanks up to the last form feed: Python counts no indentation for them (a form
#: feed resets the count), so ``\fDEBUG = True`` runs at the top level of a module.
_FORM_FEED_INDENT = re.compile(r"^[ \t\f]*\f", re.MULTILINE)


def _as_python_reads(text: str, *, python: bool) -> str:
    """``\\r\\n`` and a lone ``\\r`` as ``\\n`` (Python, git and editors all end a line at
    either; a regex's ``^`` and ``$`` only at ``\\n``), and in a Python file the leading blanks
    a form feed makes void removed. Either could hide a line from a detector."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if python and "\f" in text:
        text = _FORM_FEED_INDENT.sub("", text)
    return text


class ModuleFinder:
    """Finds a project module that was not scanned (``app.dependencies`` → its file), so that
    scanning only the changed files (a pre-commit hook) still resolves names across modules.

    It looks in the scanned folders, the working folder, and above each scanned Python file
    up to its top-level package; only regular files inside those folders, size-capped.
    """

    def __init__(self, scanned: Sequence[Path], paths: Sequence[Path], max_bytes: int) -> None:
        roots: list[Path] = [Path.cwd()]
        roots += [_absolute(p) for p in paths if Path(p).is_dir()]
        for path in scanned:
            if path.suffix not in (".py", ".pyi"):
                continue
            folder = path.parent
            while True:
                roots.append(folder)
                if not (folder / "__init__.py").is_file() or folder.parent == folder:
                    break
                folder = folder.parent
        self.roots = list(dict.fromkeys(roots))
        self.max_bytes = max_bytes

    def __call__(self, name: str) -> Any:
        from kbtool.scan.detectors.run import SourceFile

        parts = name.split(".")
        if not all(p.isidentifier() for p in parts):
            return None
        for root in self.roots:
            for candidate in (
                root.joinpath(*parts).with_suffix(".py"),
                root.joinpath(*parts, "__init__.py"),
            ):
                if not candidate.is_file():
                    continue
                data = read_source(candidate, root.resolve(), self.max_bytes)
                text = decode_source(data, candidate.name) if isinstance(data, bytes) else None
                if text is not None:
                    rel = (
                        Path(*parts, candidate.name).as_posix()
                        if candidate.name == "__init__.py"
                        else Path(*parts).with_suffix(".py").as_posix()
                    )
                    return SourceFile(rel, display_path(candidate), text)
        return None


# ------------------------------------------------------------------ suppressions


@dataclass(frozen=True)
class Suppression:
    line: int  # the line it applies to
    ids: frozenset[str]
    reason: str


def _comments(src: Any) -> Iterator[tuple[int, int, str]]:
    """(line, column offset, text) of each comment that mentions ``kbtool:``.

    Python files are tokenized, so strings and docstrings that quote a suppression do not
    count; in other files a comment starts at ``#``, ``//``, ``--``, ``;``, ``/*`` or
    ``<!--`` at the start of a line or after white space.
    """
    if src.rel.endswith((".py", ".pyi")):
        try:
            tokens = list(tokenize.generate_tokens(StringIO(src.text).readline))
        except (tokenize.TokenError, SyntaxError):
            tokens = None  # a file that does not tokenize: fall back to the plain rule
        if tokens is not None:
            for tok in tokens:
                if tok.type == tokenize.COMMENT and "kbtool:" in tok.string:
                    yield tok.start[0], tok.start[1], tok.string
            return
    for number, line in enumerate(src.lines, start=1):
        if "kbtool:" in line:
            for m in _COMMENT_START.finditer(line):
                yield number, m.start(1), line[m.start(1) :]
                break


def _read_ignore(m: re.Match[str]) -> tuple[frozenset[str], str, str]:
    """(entry ids, reason, what is wrong with it: "" when nothing) of one ignore comment."""
    if m.group(1) is None:
        return (
            frozenset(),
            "",
            ("suppression names no entry: write 'kbtool: ignore[<entry-id>] reason'"),
        )
    ids = frozenset(i.strip() for i in m.group(2).split(",") if i.strip())
    reason = _REASON_END.sub("", m.group(3)).strip(" \t:-—")
    if not ids:
        return ids, reason, "suppression names no entry id"
    if not reason:
        return (
            ids,
            reason,
            (
                f"suppression of {', '.join(sorted(ids))} gives no reason "
                "(write why after the brackets); it suppresses nothing"
            ),
        )
    return ids, reason, ""


def suppressions(src: Any, known_ids: set[str]) -> tuple[list[Suppression], list[Diagnostic]]:
    """The ``kbtool: ignore[…] reason`` comments of a file, and the problems with them."""
    out: list[Suppression] = []
    problems: list[Diagnostic] = []
    if "kbtool:" not in src.text:
        return out, problems
    for number, offset, comment in _comments(src):
        line = src.line_text(number)
        for m in _IGNORE.finditer(comment):
            col = offset + m.start() + 1
            ids, reason, malformed = _read_ignore(m)
            if malformed:
                problems.append(_problem(src.display, number, col, "KB511", malformed))
                continue
            for unknown in sorted(ids - known_ids):
                problems.append(
                    _problem(
                        src.display,
                        number,
                        col,
                        "KB512",
                        f"suppression names {unknown!r}, which no detector of "
                        "the knowledge base reports",
                    )
                )
            alone = line[: offset + m.start()].strip() in _COMMENT_MARKERS
            out.append(Suppression(number + 1 if alone else number, ids, reason))
    return out, problems


# ------------------------------------------------------------------ baselines


def read_baseline(path: Path) -> Counter[str]:
    """The fingerprints of a baseline file (a multiset)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise UsageError(
            f"{{baseline}} {path}: no such file (create it with {{write_baseline}})",
            params=("baseline", "write_baseline"),
        ) from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(
            f"{{baseline}} {path}: not a kbtool baseline ({exc})", params=("baseline",)
        ) from exc
    if not isinstance(data, dict) or data.get("kbtool-baseline") != BASELINE_VERSION:
        raise UsageError(
            f"{{baseline}} {path}: not a kbtool baseline (version {BASELINE_VERSION})",
            params=("baseline",),
        )
    rows = data.get("findings", [])
    if not isinstance(rows, list):
        raise UsageError(f"{{baseline}} {path}: 'findings' must be a list", params=("baseline",))
    return Counter(
        r["fingerprint"]
        for r in rows
        if isinstance(r, dict) and isinstance(r.get("fingerprint"), str)
    )


def baseline_bytes(findings: Sequence[Finding], base: Path) -> bytes:
    """A baseline file accepting these findings; paths relative to the baseline's folder."""
    rows = [
        {
            "entry": f.entry.id,
            "path": _printable(_posix_rel(f.abs_path, base)),
            "line": f.line,
            "fingerprint": f.fingerprint(base),
            "snippet": f.snippet,
        }
        for f in findings
    ]
    rows.sort(key=lambda r: (r["path"], r["line"], r["entry"], r["fingerprint"]))
    doc = {
        "kbtool-baseline": BASELINE_VERSION,
        "comment": "Accepted findings of kbtool scan; matched by fingerprint, not line.",
        "findings": rows,
    }
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_baseline(path: Path, findings: Sequence[Finding]) -> None:
    from kbtool.atomic import atomic_write

    base = _absolute(path).parent
    if not base.is_dir():
        raise UsageError(
            f"{{write_baseline}} {path}: folder {base} does not exist", params=("write_baseline",)
        )
    atomic_write(_absolute(path), baseline_bytes(findings, base))


# ------------------------------------------------------------------ the scan


def scan(
    config: Config,
    paths: Sequence[Path],
    *,
    entry_ids: Sequence[str] = (),
    max_bytes: int = DEFAULT_MAX_BYTES,
    baseline: Path | None = None,
    detectors: tuple[list[Any], dict[str, EntryInfo], list[Diagnostic]] | None = None,
    jobs: int | None = 1,
    excludes: Sequence[str] = (),
    gitignore: bool = True,
) -> ScanResult:
    """Scan files and folders with the KB's detectors (optionally only those of some entries).

    ``excludes``: gitignore-style globs of files to leave out; ``gitignore``: honour the
    ``.gitignore`` files of scanned folders (:mod:`kbtool.scan.ignore`).

    The stages: :func:`read_targets` (the files to scan) → :func:`run_detectors` (hits) →
    :func:`suppress` (``kbtool: ignore`` comments) → :func:`apply_baseline`."""
    dets, entries, problems = detectors if detectors is not None else load_detectors(config)
    if entry_ids:
        unknown = sorted(set(entry_ids) - set(entries))
        if unknown:
            raise UsageError(
                f"{{entry}} {unknown[0]}: no active entry with detectors has that id",
                params=("entry",),
            )
        dets = [d for d in dets if d.entry_id in entry_ids]
        entries = {k: v for k, v in entries.items() if k in entry_ids}
    result = ScanResult(problems=list(problems), entries=entries, detectors=len(dets))
    skip = kb_folders(config)
    files = read_targets(
        result, paths, skip, max_bytes, excludes=excludes, gitignore=gitignore, dets=dets
    )
    finder = ModuleFinder([f.abs_path for f in files], paths, max_bytes)
    findings = run_detectors(result, files, dets, finder, jobs)
    suppress(result, files, dets, findings)
    if baseline is not None:
        apply_baseline(result, baseline)
    result.problems.sort()
    return result


@dataclass(frozen=True)
class _Target:
    """A file read for scanning, and where it is on disk."""

    source: Any  # kbtool.scan.detectors.run.SourceFile
    abs_path: Path


def read_targets(
    result: ScanResult,
    paths: Sequence[Path],
    skip: Mapping[Path, tuple[str, ...]],
    max_bytes: int,
    *,
    excludes: Sequence[str],
    gitignore: bool,
    dets: Sequence[Any] = (),
) -> list[_Target]:
    """Stage 1: the text files to scan (binary, too large and unreadable ones are counted in
    ``result.skipped``). A file too large to read that one of ``dets`` looks at is also a
    problem (KB515, an error): padding a file past the limit must not hide it; so is
    compiled Python that the walk reaches (KB516: untracked ``__pycache__`` folders are not
    entered, so it was committed), which runs unread."""
    from kbtool.scan.detectors.run import SourceFile

    files: list[_Target] = []
    targets = iter_targets(
        paths or [Path()],
        skip,
        result.skipped,
        excludes=excludes,
        gitignore=gitignore,
        problems=result.problems,
    )
    for target in targets:
        data = read_source(target.abs_path, target.root, max_bytes)
        display = _printable(display_path(target.abs_path))
        if isinstance(data, str):
            result.skipped[data] += 1
            if data == "too-large" and any(d.applies_to(target.rel) for d in dets):
                message = (
                    f"not scanned: over the {max_bytes:,}-byte limit, and detectors look at "
                    "files like it (raise --max-file-size, or --exclude it)"
                )
                result.problems.append(_problem(display, 1, 1, "KB515", message))
            continue
        text = decode_source(data, target.rel)
        if text is None:
            result.skipped["binary"] += 1
            if target.rel.endswith((".pyc", ".pyo")):
                message = (
                    "compiled Python in the repository: Python imports it (a __pycache__ "
                    "file even instead of its source), and no detector can read it"
                )
                result.problems.append(_problem(display, 1, 1, "KB516", message))
            continue
        src = SourceFile(target.rel, display, text)
        files.append(_Target(src, target.abs_path))
    result.files_scanned = len(files)
    return files


def run_detectors(
    result: ScanResult,
    files: list[_Target],
    dets: list[Any],
    finder: ModuleFinder,
    jobs: int | None,
) -> list[Finding]:
    """Stage 2: every detector hit as a :class:`Finding` (files python-ast cannot parse are
    problems, KB510)."""
    from kbtool.scan.detectors.run import run, slow_reason

    abs_of = {id(f.source): f.abs_path for f in files}
    outcome = run([f.source for f in files], dets, finder, jobs)
    for bad in outcome.parse_problems:
        result.problems.append(
            _problem(
                bad.file.display,
                bad.line,
                bad.col,
                "KB510",
                f"{bad.message}; python-ast detectors skipped this file",
            )
        )
    for src, det in outcome.timeouts:
        result.problems.append(
            _problem(
                src.display,
                1,
                1,
                "KB514",
                f"detector {det.index + 1} of {det.entry_id!r} stopped at its time limit: "
                f"{slow_reason(det)} on this file, which it has not checked",
            )
        )
    occurrences: Counter[tuple[str, int, str, str]] = Counter()
    findings: list[Finding] = []
    for hit in outcome.hits:
        det, src = hit.detector, hit.file
        info = result.entries[det.entry_id]
        snippet = " ".join(src.line_text(hit.line).split())
        key = (info.id, det.index, src.rel, snippet)
        findings.append(
            Finding(
                info,
                det.index,
                src.display,
                abs_of[id(src)],
                hit.line,
                hit.col,
                hit.end_line,
                hit.end_col,
                det.message or info.title,
                snippet,
                occurrences[key],
            )
        )
        occurrences[key] += 1
    return findings


def suppress(
    result: ScanResult, files: list[_Target], dets: list[Any], findings: list[Finding]
) -> None:
    """Stage 3: findings a ``kbtool: ignore`` comment names go to ``result.suppressed``, the
    rest to ``result.findings``; malformed comments are problems."""
    known = set(result.entries)
    ignores: dict[Path, list[Suppression]] = {}
    for f in files:
        if not any(d.applies_to(f.source.rel) for d in dets):
            continue  # no detector looks at this file: its comments suppress nothing
        found, trouble = suppressions(f.source, known)
        ignores[f.abs_path] = found
        result.problems.extend(trouble)
    for finding in findings:
        entry_id = finding.entry.id
        reason = next(
            (
                s.reason
                for s in ignores.get(finding.abs_path, ())
                if s.line == finding.line and entry_id in s.ids
            ),
            None,
        )
        if reason is not None:
            result.suppressed.append((finding, reason))
        else:
            result.findings.append(finding)


def apply_baseline(result: ScanResult, baseline: Path) -> None:
    """Stage 4: findings the baseline accepts (by fingerprint, each as often as it was
    accepted) move to ``result.baselined``."""
    accepted = read_baseline(baseline)
    base = _absolute(baseline).parent
    fresh: list[Finding] = []
    for finding in result.findings:
        fp = finding.fingerprint(base)
        if accepted[fp] > 0:
            accepted[fp] -= 1
            result.baselined.append(finding)
        else:
            fresh.append(finding)
    result.findings = fresh
