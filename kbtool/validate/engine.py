"""The validation pipeline: files → (cache | parse, XSD, per-file checks) → KB-wide checks."""

from __future__ import annotations

import datetime as dt
import os
import stat as stat_module
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kbtool import codes
from kbtool.collector import Paused
from kbtool.config import Config
from kbtool.diagnostics import Diagnostic, SeverityCounts, display_path
from kbtool.errors import ConfigError
from kbtool.kb import iter_xml_paths
from kbtool.records import Record
from kbtool.safexml import read_capped
from kbtool.validate import registry
from kbtool.validate.context import CachedFile, FileContext, FileFacts, Finding, KbContext

if TYPE_CHECKING:
    from kbtool.validate.cache import Cache

# Use worker processes when at least this many bytes need parsing (a fork costs ~10 ms).
PARALLEL_MIN_BYTES = 2_000_000


class ValidationResult(Record, SeverityCounts):
    """Findings of one run, sorted by path, line, column and code."""

    _fields = ("diagnostics", "files", "entries", "internal_errors", "cached_files")
    diagnostics: list[Diagnostic]
    files: list[str]  # display paths of the files checked
    entries: int
    internal_errors: list[str]
    cached_files: int

    def __init__(
        self,
        diagnostics: list[Diagnostic],
        files: list[str],
        entries: int,
        internal_errors: list[str] | None = None,
        cached_files: int = 0,
    ) -> None:
        self.diagnostics = diagnostics
        self.files = files
        self.entries = entries
        self.internal_errors = [] if internal_errors is None else internal_errors
        self.cached_files = cached_files

    def exit_code(self, strict: bool = False) -> int:
        """0 clean, 1 findings (errors, or warnings with ``strict``), 3 internal errors."""
        if self.internal_errors:
            return 3
        if self.errors or (strict and self.warnings):
            return 1
        return 0


class _Item:
    """One file to check, and what became of it."""

    __slots__ = (
        "cached",
        "data",
        "digest",
        "path",
        "read_error",
        "real",
        "rel",
        "result",
        "selected",
        "stat",
    )

    def __init__(self, path: Path, rel: str, selected: bool, real: Path | None) -> None:
        self.path = path
        self.rel = rel
        self.selected = selected
        self.real: Path | None = real  # the path resolved, when known without a realpath
        self.data: bytes | None = None  # None: not read yet (read where it is checked)
        self.digest = ""
        self.read_error: Diagnostic | None = None
        self.result: CachedFile | None = None
        self.stat: list[int] | None = None
        self.cached = False


def _stat(path: Path) -> list[int] | None:
    """(inode, size, mtime, ctime) of a regular file that is not a symbolic link."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    if not stat_module.S_ISREG(st.st_mode):
        return None
    return [st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def validate(
    config: Config,
    paths: Sequence[Path] = (),
    *,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    use_cache: bool = True,
    today: dt.date | None = None,
) -> ValidationResult:
    """Validate the KB (or the named files/folders, checked against the whole KB).

    ``select``/``ignore`` take codes or prefixes (``KB3``); an unknown one raises ValueError.
    Without ``paths``, a missing learnings folder raises ConfigError.
    """
    # Loading the cache and the facts makes millions of small objects and no cycles.
    with Paused(age=True):
        return _validate(config, paths, select, ignore, use_cache, today)


def _validate(
    config: Config,
    paths: Sequence[Path],
    select: Iterable[str],
    ignore: Iterable[str],
    use_cache: bool,
    today: dt.date | None,
) -> ValidationResult:
    selected = codes.expand(tuple(select))
    ignored = codes.expand(tuple(ignore)) or set()
    if not paths and not config.learnings_dir.is_dir():
        raise ConfigError(
            f"no learnings folder at {display_path(config.learnings_dir)} "
            "(set 'learnings' in [tool.kbtool], or name the files to check)"
        )
    registry.load_plugins()
    items, walk_findings = _collect(config, paths)
    cache = _open_cache(config) if use_cache else None
    internal = list(registry.PLUGIN_ERRORS)
    pending: list[_Item] = []
    for item in items:
        item.stat = stat = _stat(item.path)
        if stat is not None and item.real is not None:  # a regular file, not a link
            item.real = item.real / item.path.name
        else:
            item.real = None
        if cache is not None:
            if stat is not None:
                hit = cache.by_stat(item.rel, stat)
                if hit is not None:
                    item.digest, item.result = hit
                    item.cached = True
                    continue
            raw = _read(item, config)
            if isinstance(raw, Diagnostic):
                item.read_error = raw
                continue
            from hashlib import sha256  # imported with the cache only (as it is, once)

            item.data, item.digest = raw, sha256(raw).hexdigest()
            item.result = cache.get(item.rel, item.digest, stat)
            if item.result is not None:
                item.cached = True
                continue
        pending.append(item)  # without a cache, read where it is checked (maybe a worker)
    for item, (result, errors) in zip(pending, _check_all(pending, config), strict=True):
        if isinstance(result, Diagnostic):
            item.read_error = result
            continue
        item.result = result
        internal.extend(errors)
        if cache is not None and not errors:
            cache.put(item.rel, item.digest, result, item.stat)
    if cache is not None:
        cache.save()

    facts = [
        FileFacts(
            item.path,
            item.rel,
            item.result.facts,
            item.result.parsed,
            root=config.root,
            max_bytes=config.max_file_bytes,
        )
        for item in items
        if item.result is not None
    ]
    kb = KbContext(config, facts, today or dt.date.today(), use_cache=cache is not None)
    _run_kb_checks(kb, internal)

    diagnostics = list(walk_findings)
    scope = _Scope(paths)
    show = _displayer()
    for item in items:
        if not item.selected:
            continue
        shown = show(item.path)
        if item.read_error is not None:
            diagnostics.append(item.read_error)
        elif item.result is not None:
            diagnostics.extend(Diagnostic(shown, *f) for f in item.result.findings)
    for path, line, col, code, message in kb.findings:
        if scope.contains(path):
            diagnostics.append(Diagnostic(show(path), line, col, code, message))

    kept = [
        Diagnostic(d.path, d.line, d.col, d.code, d.message, codes.severity(d.code))
        for d in diagnostics
        if (selected is None or d.code in selected) and d.code not in ignored
    ]
    kept.sort()
    chosen = [item for item in items if item.selected]
    return ValidationResult(
        diagnostics=kept,
        files=sorted(show(item.path) for item in chosen),
        entries=sum(_entry_count(item.result) for item in chosen),
        internal_errors=internal,
        cached_files=sum(item.cached for item in items),
    )


def _open_cache(config: Config) -> Cache | None:
    """The validation cache (its module, hashing and JSON are imported only to use it)."""
    from kbtool.validate.cache import Cache

    return Cache.open(config)


def _displayer() -> Callable[[Path], str]:
    """``display_path`` for many paths: one ``getcwd`` instead of one a path."""
    prefix = os.fspath(Path.cwd()) + os.sep

    def show(path: Path) -> str:
        text = os.fspath(path)
        if text.startswith(prefix) and ".." not in text:
            return text[len(prefix) :]
        return display_path(path)

    return show


def _entry_count(result: CachedFile | None) -> int:
    if result is None:
        return 0
    return len(result.facts.get("core", {}).get("entries", ()))


class _Scope:
    """Which findings to show: all, or those inside the named files and folders."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self._all = not paths
        # abspath, not resolve: normalise ".." without following links, like iter_xml_paths
        self._paths = [Path(os.path.abspath(p)) for p in paths]  # noqa: PTH100

    def contains(self, path: Path) -> bool:
        return self._all or any(path == p or path.is_relative_to(p) for p in self._paths)


def _item(path: Path, root: Path, parents: dict[Path, Path], selected: bool) -> _Item:
    """The file, with its path inside the KB root (its folder's links resolved), POSIX, and
    its folder resolved (for reading it without resolving the whole path again)."""
    real_parent = parents.get(path.parent)
    if real_parent is None:
        real_parent = parents[path.parent] = path.parent.resolve()
    try:
        rel = (real_parent / path.name).relative_to(root).as_posix()
    except ValueError:
        rel = path.as_posix()
    return _Item(path, rel, selected, real_parent)


def _collect(config: Config, paths: Sequence[Path]) -> tuple[list[_Item], list[Diagnostic]]:
    """The named files (selected) plus every file of the learnings folder (for KB-wide facts)."""
    walk_findings: list[Diagnostic] = []
    items: dict[Path, _Item] = {}
    parents: dict[Path, Path] = {}
    for found in iter_xml_paths(paths, config):
        if isinstance(found, Diagnostic):
            walk_findings.append(found)
        else:
            items[found] = _item(found, config.root, parents, selected=True)
    if paths and config.learnings_dir.is_dir():
        for found in iter_xml_paths((), config):
            if isinstance(found, Path) and found not in items:
                items[found] = _item(found, config.root, parents, selected=False)
    return sorted(items.values(), key=lambda i: i.rel), walk_findings


def _run_kb_checks(kb: KbContext, internal: list[str]) -> None:
    from kbtool.validate.kbwide import check_kb

    for check in (check_kb, *registry.KB_CHECKS):
        try:
            check(kb)
        except Exception as exc:
            internal.append(_crash(check, exc, "the knowledge base"))


def _crash(check: Callable[..., object], exc: BaseException, where: str) -> str:
    import traceback

    last = traceback.extract_tb(exc.__traceback__)[-1:]
    at = f" at {last[0].filename}:{last[0].lineno}" if last else ""
    return f"check {registry.check_name(check)} crashed on {where}: {type(exc).__name__}: {exc}{at}"


# ---------------------------------------------------------------- checking one file


def check_one(path: Path, rel: str, data: bytes, config: Config) -> tuple[CachedFile, list[str]]:
    """Parse, schema-check and run the per-file checks on one file's bytes."""
    from kbtool.safexml import parse_bytes
    from kbtool.validate import semantics, xsd

    root, parse_findings = parse_bytes(data, rel)
    if root is None:
        return CachedFile(
            [(d.line, d.col, d.code, d.message) for d in parse_findings], {}, False
        ), []
    ctx = FileContext(config, path, rel, data, root, schema_valid=True)
    findings: list[Finding] = xsd.check(root, ctx.where)
    ctx.schema_valid = not findings
    errors: list[str] = []
    if root.tag == "specification":
        for check in (semantics.check_file, *registry.FILE_CHECKS):
            try:
                check(ctx)
            except Exception as exc:
                errors.append(_crash(check, exc, rel))
    findings.extend(ctx.findings)
    return CachedFile(findings, ctx.facts, root.tag == "specification"), errors


def _workers() -> int:
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        available = os.cpu_count() or 1
    return min(available, 8)


# What checking a file gave (or the finding that it cannot be read), and internal errors.
_Result = tuple[CachedFile | Diagnostic, list[str]]


def _check_all(items: list[_Item], config: Config) -> list[_Result]:
    """Check the files; with enough work and cores, in forked processes as well.

    This process and forked children (Linux only; they read the bytes from the parent's
    memory) take the files a batch at a time, largest first, from one queue: a pipe holding
    the batches' numbers. So a process that gets less CPU (a busy machine) checks fewer
    files, and none waits long for another at the end (a fixed share each made a run as slow
    as its slowest share). A child sends its results, marshalled, through a pipe of its own;
    the files of a child that fails are checked here.
    """
    workers = _workers()
    sizes = [_size(item) for item in items]
    total = sum(sizes)
    queue = None
    if workers > 1 and total >= PARALLEL_MIN_BYTES and len(items) >= 4 and sys.platform == "linux":
        queue = _queue(len(items))
    if queue is None:
        return [_check_item(item, config) for item in items]
    from kbtool.validate import semantics, xsd  # noqa: F401 - imported once, before forking

    xsd.quick_schema()
    order = sorted(range(len(items)), key=lambda i: -sizes[i])
    children = [_fork(items, order, queue, config) for _ in range(workers - 1)]
    results: list[_Result | None] = [None] * len(items)
    try:
        for index in _take(order, *queue):
            results[index] = _check_item(items[index], config)
    finally:
        os.close(queue[0])
    for child in children:
        for index, result in _collect_child(*child):
            results[index] = result
    return [
        r if r is not None else _check_item(i, config) for r, i in zip(results, items, strict=True)
    ]


# The queue: up to 1,024 batch numbers of 4 bytes, one page, which any pipe holds (so the
# parent can fill it before a child reads); reads of 4 bytes from a pipe are atomic.
_TOKEN, _TOKENS = 4, 1024


def _queue(count: int) -> tuple[int, int] | None:
    """A pipe holding the numbers of the batches of ``count`` files, its writing end closed:
    (read fd, files a batch); None when it cannot be made."""
    size = -(-count // _TOKENS)
    data = b"".join(start.to_bytes(_TOKEN, "little") for start in range(0, count, size))
    try:
        read_fd, write_fd = os.pipe()
    except OSError:
        return None
    try:
        os.set_blocking(write_fd, False)
        written = os.write(write_fd, data)
    except OSError:
        written = 0
    finally:
        os.close(write_fd)
    if written != len(data):
        os.close(read_fd)
        return None
    return read_fd, size


def _take(order: list[int], queue: int, size: int) -> Iterator[int]:
    """File indices, a batch at a time from the queue, until it is empty."""
    while len(token := os.read(queue, _TOKEN)) == _TOKEN:
        start = int.from_bytes(token, "little")
        yield from order[start : start + size]


def _read(item: _Item, config: Config) -> bytes | Diagnostic:
    return read_capped(item.path, config.root, config.max_file_bytes, real=item.real)


def _size(item: _Item) -> int:
    """The file's size in bytes (as last seen: a guide to share out work)."""
    if item.data is not None:
        return len(item.data)
    return item.stat[1] if item.stat else 0


def _check_item(item: _Item, config: Config) -> _Result:
    """Read (unless read already) and check one file; a file that cannot be read gives its
    finding instead."""
    data = item.data if item.data is not None else _read(item, config)
    if isinstance(data, Diagnostic):
        return data, []
    return check_one(item.path, item.rel, data, config)


def _fork(
    items: list[_Item], order: list[int], queue: tuple[int, int], config: Config
) -> tuple[int, int]:
    """Start a child that checks files from the queue and writes their results to a pipe:
    (pid, read fd)."""
    import marshal

    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never return into the caller's code
        code = 1
        try:
            os.close(read_fd)
            rows: list[tuple[int, Any, Any, bool, list[str]]] = []
            for index in _take(order, *queue):
                result, errors = _check_item(items[index], config)
                if isinstance(result, Diagnostic):  # cannot be read: the finding's fields
                    fields = (result.path, result.line, result.col, result.code, result.message)
                    rows.append((index, None, fields, False, errors))
                else:
                    rows.append((index, result.findings, result.facts, result.parsed, errors))
            data = marshal.dumps(rows)
            view = memoryview(data)
            while view:
                view = view[os.write(write_fd, view) :]
            code = 0
        finally:
            os._exit(code)
    os.close(write_fd)
    return pid, read_fd


def _collect_child(pid: int, read_fd: int) -> list[tuple[int, _Result]]:
    """(index, result) of each file a child checked; none when it failed."""
    import marshal

    chunks = []
    with os.fdopen(read_fd, "rb") as pipe:
        while block := pipe.read(1 << 20):
            chunks.append(block)
    _, status = os.waitpid(pid, 0)
    if status != 0:
        return []
    try:
        rows = marshal.loads(b"".join(chunks))  # noqa: S302 - written by our own child
        return [
            (i, (CachedFile(f, x, p) if f is not None else Diagnostic(*x), e))
            for i, f, x, p, e in rows
        ]
    except (ValueError, EOFError, TypeError):
        return []
