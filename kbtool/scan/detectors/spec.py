"""Read ``<detector>`` elements (spec/detectors.md) into compiled, ready-to-run detectors.

Problems are collected as ``DetectorProblem`` values (code, message, element) instead of
exceptions, so that ``kbtool validate`` reports every broken detector with its line and
``kbtool scan`` skips it and goes on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from textwrap import dedent
from typing import TYPE_CHECKING, Any

from kbtool.scan.detectors.globs import costly, path_matches
from kbtool.scan.detectors.kinds import DEFAULT_EXAMPLE_PATH, DEFAULT_FILES, KINDS
from kbtool.xmlnodes import line_of

if TYPE_CHECKING:
    from kbtool.scan.detectors.pyast import Rule

_FLAGS = {"i": re.IGNORECASE, "s": re.DOTALL, "x": re.VERBOSE}
#: re's flags and the regex module's names for them (see _engine)
_ENGINE_FLAGS = (
    (re.MULTILINE, "MULTILINE"),
    (re.IGNORECASE, "IGNORECASE"),
    (re.DOTALL, "DOTALL"),
    (re.VERBOSE, "VERBOSE"),
)
_PATH_RE = re.compile(r"[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)*\Z")


@dataclass(frozen=True)
class DetectorProblem:
    """Why a detector cannot run (or is risky): a KB5xx code, a message, the element."""

    code: str
    message: str
    element: Any  # lxml element, for its line
    attr: str | None = None


@dataclass(frozen=True)
class Example:
    """``<example kind="bad|good">``: files (relative path → text) of a tiny project."""

    kind: str
    files: tuple[tuple[str, str], ...]
    element: Any = field(compare=False, repr=False)
    starts: tuple[int, ...] = ()  # XML line on which each file's text begins

    def xml_line(self, rel: str, line: int) -> int:
        """The line of the XML file that holds line ``line`` of the example file ``rel``."""
        for (path, _), start in zip(self.files, self.starts, strict=False):
            if path == rel and start:
                return start + line - 1
        return line_of(self.element)


@dataclass(eq=False)
class Detector:
    """One compiled detector of one entry."""

    entry_id: str
    index: int  # position among the entry's detectors, from 0
    kind: str
    message: str | None
    files: tuple[str, ...]
    exclude_files: tuple[str, ...]
    examples: tuple[Example, ...]
    element: Any = field(repr=False)
    pattern: Any = None  # a regex.Pattern (see _engine)
    exclude_pattern: Any = None
    rule: Rule | None = None

    def applies_to(self, rel: str) -> bool:
        """True when the detector looks at this relative POSIX path."""
        return path_matches(rel, self.files) and not path_matches(rel, self.exclude_files)

    @property
    def line(self) -> int:
        return line_of(self.element)


def _text(el: Any) -> str:
    return "".join(el.itertext())


def _engine(source: str, flags: int) -> Any:
    """The pattern as a scan runs it: compiled by the ``regex`` module, whose matching
    takes a time limit (:data:`kbtool.scan.detectors.run.PATTERN_SECONDS`); ``re`` cannot
    be stopped, and a pattern from a pull request's entry can backtrack for hours. It reads
    ``re``'s syntax and flags, and finds the same matches (faster, on code: 0.11 s against
    0.81 s for the bundled patterns over 6 MB)."""
    import regex

    mapped = 0
    for ours, name in _ENGINE_FLAGS:
        if flags & ours:
            mapped |= getattr(regex, name)
    return regex.compile(source, mapped)


def _compile_regex(el: Any, problems: list[DetectorProblem]) -> Any:
    from kbtool.scan.detectors.redos import risky_regex, too_large_regex

    flags = re.MULTILINE
    for letter in (el.get("flags") or "").strip():
        if letter not in _FLAGS:
            problems.append(DetectorProblem("KB503", f"unknown regex flag {letter!r}", el, "flags"))
            return None
        flags |= _FLAGS[letter]
    source = _text(el)
    if not source.strip():
        problems.append(DetectorProblem("KB503", f"<{el.tag}> is empty", el))
        return None
    import regex

    try:
        re.compile(source, flags)  # the dialect entries are written in, and its messages
        too_large = too_large_regex(source, flags)
        if too_large:  # checked before the engine compiles it: that is where memory goes
            problems.append(DetectorProblem("KB506", f"<{el.tag}> {too_large}", el))
            return None
        compiled = _engine(source, flags)
    except (re.error, regex.error, RecursionError, OverflowError) as exc:
        problems.append(DetectorProblem("KB503", f"<{el.tag}> does not compile: {exc}", el))
        return None
    why = risky_regex(source, flags)
    if why:
        problems.append(DetectorProblem("KB506", f"<{el.tag}> {why}", el))
        return None
    return compiled


def _examples(el: Any, kind: str, problems: list[DetectorProblem]) -> tuple[Example, ...]:
    out: list[Example] = []
    for ex in el.iterchildren("example"):
        ex_kind = (ex.get("kind") or "").strip()
        if ex_kind not in ("bad", "good"):
            problems.append(DetectorProblem("KB505", 'example kind must be "bad" or "good"', ex))
            continue
        files = [f for f in ex.iterchildren("file")]
        own_text = (ex.text or "") + "".join(f.tail or "" for f in files)
        if files and own_text.strip():
            problems.append(
                DetectorProblem(
                    "KB505", "an example holds either code or <file> children, not both", ex
                )
            )
            continue
        if files:
            pairs = [((f.get("path") or "").strip(), dedent(f.text or "")) for f in files]
            starts = tuple(line_of(f) for f in files)
        else:
            path = (ex.get("path") or DEFAULT_EXAMPLE_PATH[kind]).strip()
            pairs = [(path, dedent(ex.text or ""))]
            starts = (line_of(ex),)
        bad_paths = [p for p, _ in pairs if not _PATH_RE.match(p) or ".." in p.split("/")]
        if bad_paths:
            problems.append(
                DetectorProblem(
                    "KB505", f"example path {bad_paths[0]!r} is not a plain relative path", ex
                )
            )
            continue
        if not any(text.strip() for _, text in pairs):
            problems.append(DetectorProblem("KB505", "example has no code", ex))
            continue
        out.append(Example(ex_kind, tuple(pairs), ex, starts))
    for wanted in ("bad", "good"):
        if not any(e.kind == wanted for e in out):
            problems.append(
                DetectorProblem("KB505", f'detector has no usable <example kind="{wanted}">', el)
            )
    return tuple(out)


def compile_detector(
    el: Any, entry_id: str, index: int
) -> tuple[Detector | None, list[DetectorProblem]]:
    """Compile one ``<detector>`` element; None (with problems) when it cannot run."""
    problems: list[DetectorProblem] = []
    kind = (el.get("kind") or "").strip()
    if kind not in KINDS:
        problems.append(
            DetectorProblem(
                "KB504",
                f"unknown detector kind {kind!r} (expected regex or python-ast)",
                el,
                "kind",
            )
        )
        return None, problems
    message_el = el.find("message")
    message = " ".join(_text(message_el).split()) if message_el is not None else None
    files = (
        tuple(" ".join(_text(f).split()) for f in el.iterchildren("files")) or DEFAULT_FILES[kind]
    )
    excludes = tuple(" ".join(_text(f).split()) for f in el.iterchildren("exclude-files"))
    for glob_el in (*el.iterchildren("files"), *el.iterchildren("exclude-files")):
        glob = " ".join(_text(glob_el).split())
        if costly(glob):
            message = (
                f"<{glob_el.tag}> {glob!r} has more wildcards than can be matched in bounded time"
            )
            problems.append(DetectorProblem("KB506", message, glob_el))
    det = Detector(entry_id, index, kind, message or None, files, excludes, (), el)
    if kind == "regex":
        pattern_el = el.find("pattern")
        if pattern_el is None or el.find("match") is not None:
            problems.append(
                DetectorProblem("KB504", "a regex detector needs <pattern> (and no <match>)", el)
            )
        else:
            det.pattern = _compile_regex(pattern_el, problems)
            exclude_el = el.find("exclude-pattern")
            if exclude_el is not None:
                det.exclude_pattern = _compile_regex(exclude_el, problems)
    else:
        from kbtool.scan.detectors.pyast import RuleError, compile_rule

        match_el = el.find("match")
        if match_el is None or el.find("pattern") is not None:
            problems.append(
                DetectorProblem(
                    "KB504", "a python-ast detector needs <match> (and no <pattern>)", el
                )
            )
        else:
            try:
                det.rule = compile_rule(match_el)
            except RuleError as exc:
                problems.append(
                    DetectorProblem(
                        "KB504", str(exc), match_el if exc.element is None else exc.element
                    )
                )
    det.examples = _examples(el, kind, problems)
    runnable = det.pattern is not None if kind == "regex" else det.rule is not None
    if any(p.code in ("KB503", "KB504", "KB506") for p in problems):
        runnable = False
    return (det if runnable else None), problems


def detectors_of(entry: Any) -> tuple[list[Detector], list[DetectorProblem]]:
    """All detectors of a ``<learning>`` element: the runnable ones, and every problem."""
    entry_id = (entry.get("id") or "").strip()
    detectors: list[Detector] = []
    problems: list[DetectorProblem] = []
    box = entry.find("detectors")
    if box is None:
        return detectors, problems
    for index, el in enumerate(box.iterchildren("detector")):
        det, found = compile_detector(el, entry_id, index)
        problems.extend(found)
        if det is not None:
            detectors.append(det)
    return detectors, problems
