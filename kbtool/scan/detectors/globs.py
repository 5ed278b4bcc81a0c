"""Path globs of detectors (``<files>``, ``<exclude-files>``) and name globs of rules.

Path globs are matched against a POSIX path relative to the scanned folder:

- ``*`` and ``?`` never cross a ``/``; ``[…]`` is a character class;
- ``**/`` matches any number of folders (also none), a trailing ``/**`` everything below;
- a glob without ``/`` matches the file name in any folder (``*.py``, ``Dockerfile``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from fnmatch import translate
from functools import lru_cache

#: The most ``*`` in one segment of a pattern that is matched (``*.min.*`` has two); with
#: three, ``*a*a*b`` took 0.17 s for one file named by 255 ``a``s.
MAX_STARS_IN_A_SEGMENT = 2
#: The most wildcards that may span folders (the free start of a pattern with no slash or
#: one that starts with ``**/``, and each ``**`` inside it) plus all the ``*`` of its
#: segments. Each is a loop the regular expression may retry at every place another one
#: stopped: ``**/build/**/*.py`` and ``*.min.*`` have three; ``**/a/**/a/**/b`` has three
#: spanning ones alone and took 5.9 s for one path 1,000 folders deep.
MAX_WILDCARDS = 3


def costly(line: str) -> bool:
    """Whether a glob (a ``.gitignore`` line, a detector's ``<files>``) is too costly to
    match with Python's backtracking regular expressions: more than
    :data:`MAX_STARS_IN_A_SEGMENT` ``*`` in a segment, more than two wildcards that span
    folders, or more than :data:`MAX_WILDCARDS` wildcards in all."""
    if line.count("*") < 2:  # the common case: at most one loop beside the free start
        return False
    body = line.replace("\\\\", "").replace("\\*", "").rstrip().removeprefix("!")
    segments = body.rstrip("/").split("/")
    if segments[0] == "":  # a leading slash anchors the pattern
        segments = segments[1:]
    free_start = "/" not in body.rstrip("/") or segments[0] == "**"
    inner = sum(1 for s in segments[1:-1] if s == "**")
    stars = [s.count("*") for s in segments if s != "**"]
    spanning = free_start + inner
    return (
        max(stars, default=0) > MAX_STARS_IN_A_SEGMENT
        or spanning > 2
        or spanning + sum(stars) > MAX_WILDCARDS
    )


@lru_cache(maxsize=1024)
def glob_regex(glob: str) -> re.Pattern[str]:
    """Compile a path glob to a regular expression over the whole relative path."""
    if "/" not in glob.strip("/"):
        glob = "**/" + glob.strip("/")
    out: list[str] = []
    i, n = 0, len(glob)
    while i < n:
        c = glob[i]
        if glob.startswith("**/", i):
            out.append("(?:[^/]*/)*")
            i += 3
        elif glob.startswith("/**", i) and i + 3 == n:
            out.append("(?:/.*)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            close = glob.find("]", i + 2)
            if close < 0:
                out.append(re.escape(c))
                i += 1
            else:
                body = glob[i + 1 : close]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = close + 1
        else:
            out.append(re.escape(c))
            i += 1
    return re.compile("".join(out) + r"\Z")


def path_matches(rel: str, globs: Iterable[str]) -> bool:
    """True when the relative POSIX path matches one of the globs."""
    return any(glob_regex(g).match(rel) is not None for g in globs)


class NamePatterns:
    """A list of names or ``fnmatch`` globs (case-sensitive), compiled once for fast tests."""

    __slots__ = ("exact", "regex")

    def __init__(self, patterns: Iterable[str]) -> None:
        patterns = list(patterns)
        self.exact = frozenset(p for p in patterns if not any(c in p for c in "*?["))
        globs = [p for p in patterns if p not in self.exact]
        self.regex = re.compile("|".join(translate(g) for g in globs)) if globs else None

    def __call__(self, name: str | None) -> bool:
        if name is None:
            return False
        return name in self.exact or (self.regex is not None and self.regex.match(name) is not None)
