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
