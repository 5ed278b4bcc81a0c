"""The registry of finding codes, read from their pages in ``kbtool/docs/codes/KBnnn.md``.

Each page follows ruff's rule-doc style (see CONTRIBUTING.md)::

    # KB203: invalid-value
    severity: error

    ## What it does
    ## Why is this bad?
    ## Example
    ## Use instead
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from kbtool.diagnostics import Severity

DOCS_DIR = Path(__file__).resolve().parent / "docs" / "codes"
HELP_URI = "https://kbtool.dev/codes/{code}"
SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead")
CODE_RE = re.compile(r"^KB\d{3}$")
_HEADING = re.compile(r"^#\s+(KB\d{3}):\s*(\S.*?)\s*$")
_SEVERITY = re.compile(r"^severity:\s*(\w+)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class CodeDoc:
    """One code's documentation page."""

    code: str
    name: str
    severity: Severity
    markdown: str
    sections: dict[str, str] = field(default_factory=dict)

    @property
    def summary(self) -> str:
        """First sentence of "What it does"."""
        text = " ".join(self.sections.get("What it does", "").split())
        head, dot, _ = text.partition(". ")
        return head + ("." if dot and not head.endswith(".") else "")

    @property
    def help_uri(self) -> str:
        return HELP_URI.format(code=self.code)

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity.value,
            "summary": self.summary,
            "help_uri": self.help_uri,
            "sections": dict(self.sections),
            "markdown": self.markdown,
        }


def parse_doc(text: str, code: str) -> CodeDoc:
    """Parse one page; a page without its heading or severity line raises ValueError."""
    lines = text.splitlines()
    head = _HEADING.match(lines[0]) if lines else None
    if head is None or head.group(1) != code:
        raise ValueError(f"{code}.md: first line must be '# {code}: name'")
    severity = None
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lines[1:]:
        sev = _SEVERITY.match(line)
        if severity is None and current is None and sev:
            severity = Severity(sev.group(1).lower())
        elif line.startswith("## "):
            current = sections.setdefault(line[3:].strip(), [])
        elif current is not None:
            current.append(line)
    if severity is None:
        raise ValueError(f"{code}.md: missing 'severity: error|warning' line")
    return CodeDoc(
        code=code,
        name=head.group(2),
        severity=severity,
        markdown=text,
        sections={k: "\n".join(v).strip() for k, v in sections.items()},
    )


@cache
def get(code: str) -> CodeDoc | None:
    """The documentation of ``code``, or None when it has no page."""
    if not CODE_RE.match(code):
        return None
    path = DOCS_DIR / f"{code}.md"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    return parse_doc(text, code)


def severity(code: str) -> Severity:
    """The severity a code's page declares (error when it has no page)."""
    doc = get(code)
    return doc.severity if doc else Severity.ERROR


@cache
def all_codes() -> tuple[str, ...]:
    """Every documented code, sorted."""
    return tuple(sorted(p.stem for p in DOCS_DIR.glob("KB*.md") if CODE_RE.match(p.stem)))


def close_matches(code: str) -> list[str]:
    """Documented codes that look like ``code`` (for "did you mean")."""
    import difflib  # only for a code nobody knows

    return difflib.get_close_matches(code.upper(), all_codes(), n=3, cutoff=0.6)


def expand(selectors: list[str] | tuple[str, ...]) -> set[str] | None:
    """Codes matched by selectors (``KB203``, or prefixes ``KB2`` / ``KB20``); None if empty.

    Raises ValueError naming a selector that matches no documented code.
    """
    if not selectors:
        return None
    known = all_codes()
    chosen: set[str] = set()
    for raw in selectors:
        for part in raw.split(","):
            sel = part.strip().upper()
            if not sel:
                continue
            matched = (
                {c for c in known if c.startswith(sel)}
                if re.fullmatch(r"KB\d{0,3}", sel)
                else set()
            )
            if not matched:
                hint = close_matches(sel)
                tip = f" (did you mean {', '.join(hint)}?)" if hint else ""
                raise ValueError(f"unknown code {part.strip()!r}{tip}")
            chosen |= matched
    return chosen
