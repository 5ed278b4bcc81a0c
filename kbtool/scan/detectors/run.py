"""Run compiled detectors over in-memory source files: the core of ``kbtool scan``, also used
to try each detector on its examples (``kbtool validate``, KB501/KB502).

Each Python file is parsed once and indexed once for all ``python-ast`` detectors; all
parsed modules form one project, so names resolve across them.
"""

from __future__ import annotations

import ast
import bisect
import gc
import multiprocessing as mp
import os
import re
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

from kbtool.collector import Paused
from kbtool.scan.detectors.spec import Detector

if TYPE_CHECKING:
    from kbtool.scan.detectors.pyast import Module

MAX_HITS_PER_FILE = 1000  # per detector: a runaway pattern cannot flood the output
#: How long one regex detector may search one file, and one python-ast rule match one
#: module. A pattern from a pull request's entry can backtrack for hours on text made for
#: it (``x.*x.*x.*x.*x.*y`` on a line of 3,000 ``x``s), and a rule can nest ``<contains>``
#: to walk n^k nodes of a module of n; the search stops, the file is reported unchecked
#: (KB514 in a scan, KB506 on an entry's own example), and the hits found before stay.
PATTERN_SECONDS = 2.0
#: Once this many searches have stopped within :data:`STOP_WINDOW` seconds, the limit is
#: :data:`LATE_PATTERN_SECONDS`; once the stopped ones have run :data:`STOPPED_SECONDS`
#: in all, no more are started (each is reported as stopped): 2,000 slow detectors in one
#: entry of 426 KB added their limits up to minutes. A long-lived process (``kbtool mcp``)
#: is back to the full limit a minute later.
TIMEOUTS_AT_FULL_LIMIT = 10
LATE_PATTERN_SECONDS = 0.1
STOPPED_SECONDS = 25.0
STOP_WINDOW = 60.0
PY_SUFFIXES = (".py", ".pyi")


@dataclass(eq=False)
class SourceFile:
    """One file to scan: its path relative to the scanned folder, what to show, its text."""

    rel: str
    display: str
    text: str

    @cached_property
    def line_starts(self) -> list[int]:
        starts = [0]
        starts.extend(m.end() for m in re.finditer("\n", self.text))
        return starts

    @cached_property
    def lines(self) -> list[str]:
        return self.text.split("\n")

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        line = bisect.bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1

    def line_text(self, line: int) -> str:
        return self.lines[line - 1] if 1 <= line <= len(self.lines) else ""


@dataclass(frozen=True)
class DetectorHit:
    """A detector matched: where (1-based lines and columns), in which file."""

    detector: Detector
    file: SourceFile
    line: int
    col: int
    end_line: int
    end_col: int


@dataclass
class ParseProblem:
    """A Python file that could not be parsed, so python-ast detectors skipped it."""

    file: SourceFile
    line: int
    col: int
    message: str


@dataclass
class RunResult:
    hits: list[DetectorHit] = field(default_factory=list)
    parse_problems: list[ParseProblem] = field(default_factory=list)
    python_files: int = 0
    #: (file, detector) of each search or rule stopped at its time limit
    timeouts: list[tuple[SourceFile, Detector]] = field(default_factory=list)


def module_name(rel: str) -> tuple[str, bool]:
    """``app/deps.py`` → (``app.deps``, False); ``app/__init__.py`` → (``app``, True)."""
    stem = rel.rsplit(".", 1)[0] if rel.endswith(PY_SUFFIXES) else rel
    parts = [p for p in stem.split("/") if p not in ("", ".")]
    is_package = bool(parts) and parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return ".".join(parts), is_package


class StopLog:
    """The searches and rules stopped at their limit within the last :data:`STOP_WINDOW`
    seconds, and the seconds they ran in all."""

    def __init__(self) -> None:
        self.stops: deque[tuple[float, float]] = deque()  # (when, seconds it ran)
        self.spent = 0.0

    def limit(self, now: float) -> float:
        """Seconds a search or rule may take now; 0: do not start it."""
        while self.stops and now - self.stops[0][0] >= STOP_WINDOW:
            self.spent -= self.stops.popleft()[1]
        if self.spent >= STOPPED_SECONDS:
            return 0.0
        return (
            LATE_PATTERN_SECONDS if len(self.stops) >= TIMEOUTS_AT_FULL_LIMIT else PATTERN_SECONDS
        )

    def stopped(self, now: float, seconds: float) -> None:
        """Note a search or rule stopped at ``now`` after ``seconds``."""
        if seconds > 0:
            self.stops.append((now, seconds))
            self.spent += seconds


_stops = StopLog()


def pattern_limit(now: float) -> float:
    """Seconds a regex search or python-ast rule may take now (see :class:`StopLog`)."""
    return _stops.limit(now)


def _regex_hits(det: Detector, src: SourceFile, result: RunResult) -> None:
    """Add the detector's hits in ``src`` to ``result``, or as many as it found before its
    time limit (then ``result.timeouts`` says so)."""
    assert det.pattern is not None
    now = time.monotonic()
    limit = pattern_limit(now)
    if limit <= 0:  # the stopped searches have had their time
        result.timeouts.append((src, det))
        return
    deadline = now + limit
    count = 0
    try:
        for m in det.pattern.finditer(src.text, timeout=limit):
            if m.end() == m.start() and not m.group(0):
                continue
            line, col = src.position(m.start())
            end_line, end_col = src.position(max(m.end() - 1, m.start()))
            if det.exclude_pattern is not None:
                first = src.line_starts[line - 1]
                last = (
                    src.line_starts[end_line] if end_line < len(src.line_starts) else len(src.text)
                )
                left = max(deadline - time.monotonic(), 0.001)
                if det.exclude_pattern.search(src.text, first, last, timeout=left):
                    continue
            result.hits.append(DetectorHit(det, src, line, col, end_line, end_col + 1))
            count += 1
            if count >= MAX_HITS_PER_FILE:
                return
    except TimeoutError:
        _stops.stopped(time.monotonic(), limit)
        result.timeouts.append((src, det))


def slow_reason(det: Detector) -> str:
    """Why a detector stopped at its time limit, in the words of its kind."""
    if det.kind == "regex":
        return "its pattern backtracks"
    return "its rule takes too long"


#: Frames of recursion ``ast.parse`` may use beyond its caller's depth: what CPython has when
#: it compiles a script from the top (its default limit, 1,000), and room for an application
#: that raised its own limit.
PARSE_RECURSION = 3000


def parse_python(src: SourceFile) -> ast.Module | ParseProblem:
    """Parse a Python file, or say why it does not parse.

    ``ast.parse`` builds its tree down to three times the recursion limit, counted from
    the caller's depth: some frames down in kbtool, a module that CPython compiles from
    the top (one sum of 2,990 terms) did not parse, and its file went unchecked. The limit
    is raised first (never lowered: threads may be parsing too)."""
    import sys

    frame, depth = sys._getframe(), 1
    while frame.f_back is not None:
        frame, depth = frame.f_back, depth + 1
    if sys.getrecursionlimit() < depth + PARSE_RECURSION:
        sys.setrecursionlimit(depth + PARSE_RECURSION)
    try:
        return ast.parse(src.text, filename=src.rel, type_comments=False)
    except SyntaxError as exc:
        return ParseProblem(
            src, exc.lineno or 1, exc.offset or 1, f"does not parse as Python: {exc.msg}"
        )
    except (ValueError, RecursionError, MemoryError) as exc:
        return ParseProblem(src, 1, 1, f"does not parse as Python: {type(exc).__name__}: {exc}")


def _char_col(src: SourceFile, line: int, byte_offset: int) -> int:
    """1-based character column of an AST offset (which counts UTF-8 bytes)."""
    text = src.line_text(line)
    if text.isascii():
        return byte_offset + 1
    return len(text.encode("utf-8")[:byte_offset].decode("utf-8", "ignore")) + 1


PARALLEL_MIN_FILES = 300  # below this, one process is faster than starting workers


def default_jobs(python_files: int) -> int:
    """Worker processes for a scan: one per CPU (at most 4) for large scans, else 1."""
    if python_files < PARALLEL_MIN_FILES or "fork" not in mp.get_all_start_methods():
        return 1
    return max(1, min(os.cpu_count() or 1, 4))


def run(
    files: Sequence[SourceFile],
    detectors: Sequence[Detector],
    find_module: Callable[[str], SourceFile | None] | None = None,
    jobs: int | None = None,
) -> RunResult:
    """Run every detector on every file it applies to. Hits come in file order.

    ``find_module`` may find a project module that is not among ``files`` (given its dotted
    name), so that names still resolve when only some files of a project are scanned.
    ``jobs`` worker processes share the Python files (None: ``default_jobs``); each parses
    its share, and parses a module of another share only when a name resolves into it.
    """
    # Many syntax trees stay alive at once, and nothing here makes a cycle.
    with Paused():
        return _run(files, detectors, find_module, jobs)


# What a python-ast share returns: hits as (file, detector, line, col, end line, end col),
# parse problems as (file, line, col, message), the number of files parsed and the rules
# stopped at their time limit as (file, detector); files by index into the Python files.
_Share = tuple[
    list[tuple[int, int, int, int, int, int]],
    list[tuple[int, int, int, str]],
    int,
    list[tuple[int, int]],
]
_WORK: tuple[Any, ...] = ()  # what forked workers inherit: (python files, detectors, finder)


def _run(
    files: Sequence[SourceFile],
    detectors: Sequence[Detector],
    find_module: Callable[[str], SourceFile | None] | None,
    jobs: int | None,
) -> RunResult:
    global _WORK
    result = RunResult()
    regex = [d for d in detectors if d.kind == "regex" and d.pattern is not None]
    pyast = [d for d in detectors if d.kind == "python-ast" and d.rule is not None]
    for src in files:
        for det in regex:
            if det.applies_to(src.rel):
                _regex_hits(det, src, result)
    if pyast:
        py = [src for src in files if src.rel.endswith(PY_SUFFIXES)]
        jobs = default_jobs(len(py)) if jobs is None else max(1, min(jobs, len(py) or 1))
        if jobs > 1:
            _WORK = (py, pyast, find_module)
            try:
                with mp.get_context("fork").Pool(jobs) as pool:
                    shares = pool.map(_worker_share, [(i, jobs) for i in range(jobs)])
            finally:
                _WORK = ()
        else:
            shares = [_match_share(py, pyast, find_module, 0, 1)]
        for hits, problems, parsed, stopped in shares:
            for f, d, line, col, end_line, end_col in hits:
                result.hits.append(DetectorHit(pyast[d], py[f], line, col, end_line, end_col))
            result.timeouts += [(py[f], pyast[d]) for f, d in stopped]
            for f, line, col, message in problems:
                result.parse_problems.append(ParseProblem(py[f], line, col, message))
            result.python_files += parsed
        result.parse_problems.sort(key=lambda p: (p.file.rel, p.line, p.col))
    order = {id(src): i for i, src in enumerate(files)}
    result.hits.sort(key=lambda h: (order[id(h.file)], h.line, h.col, h.detector.entry_id))
    return result


def _worker_share(args: tuple[int, int]) -> _Share:
    gc.disable()
    py, pyast, find_module = _WORK
    return _match_share(py, pyast, find_module, *args)


def _build(src: SourceFile) -> Module | ParseProblem:
    from kbtool.scan.detectors.pyast import Module

    tree = parse_python(src)
    if isinstance(tree, ParseProblem):
        return tree
    name, is_package = module_name(src.rel)
    try:
        return Module.build(name, src.rel, tree, is_package)
    except RecursionError:  # statements nested deeper than the indexer goes
        return ParseProblem(src, 1, 1, "nested too deeply to be indexed")


def _match_share(
    py: list[SourceFile],
    pyast: list[Detector],
    find_module: Callable[[str], SourceFile | None] | None,
    share: int,
    shares: int,
) -> _Share:
    """Parse and match the Python files ``share``, ``share + shares``, … of ``py``."""
    from kbtool.scan.detectors.pyast import Module, Project, run_rules

    hits: list[tuple[int, int, int, int, int, int]] = []
    problems: list[tuple[int, int, int, str]] = []
    own: list[tuple[int, Module]] = []
    lazy: dict[str, Callable[[], Module | None]] = {}
    for index, src in enumerate(py):
        if index % shares == share:
            built = _build(src)
            if isinstance(built, ParseProblem):
                problems.append((index, built.line, built.col, built.message))
            else:
                own.append((index, built))
        else:
            lazy[module_name(src.rel)[0]] = partial(_parsed_or_none, src)
    loader = None
    if find_module is not None:
        finder = find_module

        def loader(name: str) -> Module | None:
            extra = finder(name)
            if extra is None:
                return None
            tree = parse_python(extra)
            if isinstance(tree, ParseProblem):
                return None
            return Module.build(name, extra.rel, tree, extra.rel.endswith("__init__.py"))

    project = Project([m for _, m in own], loader, lazy)
    det_index = {id(d): i for i, d in enumerate(pyast)}
    stopped: list[tuple[int, int]] = []
    for index, mod in own:
        src = py[index]
        dets = [d for d in pyast if d.applies_to(mod.rel)]
        rules = [d.rule for d in dets if d.rule is not None]
        matched, late = run_rules(project, mod, rules, src.text, _rule_limit)
        for i in late:
            now = time.monotonic()
            _stops.stopped(now, pattern_limit(now))
            stopped.append((index, det_index[id(dets[i])]))
        for det, nodes in zip(dets, matched, strict=True):
            for node in nodes[:MAX_HITS_PER_FILE]:
                line = getattr(node, "lineno", 1)
                col = _char_col(src, line, getattr(node, "col_offset", 0))
                end_line = getattr(node, "end_lineno", None) or line
                end_offset = getattr(node, "end_col_offset", None)
                end_col = col if end_offset is None else _char_col(src, end_line, end_offset)
                hits.append((index, det_index[id(det)], line, col, end_line, end_col))
    return hits, problems, len(own), stopped


def _rule_limit() -> float:
    """Seconds a python-ast rule may take on one module now (as a regex search)."""
    return pattern_limit(time.monotonic())


def _parsed_or_none(src: SourceFile) -> Module | None:
    built = _build(src)
    return None if isinstance(built, ParseProblem) else built


def run_example(det: Detector, files: Sequence[tuple[str, str]]) -> RunResult:
    """Run one detector on the files of one of its examples."""
    return run([SourceFile(rel, rel, text) for rel, text in files], [det], jobs=1)
