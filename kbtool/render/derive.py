"""What the templates show that an entry does not spell out, derived from its data.

- a short title for every solution step, and its body and code in reading order, each code
  block with the file a lead-in line names ("In `app/x.py`:");
- whether a symptom is text a program printed (an error) or a sign described in words;
- the broken code of a detector's bad example, and the lines its good example changes.

Used by :mod:`kbtool.render.context`; the results are its ``StepCtx``, ``CodeCtx`` and
``DiffCtx`` values.
"""

from __future__ import annotations

import re
from pathlib import Path

TYPE_CHECKING = False  # typing is imported for the type checker only (start-up)
if TYPE_CHECKING:
    from typing import Any

    from kbtool.render.shapes import CodeCtx, DiffCtx, StepBlockCtx, StepCtx


def _text(value: Any) -> str:
    return "" if value is None else str(value)


# "In `app/x.py`:", "**Broken, in `app/x.py`:**" (bold or not): the file of the next code
_FILE_LABEL = re.compile(
    r"^\s*(?:\*\*|__)?\s*(?:(broken|fixed),?\s+)?(?:in|file|changed in)\s+`([^`\n]+)`"
    r"\s*:?\s*(?:\*\*|__)?\s*:?\s*$",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`*_(\"'])")
_CLAUSE_BREAK = re.compile(r", and |; |: |, so |, plus |, then |, which | - | — |, ")
TITLE_MAX = 100
LANGS = {
    ".toml": "toml",
    ".cfg": "ini",
    ".ini": "ini",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".json": "json",
}


def _outside_code(text: str, index: int) -> bool:
    """True when ``index`` of ``text`` is outside code spans and parentheses."""
    return text.count("`", 0, index) % 2 == 0 and text.count("(", 0, index) <= text.count(
        ")", 0, index
    )


def step_title(first: str) -> tuple[str, str]:
    """(a short title, what of ``first`` the title does not say) for a step's first
    paragraph: the paragraph itself when short, else its first sentence (the whole paragraph
    stays), else the first clause of that sentence (the whole paragraph stays). Shortened
    titles leave the paragraph whole: read back (import-report), the paragraph is the step
    and the title its abbreviation."""
    text = " ".join(first.split())
    if len(text) <= TITLE_MAX and "\n" not in first.strip():
        return text.rstrip(" :."), ""
    sentence = next(
        (m.start() for m in _SENTENCE_END.finditer(text) if _outside_code(text, m.start())),
        len(text),
    )
    head = text[:sentence]
    if len(head) <= TITLE_MAX:
        return head.rstrip(" :."), first.strip()
    for m in _CLAUSE_BREAK.finditer(head):
        if 25 <= m.start() <= TITLE_MAX and _outside_code(head, m.start()):
            return head[: m.start()].rstrip(" :."), first.strip()
    cut = head[:TITLE_MAX].rsplit(" ", 1)[0]
    if cut.count("(") > cut.count(")"):
        cut = cut[: cut.rfind("(")].rstrip()
    if cut.count("`") % 2:
        cut = cut.rsplit("`", 1)[0].rstrip()
    return cut.rstrip(" ,;:.") + " …", first.strip()


def code_block(c: dict[str, Any]) -> CodeCtx:
    return {
        "lang": _text(c.get("lang")),
        "text": _text(c.get("text")),
        "file": _text(c.get("file")),
        "kind": _text(c.get("kind")) or "fix",
    }


def step(n: int, text: str, code: list[dict[str, Any]], title: str = "") -> StepCtx:
    """A solution step as the templates see it (see ``StepCtx``)."""
    from kbtool.reports.rendered import FILE_STEP, UNTITLED_STEP, abbreviates, sentence_form

    codes = [code_block(c) for c in code]
    stripped = text.strip()
    first, _, rest = stripped.partition("\n\n")
    introduced = False  # the title was the whole first paragraph, and it introduces code
    lead = ""
    if title:
        body = stripped
    elif first and not first.startswith(("```", "~~~", "- ", "* ", "|", ">")):
        title, left = step_title(first)
        body = "\n\n".join(p for p in (left, rest.strip()) if p)
        introduced = not left and first.rstrip().rstrip("*_` ").endswith(":")
        if not left and (sentence_form(title) != first.strip() or abbreviates(title, rest.strip())):
            # read back, the title alone would not give the paragraph ("Drop it:" has its
            # colon, "Check." over "Check the pool …" would be taken for an abbreviation)
            lead = first.strip()
        introduced = not left and first.rstrip().rstrip("*_` ").endswith(":")
    else:
        body = stripped
    if not title:
        files = [c["file"] for c in codes if c["file"]]
        title = FILE_STEP.format(files[0]) if files else UNTITLED_STEP
    blocks: list[StepBlockCtx] = []
    pending = list(codes)
    paragraphs = [p for p in body.split("\n\n") if p.strip()] if body else []

    def put(c: CodeCtx, file: str = "", label: str = "") -> None:
        kind = "bad" if c["kind"] == "bad" else "code"
        blocks.append(
            {
                "kind": kind,
                "text": c["text"],
                "lang": c["lang"],
                "file": c["file"] or file,
                "label": label,
            }
        )

    if introduced and pending:  # "Drop the decorator:" then its code, then the prose after
        put(pending.pop(0))
    for i, paragraph in enumerate(paragraphs):
        label = _FILE_LABEL.match(paragraph)
        own = pending and (pending[0]["file"] or pending[0]["kind"] == "bad")
        if label and pending and not own:  # (code with its own file or kind keeps both)
            labelled = pending.pop(0)
            if (label.group(1) or "").lower() == "broken":
                labelled = {**labelled, "kind": "bad"}
            put(labelled, label.group(2), paragraph.strip())
            continue
        blocks.append({"kind": "text", "text": paragraph, "lang": "", "file": "", "label": ""})
        following = paragraphs[i + 1] if i + 1 < len(paragraphs) else ""
        introduces_list = following.lstrip().startswith(("- ", "* ", "+ ", "1. ", "1) "))
        if pending and not introduces_list and paragraph.rstrip().rstrip("*_` ").endswith(":"):
            put(pending.pop(0))
            while pending and blocks[-1]["kind"] == "bad":
                put(pending.pop(0))
    for c in pending:
        put(c)
    return {
        "n": n,
        "text": text,
        "title": title,
        "lead": lead,
        "body": body,
        "code": codes,
        "blocks": blocks,
    }


_ERROR_START = re.compile(
    r"^(?:Traceback \(most recent call last\)|E {3}|FAILED |ERROR[: ]|WARNING[: ]|sys:\d+: |"
    r"[A-Za-z_][\w.]*(?:Error|Exception|Warning|Exit|Interrupt|Greenlet|Timeout|Failure)\b|"
    r"[a-z_][\w]*(?:\.[A-Za-z_]\w*)+: |[A-Z]\w+: )"
)


def symptom_kind(text: str) -> str:
    """ "error" for text a program printed (an exception line, a log line), "text" for a
    sign described in words ("500 Internal Server Error on every request…")."""
    text = text.strip()
    if _ERROR_START.match(text):
        return "error"
    words = len(text.split())
    described = "`" in text or (words >= 12 and not re.search(r"[\[{<]|\w=\S", text))
    return "text" if described else "error"


def bad_examples(detectors: list[str]) -> tuple[list[CodeCtx], list[DiffCtx]]:
    """The broken code of the detectors' bad examples (each file with its path), and the
    lines a good example changes in the same file (short replacements only)."""
    import difflib
    from textwrap import dedent

    from kbtool.safexml import read_fragment
    from kbtool.scan.detectors.kinds import DEFAULT_EXAMPLE_PATH

    bad: list[CodeCtx] = []
    good: dict[str, str] = {}
    for raw in detectors:
        el = read_fragment(raw)
        if el is None:
            continue
        globs = el.findtext("files") or ""
        python = el.get("kind") == "python-ast" or ".py" in globs
        default = DEFAULT_EXAMPLE_PATH.get(el.get("kind") or "", "example.txt")
        for ex in el.iterchildren("example"):
            files = list(ex.iterchildren("file"))
            pairs = (
                [((f.get("path") or "").strip(), dedent(f.text or "").strip("\n")) for f in files]
                if files
                else [((ex.get("path") or default).strip(), dedent(ex.text or "").strip("\n"))]
            )
            for path, code in pairs:
                lang = (
                    "python"
                    if python or path.endswith(".py")
                    else LANGS.get(Path(path).suffix, "text")
                )
                if path in DEFAULT_EXAMPLE_PATH.values():
                    path = ""  # a made-up name: say no file rather than a wrong one
                if ex.get("kind") == "bad" and code.count("\n") < 60:
                    bad.append({"lang": lang, "text": code, "file": path, "kind": "bad"})
                elif ex.get("kind") == "good":
                    good.setdefault(path, code)
        if bad:
            break  # one detector's example is enough to show the pattern
    differences: list[DiffCtx] = []
    for b in bad:
        after = good.get(b["file"])
        if after is None:
            continue
        old, new = b["text"].splitlines(), after.splitlines()
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new).get_opcodes():
            if op == "replace" and i2 - i1 == 1 and j2 - j1 == 1:
                differences.append(
                    {
                        "file": b["file"],
                        "before": " ".join(line.strip() for line in old[i1:i2]),
                        "after": " ".join(line.strip() for line in new[j1:j2]),
                    }
                )
    return bad, differences
