"""Links in what kbtool writes: which targets it lets through, and the anchors headings get.

One rule for every output (Markdown from templates, the static site): a link keeps its target
only when that is http, https, mailto or relative. Browsers drop white space, control and
zero-width characters inside a scheme before reading it (``java\\tscript:``), so those are
removed before the check; protocol-relative (``//host``) and backslash forms are refused.

Dependency-free (``re`` and ``unicodedata``): ``kbtool show`` and the render context import
it without the Markdown escaping machinery.
"""

from __future__ import annotations

import re
import unicodedata

ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
#: What browsers drop inside a URL: white space, control and zero-width characters.
_INVISIBLE = dict.fromkeys(
    [*range(0x21), *range(0x7F, 0xA0), *range(0x200B, 0x2010), 0x2028, 0x2029, 0xFEFF]
)


def safe_url(url: str) -> str | None:
    """``url`` (stripped) when its scheme is http, https or mailto, or it is relative; None
    otherwise: ``javascript:``, ``data:``, ``vbscript:``, ``file:``, also disguised with
    blanks or invisible characters, and protocol-relative ``//host``."""
    target = url.strip()
    probe = target.translate(_INVISIBLE)
    if not probe or probe.startswith(("//", "\\\\", "/\\", "\\/")):
        return None
    found = _SCHEME.match(probe)  # a scheme starts with a letter, as browsers read it
    return target if found is None or found.group(1).lower() in ALLOWED_SCHEMES else None


def is_absolute(url: str) -> bool:
    """Whether ``url`` leaves the page's site: it has a scheme, or is protocol-relative."""
    probe = url.translate(_INVISIBLE)
    return bool(_SCHEME.match(probe)) or probe.startswith("//")


def slugify_heading(plain: object) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    kept = [
        ch
        for ch in str(plain).strip().lower()
        if ch in " -_" or unicodedata.category(ch)[0] in "LMN"
    ]
    return "".join(kept).replace(" ", "-")
