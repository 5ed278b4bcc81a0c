"""Which files a scan leaves out: ``.gitignore`` files and ``--exclude`` globs.

Patterns follow gitignore semantics through the ``pathspec`` library (``GitIgnoreSpec``):
``*.log``, ``!keep.log`` (negation), ``build/`` (folders only), ``/dist`` (anchored to the
folder of its ``.gitignore``), ``docs/**/gen``. How the files combine, as git does:

- each folder's ``.gitignore`` applies to the paths below that folder, relative to it;
- a deeper ``.gitignore`` overrides a shallower one, and within a file the last matching
  pattern wins (so ``!keep.log`` after ``*.log`` keeps it);
- an ignored folder is not entered, so nothing below it can be re-included;
- the ``.gitignore`` files of the folders above the scanned one count too, up to the
  repository's root (the folder holding ``.git``);
- they leave out only what git does not track: a committed file stays in, whatever a
  ``.gitignore`` (a pull request's, say) names (:mod:`kbtool.scan.gitindex`).

Not supported (a subset, stated): ``.git/info/exclude``, the global ``core.excludesFile``,
and ``.gitignore`` files over :data:`MAX_IGNORE_BYTES` (read as empty).

A pattern whose match could take time that grows as a high power of a path's length is
set aside, not matched (:func:`costly`), and the scan reports it (KB513): ``pathspec``
matches with Python's backtracking regular expressions, and ``*a*a*a*a*b`` in a
``.gitignore`` of a pull request took 4.7 s for one file named by 200 ``a``s, hours for a
tree of them. Files it would have ignored are scanned.

``--exclude`` globs use the same syntax, relative to the scanned folder; a glob with no
slash matches a name at any depth (``--exclude '*_pb2.py'``, ``--exclude migrations/``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kbtool.errors import UsageError
from kbtool.scan.detectors.globs import costly

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

    from kbtool.scan.gitindex import Tracked

MAX_IGNORE_BYTES = 256 * 1024


def compile_patterns(
    lines: Sequence[str], set_aside: list[tuple[int, str]] | None = None
) -> GitIgnoreSpec:
    """The lines' patterns, without those :func:`costly` finds: each of those goes into
    ``set_aside`` as (line number from 1, the line)."""
    from pathspec import GitIgnoreSpec

    kept = []
    for number, line in enumerate(lines, 1):
        if costly(line):
            if set_aside is not None:
                set_aside.append((number, line))
            continue
        kept.append(line)
    return GitIgnoreSpec.from_lines(kept)


def compile_excludes(excludes: Sequence[str]) -> GitIgnoreSpec | None:
    """``--exclude`` globs (None when there are none); one too costly to match is a usage
    error, not set aside: the person running the scan wrote it."""
    for glob in excludes:
        if costly(glob):
            raise UsageError(
                f"--exclude {glob!r}: more wildcards than kbtool matches in bounded time "
                "(see `kbtool explain KB513`)"
            )
    return compile_patterns(excludes) if excludes else None


def _read_ignore_file(folder: Path, set_aside: list[tuple[Path, int, str]]) -> GitIgnoreSpec | None:
    path = folder / ".gitignore"
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_IGNORE_BYTES:
            return None
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return None
    costly_lines: list[tuple[int, str]] = []
    spec = compile_patterns(text.splitlines(), costly_lines)
    set_aside.extend((path, number, line) for number, line in costly_lines)
    return spec if spec.patterns else None


class IgnoreRules:
    """The ignore rules of one scanned folder: call :meth:`ignored` with a path below it."""

    def __init__(self, root: Path, excludes: Sequence[str] = (), *, gitignore: bool = True):
        self.root = root
        self.gitignore = gitignore
        #: (.gitignore file, line number, pattern) of each pattern set aside as too costly
        self.set_aside: list[tuple[Path, int, str]] = []
        self.exclude = compile_excludes(excludes)
        # (folder relative to the scanned root, as a '/'-ended prefix or "", its rules);
        # the folders above the root get a negative depth: their prefix is the path from
        # them down to the root.
        self._specs: dict[str, GitIgnoreSpec | None] = {}
        self._above: list[tuple[str, GitIgnoreSpec]] = []
        #: what git tracks, and the scanned root's path inside the repository ("" or "a/b/")
        self._tracked: Tracked | None = None
        self._inside = ""
        self._looked_up = gitignore
        if gitignore:
            self._above = self._ancestor_specs(root)

    def _ancestor_specs(self, root: Path) -> list[tuple[str, GitIgnoreSpec]]:
        """The .gitignore files of the folders above ``root``, up to its repository root
        (whose tracked files are read too: :mod:`kbtool.scan.gitindex`)."""
        from kbtool.scan.gitindex import tracked

        found: list[tuple[str, GitIgnoreSpec]] = []
        if (root / ".git").exists():
            self._tracked = tracked(root)
            return found
        for parent in root.parents:
            spec = _read_ignore_file(parent, self.set_aside)
            inside = root.relative_to(parent).as_posix() + "/"
            if spec is not None:
                found.append((inside, spec))
            if (parent / ".git").exists():
                self._tracked, self._inside = tracked(parent), inside
                return found
        return []  # not in a git repository: only the scanned tree's own files count

    def tracks_below(self, rel: str) -> bool:
        """Whether git tracks a file below the folder ``rel`` (POSIX, relative to the scanned
        root). The repository's index is read here when ``.gitignore`` files are not."""
        if not self.gitignore and not self._looked_up:
            self._ancestor_specs(self.root)
        self._looked_up = True
        return self._tracked is not None and self._tracked.holds(self._inside + rel, is_dir=True)

    def _spec(self, folder: str) -> GitIgnoreSpec | None:
        if folder not in self._specs:
            spec = _read_ignore_file(self.root / folder, self.set_aside) if self.gitignore else None
            self._specs[folder] = spec
        return self._specs[folder]

    def ignored(self, rel: str, *, is_dir: bool = False) -> bool:
        """Whether ``rel`` (POSIX, relative to the scanned root) is left out. Its folders
        must have been asked about first (a walk does that): ignored folders are pruned.
        As in git, ``.gitignore`` files leave out only what git does not track (a folder
        holding a tracked file is entered); ``excludes`` leave out anything."""
        probe = rel + "/" if is_dir else rel
        if self.exclude is not None and self.exclude.match_file(probe):
            return True
        if not self.gitignore:
            return False
        if self._tracked is not None and self._tracked.holds(self._inside + rel, is_dir=is_dir):
            return False
        parts = rel.split("/")
        # deepest .gitignore first: the first one with a matching pattern decides
        for depth in range(len(parts) - 1, -1, -1):
            folder = "/".join(parts[:depth])
            spec = self._spec(folder)
            if spec is None:
                continue
            below = probe[len(folder) + 1 :] if folder else probe
            decision = spec.check_file(below).include
            if decision is not None:
                return bool(decision)
        for prefix, spec in self._above:
            decision = spec.check_file(prefix + probe).include
            if decision is not None:
                return bool(decision)
        return False
