"""Lexical repair of not-well-formed legacy XML, so that a strict parse can follow.

lxml's ``recover=True`` is never used: it deletes every stray ``<`` and bare ``&name``.
This pass instead changes as little as it can, and records each change with its line:

- a bare ``&`` (``&&``, ``?a=1&b=2``, ``Velocity & Stability``, ``&nbsp;``) → ``&amp;``;
- a control character XML forbids (``ESC`` of a pasted colour code, ``BEL``, ``FF``) → its
  Unicode picture (``␛``, ``␇``); a character reference to one (``&#0;``) → kept as text;
- an attribute value without quotes → quoted; an attribute named twice → the second
  renamed ``id_2`` (both values kept);
- a ``<`` that starts no tag (``<10ms``, ``a < b``, ``Record<A, B[]>``) → ``&lt;``;
- a tag that is code (``List<T>``, ``<T>``, ``<NAME>``, ``<your_token>``: no end tag with
  that name follows, and it is glued to a word, has no lower-case letter, or is no name
  legacy files use for elements) → its ``<`` escaped, so the text survives verbatim;
- a misspelt end tag (``</symptym>`` closing ``<symptom>``) → renamed;
- an end tag that closes nothing, a trailing ``</xml>``, an end tag that closes the root
  while the document goes on → dropped (an end tag naming no element of the file is
  escaped as text instead);
- an element left open → closed where its parent ends, before its next sibling of the
  same name, or at the end of the file;
- text or elements after the root → everything wrapped in one ``<kbtool-legacy-document>``;
- a DOCTYPE (hostile: entities, external files) → a comment holding its text; nothing it
  declares is applied, and ``&name;`` references stay text.

Line numbers never change: no repair adds or removes a line break.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from kbtool.migrate.legacy.vocabulary import is_known_name

WRAPPER = "kbtool-legacy-document"

_NAME = r"[^\W\d][\w.\-]*(?::[^\W\d][\w.\-]*)?"
_ATTR = rf"\s+{_NAME}\s*=\s*(?:\"[^\"]*\"|'[^']*')"
_START = re.compile(rf"<({_NAME})((?:{_ATTR})*)\s*(/?)>")
# A start tag whose attribute values are not all quoted (``<lesson id=L-7 severity=high>``).
_ATTR_LOOSE = rf"\s+{_NAME}\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'<>=`]+)"
_START_LOOSE = re.compile(rf"<({_NAME})((?:{_ATTR_LOOSE})*)\s*(/?)>")
_ONE_ATTR = re.compile(rf"(\s+)({_NAME})(\s*=\s*)(\"[^\"]*\"|'[^']*'|[^\s\"'<>=`]+)")
_END = re.compile(rf"</({_NAME})\s*>")
_START_NAME = re.compile(rf"<({_NAME})(?=[\s/>])")
_OK_ENTITY = re.compile(r"&(?:#[0-9]+|#x[0-9A-Fa-f]+|amp|lt|gt|quot|apos);")
_BARE_AMP = re.compile(r"&(?!(?:#[0-9]+|#x[0-9A-Fa-f]+|amp|lt|gt|quot|apos);)")
_SPECIAL = re.compile(r"[<&]|\]\]>")
# Characters XML 1.0 forbids that people paste (terminal colour codes, a bell, a form feed);
# NUL is not among them: a file holding one is not text, and is refused.
_CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NUMERIC_REF = re.compile(r"&#(?:([0-9]+)|x([0-9A-Fa-f]+));")
_CODE_BEFORE = frozenset("_([,.<:")


@dataclass(frozen=True)
class RepairNote:
    """One change the repair made: where (1-based line and column) and what."""

    line: int
    col: int
    text: str


@dataclass(frozen=True)
class Repaired:
    text: str
    notes: list[RepairNote]
    wrapped: bool


@dataclass
class _Open:
    name: str
    line: int
    indent: int | None = None  # column of a start tag that begins its line
    has_child: bool = False


def _distance(a: str, b: str) -> int:
    """Levenshtein distance (small strings only)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _similar(a: str, b: str) -> bool:
    if a.lower() == b.lower():
        return True
    return min(len(a), len(b)) >= 4 and _distance(a.lower(), b.lower()) <= 2


class _Repairer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.edits: list[tuple[int, int, int, str]] = []  # start, order, end, replacement
        self.notes: list[RepairNote] = []
        self.newlines = [m.start() for m in re.finditer("\n", text)]
        self.stack: list[_Open] = []
        self.root_seen = False
        self.root_closed = False
        self.outside: list[int] = []  # positions of content outside the root
        self.end_positions: dict[str, list[int]] = {}
        for m in _END.finditer(text):
            self.end_positions.setdefault(m.group(1), []).append(m.start())
        self.start_count: dict[str, int] = {}
        self.start_positions: list[int] = []
        for m in _START_NAME.finditer(text):
            self.start_count[m.group(1)] = self.start_count.get(m.group(1), 0) + 1
            self.start_positions.append(m.start())
        last_end = max(((p[-1], n) for n, p in self.end_positions.items()), default=(0, ""))
        self.last_end_name = last_end[1]

    # ---------------------------------------------------------------- helpers

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_left(self.newlines, offset)
        start = self.newlines[line - 1] + 1 if line else 0
        return line + 1, offset - start + 1

    def note(self, offset: int, message: str) -> None:
        line, col = self.position(offset)
        self.notes.append(RepairNote(line, col, message))

    def edit(self, start: int, end: int, replacement: str) -> None:
        order = 0 if start == end else 1
        self.edits.append((start, order, end, replacement))

    def context(self, offset: int) -> str:
        line_start = self.text.rfind("\n", 0, offset) + 1
        line_end = self.text.find("\n", offset)
        line_end = len(self.text) if line_end < 0 else line_end
        before = self.text[max(line_start, offset - 12) : offset]
        after = self.text[offset + 1 : min(line_end, offset + 14)]
        before = before[before.rfind(">") + 1 :]
        cut = after.find("<")
        after = after if cut < 0 else after[:cut]
        return (before + self.text[offset] + after).strip()

    def back_over_space(self, offset: int) -> int:
        while offset > 0 and self.text[offset - 1].isspace():
            offset -= 1
        return offset

    def end_follows(self, name: str, offset: int) -> bool:
        positions = self.end_positions.get(name, ())
        return bisect.bisect_right(positions, offset) < len(positions)

    def close(self, opened: list[_Open], offset: int, why: str) -> None:
        """Close elements left open (innermost first) just before ``offset``."""
        at = self.back_over_space(offset)
        for open_ in reversed(opened):
            self.edit(at, at, f"</{open_.name}>")
            self.note(at, f"closed <{open_.name}> (opened on line {open_.line}) {why}")

    # ---------------------------------------------------------------- the scan

    def run(self) -> Repaired:
        text = self.text
        pos = 0
        while True:
            match = _SPECIAL.search(text, pos)
            segment_end = match.start() if match else len(text)
            if not self.stack and text[pos:segment_end].strip():
                self.outside.append(
                    pos + len(text[pos:segment_end]) - len(text[pos:segment_end].lstrip())
                )
            if match is None:
                break
            i = match.start()
            found = match.group()
            if found == "]]>":
                self.edit(i + 2, i + 3, "&gt;")
                self.note(i, "escaped '>' of ']]>' in text")
                pos = i + 3
            elif found == "&":
                pos = self.ampersand(i)
            else:
                pos = self.angle(i)
        if self.stack:
            self.close(self.stack, len(text), "at the end of the file")
            self.stack.clear()
        wrapped = self.wrap()
        return Repaired(self.apply(), self.notes, wrapped)

    def ampersand(self, i: int) -> int:
        ok = _OK_ENTITY.match(self.text, i)
        ref = _NUMERIC_REF.match(self.text, i)
        if ref and not _xml_char(int(ref.group(1) or ref.group(2), 10 if ref.group(1) else 16)):
            # &#0; names no character XML can hold: kept as the text the author wrote
            self.edit(i, i + 1, "&amp;")
            self.note(i, f"escaped {ref.group()!r}: no character XML can hold")
            return ref.end()
        if ok:
            if not self.stack:
                self.outside.append(i)
            return ok.end()
        self.edit(i, i + 1, "&amp;")
        self.note(i, f"escaped bare '&' in {self.context(i)!r}")
        return i + 1

    def stray(self, i: int) -> int:
        self.edit(i, i + 1, "&lt;")
        self.note(i, f"escaped stray '<' in {self.context(i)!r}")
        if not self.stack:
            self.outside.append(i)
        return i + 1

    def angle(self, i: int) -> int:
        text = self.text
        if text.startswith("<!--", i):
            end = text.find("-->", i + 4)
            if end < 0:
                return self.stray(i)
            for dash in self.split_dashes(i + 4, end):
                self.note(dash, "split '--' inside a comment into '- -'")
            return end + 3
        if text.startswith("<![CDATA[", i):
            end = text.find("]]>", i + 9)
            if end < 0:
                return self.stray(i)
            if not self.stack:
                self.outside.append(i)
            return end + 3
        if text.startswith("<?", i):
            end = text.find("?>", i + 2)
            if end < 0:
                return self.stray(i)
            is_declaration = re.match(r"<\?xml[\s?]", text[i : i + 6]) is not None
            if is_declaration and (i > 0 or self.root_seen):
                self.edit(i, end + 2, "")
                self.note(i, "removed an XML declaration that was not at the start of the file")
            return end + 2
        if text.startswith("<!DOCTYPE", i) or text.startswith("<!ENTITY", i):
            return self.doctype(i)
        if text.startswith("</", i):
            end_match = _END.match(text, i)
            return self.end_tag(i, end_match) if end_match else self.stray(i)
        start_match = _START.match(text, i) or _START_LOOSE.match(text, i)
        return self.start_tag(i, start_match) if start_match else self.stray(i)

    def split_dashes(self, start: int, end: int) -> list[int]:
        """Write every ``--`` between ``start`` and ``end`` as ``- -`` (a comment may not hold
        one); where they were."""
        found = []
        dash = self.text.find("--", start, end)
        while dash >= 0:
            self.edit(dash, dash + 2, "- -")
            found.append(dash)
            dash = self.text.find("--", dash + 2, end)
        return found

    def doctype(self, i: int) -> int:
        """A DOCTYPE (or a bare ENTITY declaration) becomes a comment: its text is kept as the
        author wrote it, but nothing it declares is applied (the strict parse refuses DTDs; an
        entity is never expanded, so ``&name;`` stays text)."""
        text = self.text
        end = _declaration_end(text, i)
        if end is None:
            return self.stray(i)
        self.edit(i, i + 2, "<!--")
        self.split_dashes(i + 2, end)
        self.edit(end, end + 1, " -->" if text[end - 1] == "-" else "-->")
        self.note(i, "kept the DOCTYPE as a comment: its declarations are not applied")
        return end + 1

    def is_code(self, name: str, i: int) -> bool:
        if self.end_follows(name, i):
            return False
        before = self.text[i - 1] if i else ""
        if before and (before.isalnum() or before in _CODE_BEFORE):
            return True
        if not any(c.islower() for c in name):
            return True
        return not is_known_name(name)

    def start_tag(self, i: int, match: re.Match[str]) -> int:
        name, attrs, self_closing = match.group(1), match.group(2), bool(match.group(3))
        if self.stack and self.is_code(name, i):
            self.edit(i, i + 1, "&lt;")
            self.note(i, f"escaped '<' of <{name}>: code, not a tag (no </{name}> follows)")
            return i + 1
        fixed = self.attributes(i, name, attrs)
        if fixed != attrs:
            self.edit(match.start(2), match.end(2), fixed)
        indent = self.line_indent(i)
        if not self.stack:
            if self.root_closed:
                self.outside.append(i)
            self.root_seen = True
        else:
            self.close_outdented(i, indent, name)
        if (
            self.stack
            and self.stack[-1].name == name
            and not self.stack[-1].has_child
            and not self_closing
            and self.missing_end(name)
        ):
            top = self.stack.pop()
            at = self.back_over_space(i)
            self.edit(at, at, f"</{name}>")
            self.note(at, f"closed <{name}> (opened on line {top.line}) before the next <{name}>")
        if self.stack:
            self.stack[-1].has_child = True
        if not self_closing:
            self.stack.append(_Open(name, self.position(i)[0], indent))
        return match.end()

    def attributes(self, i: int, name: str, attrs: str) -> str:
        """The attributes of a start tag, well-formed: values quoted, ``<`` and ``&`` in them
        escaped, a repeated name renamed (``id`` twice → ``id``, ``id_2``: both values kept)."""
        seen: dict[str, int] = {}
        parts: list[str] = []
        for m in _ONE_ATTR.finditer(attrs):
            space, attr, equals, value = m.groups()
            if value[0] not in "\"'":
                value = '"' + value.replace('"', "&quot;") + '"'
                self.note(i, f"quoted the value of {attr}= in <{name}>")
            if "<" in value or _BARE_AMP.search(value):
                value = _BARE_AMP.sub("&amp;", value).replace("<", "&lt;")
                self.note(i, f"escaped '<' or '&' in an attribute value of <{name}>")
            seen[attr] = seen.get(attr, 0) + 1
            if seen[attr] > 1:
                renamed = f"{attr}_{seen[attr]}"
                while renamed in seen or re.search(rf"\s{re.escape(renamed)}\s*=", attrs):
                    renamed += "_"
                self.note(i, f"renamed the repeated attribute {attr}= of <{name}> to {renamed}=")
                attr = renamed
            parts.append(f"{space}{attr}{equals}{value}")
        return "".join(parts)

    def line_indent(self, i: int) -> int | None:
        start = self.text.rfind("\n", 0, i) + 1
        before = self.text[start:i]
        return len(before) if not before.strip() else None

    def missing_end(self, name: str) -> bool:
        return self.start_count.get(name, 0) > len(self.end_positions.get(name, ()))

    def close_outdented(self, i: int, indent: int | None, name: str) -> None:
        """A start tag at the same or a smaller indent than an open element that lacks its end
        tag somewhere in the file is its sibling or an uncle: that element was left open."""
        if indent is None:
            return
        count = 0
        while count < len(self.stack) - 1:
            top = self.stack[-1 - count]
            if top.indent is None or top.indent < indent or not self.missing_end(top.name):
                break
            count += 1
        if count:
            self.close(self.stack[-count:], i, f"before <{name}> (same or smaller indent)")
            del self.stack[-count:]

    def end_tag(self, i: int, match: re.Match[str]) -> int:
        name = match.group(1)
        if not self.stack:
            self.edit(i, match.end(), "")
            self.note(i, f"dropped end tag </{name}> outside the root element")
            return match.end()
        depth = next(
            (d for d in range(len(self.stack) - 1, -1, -1) if self.stack[d].name == name), None
        )
        if depth is not None:
            if depth == 0 and self.root_closes_early(i, name):
                self.edit(i, match.end(), "")
                self.note(
                    i, f"dropped </{name}>: it closed the root element while the document goes on"
                )
                return match.end()
            self.close(self.stack[depth + 1 :], i, f"before </{name}>")
            del self.stack[depth:]
            self.root_closed = not self.stack
            return match.end()
        for depth in range(len(self.stack) - 1, -1, -1):
            if _similar(self.stack[depth].name, name):
                target = self.stack[depth].name
                self.close(self.stack[depth + 1 :], i, f"before </{name}>")
                self.edit(i, match.end(), f"</{target}>")
                self.note(i, f"renamed end tag </{name}> to </{target}>")
                del self.stack[depth:]
                self.root_closed = not self.stack
                return match.end()
        if self.start_count.get(name, 0) == 0:
            self.edit(i, i + 1, "&lt;")
            self.note(i, f"escaped '<' of </{name}>: no element <{name}> in the file")
            return i + 1
        self.edit(i, match.end(), "")
        self.note(i, f"dropped end tag </{name}> that closes no open element")
        return match.end()

    def root_closes_early(self, i: int, name: str) -> bool:
        later_start = bisect.bisect_right(self.start_positions, i) < len(self.start_positions)
        ends = self.end_positions.get(name, [])
        return (
            later_start
            and self.last_end_name == name
            and ends[-1] > i
            and len(ends) > self.start_count.get(name, 0)
        )

    def wrap(self) -> bool:
        if not self.outside or not self.root_seen:
            return False
        text = self.text
        declaration = re.match(r"\s*<\?xml[^>]*\?>", text)
        at = declaration.end() if declaration else 0
        self.edit(at, at, f"<{WRAPPER}>")
        self.edits.append((len(text), 2, len(text), f"</{WRAPPER}>"))
        self.note(self.outside[0], f"wrapped the content outside the root element in <{WRAPPER}>")
        return True

    def apply(self) -> str:
        parts: list[str] = []
        pos = 0
        for start, _order, end, replacement in sorted(self.edits, key=lambda e: (e[0], e[1])):
            if start < pos:  # overlapping edits cannot happen; keep the first if they do
                continue
            parts.append(self.text[pos:start])
            parts.append(replacement)
            pos = end
        parts.append(self.text[pos:])
        return "".join(parts)


def _xml_char(code: int) -> bool:
    """Whether XML 1.0 can hold the character ``code``."""
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def _control_picture(char: str) -> str:
    """U+241B for ESC, U+2407 for BEL: the character's picture, so the text shows it."""
    code = ord(char)
    return chr(0x2400 + code) if code < 0x20 else "\N{REPLACEMENT CHARACTER}"


def _declaration_end(text: str, i: int) -> int | None:
    """Offset of the ``>`` that ends the markup declaration at ``i`` (quoted strings,
    comments and an internal subset in brackets skipped), or None when it never ends."""
    depth, pos = 0, i + 2
    while pos < len(text):
        c = text[pos]
        if c in "\"'":
            close = text.find(c, pos + 1)
            if close < 0:
                return None
            pos = close
        elif text.startswith("<!--", pos):
            close = text.find("-->", pos + 4)
            if close < 0:
                return None
            pos = close + 2
        elif c == "[":
            depth += 1
        elif c == "]":
            depth = max(0, depth - 1)
        elif c == ">" and depth == 0:
            return pos
        pos += 1
    return None


def repair(text: str) -> Repaired:
    """Repair ``text`` lexically; see the module docstring for every kind of change."""
    controls = list(_CONTROL.finditer(text))
    if controls:  # one character for one: every offset and line stays where it was
        text = _CONTROL.sub(lambda m: _control_picture(m.group()), text)
    repairer = _Repairer(text)
    for m in controls:
        repairer.note(
            m.start(), f"replaced control character U+{ord(m.group()):04X} by its picture"
        )
    done = repairer.run()
    return Repaired(done.text, sorted(done.notes, key=lambda n: (n.line, n.col)), done.wrapped)
