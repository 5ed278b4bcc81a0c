"""Escape entry text for Markdown output.

Entry text is "Markdown-lite": prose that may hold inline code spans, emphasis, links and
fenced code blocks, but never raw HTML. Every function here returns a :class:`Markdown`
string that is safe to paste into a Markdown document:

- ``<``, ``>`` and ``&`` are HTML-escaped outside code, so no raw HTML (``<script>``,
  ``<!--``, ``<img onerror>``) passes through to any renderer;
- link and image targets are kept only for http, https, mailto and relative targets; an image
  with an absolute URL becomes a plain link (no remote fetch when the page is viewed);
- ``@mentions`` and issue references (``#123``, ``GH-123``, ``owner/repo#123``) become code
  spans, so rendering never pings anyone nor links an issue of the repository it is read in;
- text shows as written: ``*`` and ``_`` the entry does not mean as emphasis are escaped,
  backslashes are doubled, ``[^1]`` is no footnote, the XML's indentation is dropped;
- block structure stays where the template put it: line-start ``#`` and setext underlines are
  escaped, an unclosed code fence is closed; table cells and headings stay on one line.

Data is never compiled as a template: ``{{ 7*7 }}`` in an entry prints literally.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from kbtool.hrefs import is_absolute, safe_url, slugify_heading
from kbtool.reports.rendered import INFO_VALUE
from kbtool.textsafe import BIDI_CONTROLS, INVISIBLE


class Markdown(str):
    """A string that is already safe Markdown; the renderer prints it unchanged."""

    __slots__ = ()


#: Control characters, dropped: C0 ones (a log line's ESC) and C1 ones (XML 1.0 allows them
#: in an entry; a terminal that shows the file obeys U+009B as CSI and U+009D as OSC).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


# ------------------------------------------------------------------ inline text

_MENTION = re.compile(
    r"(?<![\w@.`/])@([A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?"
    r"(?:\.[A-Za-z_]\w*)*"  # a decorator's dotted name stays whole: `@pytest.fixture`
    r"(?:/[A-Za-z0-9_.-]+)?"
    r"(?:\([^()\n`<>&]{0,80}\))?)"  # and its call: `@app.on_event("startup")` stays whole
)
_LINK_TARGET = re.compile(r"\]\(\s*(<[^>\n]*>|[^\s)]*)")
_IMAGE = re.compile(r"!\[")
_BACKTICKS = re.compile(r"`+")


def _escaped(text: str, index: int) -> bool:
    """True when the character at ``index`` follows an odd number of backslashes."""
    count = 0
    while index - count > 0 and text[index - count - 1] == "\\":
        count += 1
    return count % 2 == 1


def _split_code_spans(text: str, unsure: list[bool] | None = None) -> list[tuple[bool, str]]:
    """Split into (is_code, piece) following CommonMark code-span rules (matching runs).
    ``unsure`` is set when a backtick run was left out for a link destination or found no
    closing run: CommonMark may then pair the runs otherwise (a "destination" of no link,
    a run that closes on the paragraph's next line), which :func:`renders_unsafely` checks."""
    pieces: list[tuple[bool, str]] = []
    pos = 0
    start = 0
    # a backtick inside a link destination, `[a](`)`, opens no code span: the link is parsed
    # first, so what follows is prose (treating it as code would let `<script>` through)
    targets = [m.span(1) for m in _LINK_TARGET.finditer(text)]
    while True:
        opening = _BACKTICKS.search(text, pos)
        if opening is None:
            break
        if any(a <= opening.start() < b for a, b in targets):
            if unsure is not None:
                unsure[0] = True
            pos = opening.end()
            continue
        if _escaped(text, opening.start()):
            # A backslash escapes one backtick (CommonMark): the rest of the run is a
            # backtick string of its own and may open a code span (\``<`: the span is `<`).
            pos = opening.start() + 1
            continue
        run = opening.group()
        closing = opening.end()
        found = None
        while True:
            candidate = _BACKTICKS.search(text, closing)
            if candidate is None:
                break
            if candidate.group() == run:
                found = candidate
                break
            closing = candidate.end()
        if found is None:
            if unsure is not None:
                unsure[0] = True
            pos = opening.end()
            continue
        if opening.start() > start:
            pieces.append((False, text[start : opening.start()]))
        pieces.append((True, text[opening.start() : found.end()]))
        start = pos = found.end()
    if start < len(text):
        pieces.append((False, text[start:]))
    return pieces


#: An issue reference GitHub links in an issue, a pull request or a comment: ``#123``,
#: ``GH-123``, ``owner/repo#123``. In a plan pasted into an issue it would link this
#: repository's issue 123 (not the upstream one the entry means) and post a "mentioned" event
#: on it; in a code span it is the same characters, linked to nothing.
_ISSUE_REF = re.compile(
    r"(?<![\w&;#/`@.\\-])((?:[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*)?#\d+|GH-\d+)(?![\w-])"
)


def _unlinked(text: str) -> str:
    """``@mentions`` and issue references in code spans: rendering pings and links nobody."""
    text = _MENTION.sub(lambda m: f"`@{m.group(1)}`", text)
    if "#" not in text and "GH-" not in text:
        return text
    return "".join(
        piece if is_code else _ISSUE_REF.sub(r"`\1`", piece)
        for is_code, piece in _split_code_spans(text)
    )


#: A run of backslashes CommonMark would read as escapes: before ASCII punctuation, or two or
#: more (``C:\\server\share``, ``\d+\.\d+`` show their backslashes only when doubled). A run
#: before a backtick is left as written: the code-span split read it as Markdown.
_BACKSLASHES = re.compile(r"(?<!\\)\\+(?=[^`\\])")
_LAST_BACKSLASHES = re.compile(r"\\+$")
_ASCII_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_{|}~")


def _double(match: re.Match[str]) -> str:
    run = match.group()
    after = match.string[match.end()]
    return run * 2 if len(run) > 1 or after in _ASCII_PUNCT else run


#: An ``&`` that starts a character reference (``&amp;``, ``&#169;``); any other ``&`` is
#: text in CommonMark, and escaping it breaks a bare URL GitHub autolinks (``?a=1&amp;b=2``).
_ENTITY = re.compile(r"&(?=#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{0,31};)")
#: Emphasis an entry means: ``*a*``, ``**a b**`` tight against words; ``_a b_`` only around
#: a phrase (``_private_`` and ``__dunder__`` are names). Every other ``*`` and ``_`` that
#: could open or close emphasis is escaped: ``(*args, **kwargs)``, ``2*3*4``, ``_pool_``.
_MEANT_EMPHASIS = re.compile(
    r"(?<![\w*\\])(\*{1,3})(?![\s*])[^*\n]*?[^\s*\\]\1(?![\w*])"
    r"|(?<![\w_\\])(_{1,3})(?![\s_])[^_\n]*?\s[^_\n]*?[^\s_\\]\2(?![\w_])"
)
_BARE_URL = re.compile(r"(?:https?://|www\.)[^\s<>`]*|\]\([^)\s]*\)?")


def meant_emphasis(pieces: list[tuple[bool, str]]) -> list[tuple[int, int]]:
    """Where the line split into ``pieces`` (code spans and prose) means emphasis; a code
    span may sit inside it (``**In `app/x.py`:**``)."""
    line = "".join("\x01" * len(piece) if is_code else piece for is_code, piece in pieces)
    if "*" not in line and "_" not in line:
        return []
    return [m.span() for m in _MEANT_EMPHASIS.finditer(line)]


def _escape_emphasis(text: str, keep: list[tuple[int, int]]) -> str:
    """``*`` and ``_`` escaped where the entry does not mean emphasis (``keep``, spans of
    ``text``, whose own backslashes are doubled already); URLs left alone."""
    if "*" not in text and "_" not in text:
        return text
    keep = keep + [m.span() for m in _BARE_URL.finditer(text)]
    out = []
    for i, ch in enumerate(text):
        if ch in "*_" and not any(a <= i < b for a, b in keep):
            before = text[i - 1] if i else " "
            after = text[i + 1] if i + 1 < len(text) else " "
            if ch == "*" or not (before.isalnum() and after.isalnum()):  # a_b is no emphasis
                out.append("\\")
        out.append(ch)
    return "".join(out)


def _escape_prose(
    text: str, keep: list[tuple[int, int]], quiet: bool = True, dollars: bool = False
) -> str:
    """Escape one piece of text that is not inside a code span, its backslashes doubled
    already; ``keep``: where it means emphasis; ``quiet``: mentions and issue references
    unlinked (GitHub links neither inside a link's label); ``dollars``: ``$`` escaped (the
    line has two, which GitHub may read as the ends of inline math)."""
    text = _escape_emphasis(text, keep)
    if dollars:  # "PATH=$HOME/bin:$PATH" is no formula
        text = text.replace("$", "\\$")
    text = _ENTITY.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("[^", "\\[^")  # "[^1]" is no footnote
    if quiet:
        text = _unlinked(text)

    def link(match: re.Match[str]) -> str:
        target = match.group(1)
        bare = target[1:-1] if target.startswith("<") else target
        bare = bare.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
        if safe_url(bare) is None and bare:
            return "]\\(" + match.group(0)[2:]
        return match.group(0)

    text = _LINK_TARGET.sub(link, text)

    if "![" not in text:
        return text
    closing = _bracket_pairs(text)

    def image(match: re.Match[str]) -> str:
        if _escaped(text, match.start()):
            return match.group(0)  # "\![": a "!" and a link already
        end = closing.get(match.end() - 1)
        target = _INLINE_IMAGE_TARGET.match(text, end) if end is not None else None
        if target is not None:
            value = target.group(1).strip("<>").replace("&amp;", "&")
            if value and not is_absolute(value):
                return match.group(0)
        return "\\!["

    return _IMAGE.sub(image, text)


#: The rest of an inline image whose destination CommonMark surely reads as written: no
#: blanks or parentheses in it, then at most a quoted title. Anything else (a reference,
#: ``![a][r]`` or ``![r]``, whose definition may be anywhere in the document; a destination
#: CommonMark may read otherwise) is not kept as an image.
_INLINE_IMAGE_TARGET = re.compile(
    r"\]\((?:[ \t]*)([^\s()\\]+)(?:[ \t]+(?:\"[^\"\n]*\"|'[^'\n]*'))?[ \t]*\)"
)


def _bracket_pairs(text: str) -> dict[int, int]:
    """Where each ``[`` of ``text`` is closed (backslash escapes skipped), in one pass."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    escaped = False
    for i, ch in enumerate(text):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "[":
            stack.append(i)
        elif ch == "]" and stack:
            pairs[stack.pop()] = i
    return pairs


_INLINE_PLAIN = re.compile(r"[<>&`@\]!|*_\\#$\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|GH-")
#: A list marker at the start of a line of a block: kept, the ``*`` of ``* item`` too.
_LIST_LEAD = re.compile(r"^[ \t]*(?:[-+*]|\d{1,9}[.)])(?=[ \t])")


def escape_inline(
    text: str,
    *,
    cell: bool = False,
    code: bool = True,
    unsure: list[bool] | None = None,
    quiet: bool = True,
) -> str:
    """Escape inline text: prose escaped, code spans kept verbatim (``|`` escaped in cells).
    With ``code=False`` (or when the spans found are not the ones CommonMark finds: see
    :func:`renders_unsafely`) there are no code spans: every backtick is escaped too.
    ``unsure`` (a line of a block): set as :func:`_split_code_spans` does, the block checked
    whole by the caller. ``quiet=False``: the label of a link, whose mentions link nothing."""
    if not _INLINE_PLAIN.search(text):
        return text
    text = _CONTROL.sub("", text)
    lead = _LIST_LEAD.match(text)
    if lead:  # a list the block means ("* item"): its marker stays a marker
        rest = escape_inline(text[lead.end() :], cell=cell, code=code, unsure=unsure, quiet=quiet)
        return text[: lead.end()] + rest
    out = []
    doubt = [False] if unsure is None else unsure
    pieces = _split_code_spans(text, doubt) if code else [(False, text)]
    pieces = [(c, piece if c else _BACKSLASHES.sub(_double, piece)) for c, piece in pieces]
    if pieces and not pieces[-1][0]:  # a backslash ending the line, not a hard line break
        pieces[-1] = (False, _LAST_BACKSLASHES.sub(lambda m: m.group() * 2, pieces[-1][1]))
    meant = meant_emphasis(pieces)
    dollars = sum(piece.count("$") for c, piece in pieces if not c) > 1
    at = 0
    for is_code, piece in pieces:
        start, at = at, at + len(piece)
        if is_code:
            out.append(piece.replace("|", "\\|") if cell else piece)
        else:
            keep = [(a - start, b - start) for a, b in meant if a < at and b > start]
            piece = _escape_prose(piece, keep, quiet, dollars)
            if not code:
                piece = piece.replace("`", "\\`")
            out.append(piece.replace("|", "\\|") if cell else piece)
    escaped = "".join(out)
    if unsure is None and doubt[0] and any(c for c, _ in pieces) and renders_unsafely(escaped):
        return escape_inline(text, cell=cell, code=False, quiet=quiet)
    return escaped


def renders_unsafely(markdown: str) -> bool:
    """Whether CommonMark reads HTML or a link to an unsafe target in ``markdown``: the
    check behind the code-span rules above, which follow CommonMark's pairing of backticks
    but not every way a link or a paragraph changes it (a hostile text found with
    hypothesis: ``x](`)`<script>```). Text that fails is escaped without code spans."""
    for token in _commonmark().parse(markdown):
        for t in (token, *(token.children or ())):
            if t.type in ("html_block", "html_inline"):
                return True
            for key in ("href", "src"):
                target = t.attrs.get(key) if t.attrs else None
                if target and safe_url(str(target)) is None:
                    return True
    return False


@lru_cache(maxsize=1)
def _commonmark() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark")


# ------------------------------------------------------------------ code in prose

_END = r"(?![\w`])"
_CODE_WORD = re.compile(
    r"(?<![\w`./@-])(?:"
    rf"(?:[\w.-]+/)+[\w.-]+\.[A-Za-z]{{1,5}}(?:::[\w\[\]-]+)*{_END}"  # tests/x.py::test_y
    rf"|[A-Za-z_]\w*\.(?:py|toml|cfg|ini|json|ya?ml|xml)\b(?:::[\w\[\]-]+)*{_END}"  # x.py
    r"|[A-Za-z_]\w*=(?:\"[^\"\n]{0,40}\"|'[^'\n]{0,40}'|\w+)(?![\w`])"  # keyword=value
    r"|\{[^{}\n`]{1,60}\}"  # a small dict or JSON object
    r"|\.?[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*[(\[]"  # a call or subscript (closed below)
    rf"|[A-Za-z_]\w*(?:\.[A-Za-z_]\w+)+{_END}"  # a dotted name
    rf"|__[A-Za-z]\w*__{_END}"  # a dunder name (bare, Markdown reads __x__ as bold)
    rf"|[a-z][a-z0-9]*_[a-z0-9_]*[a-z0-9]{_END}"  # a snake_case name
    rf"|(?:True|False){_END}"
    r")"
)
_ASSIGNED = re.compile(r"(?<![\w`])[A-Za-z_]\w* = $")
_NOT_DOTTED = re.compile(r"^(?:[a-z]\.)+[a-z]?$|^\d|\.\.", re.IGNORECASE)  # e.g, i.e


def _closing(text: str, start: int) -> int:
    """The end of a balanced bracket run starting at ``text[start]`` (one line, ≤ 120 chars),
    or -1."""
    pairs = {"(": ")", "[": "]"}
    stack: list[str] = []
    for i in range(start, min(len(text), start + 120)):
        ch = text[i]
        if ch in "\n`":
            return -1
        if ch in pairs:
            stack.append(pairs[ch])
        elif ch in ")]":
            if not stack or stack.pop() != ch:
                return -1
            if not stack:
                return i + 1
    return -1


_PROTECTED = re.compile(
    r"\[[^\]\n]*\]\([^)\n]*\)|\]\([^)\n]*\)|<?https?://[^\s)>]+>?|\*\*[^*\n]+:\*\*"
)


def _codify_prose(text: str) -> str:
    out: list[str] = []
    pos = 0
    # link targets, URLs, link labels and "**Label:**" stay as written
    protected = [m.span() for m in _PROTECTED.finditer(text)]
    for match in _CODE_WORD.finditer(text):
        if match.start() < pos or any(a < match.end() and match.start() < b for a, b in protected):
            continue
        start, end = match.span()
        word = match.group()
        if word[-1] in "([":
            close = _closing(text, end - 1)
            if close < 0 or text[end:close] in ("s)", "es)"):  # "function(s)" is prose
                continue
            if text.startswith("[^", end - 1):  # "rebuild[^1]": a footnote reference
                continue
            end = close
            while end < len(text) and text[end] in "([":  # get_db()() or x[0](y)
                more = _closing(text, end)
                if more < 0:
                    break
                end = more
            assigned = _ASSIGNED.search(text, pos, start)
            if assigned:
                start = assigned.start()
        elif (
            "." in word
            and "/" not in word
            and not word.endswith(_FILE_SUFFIXES)
            and (_NOT_DOTTED.search(word) or min(len(p) for p in word.split(".")) < 2)
        ):
            continue  # "e.g.", a version number: prose
        if start == pos and out and out[-1].endswith("`"):  # `super()` then `.__init__()`:
            out[-1] = f"{out[-1][:-1]}{text[start:end]}`"  # one span, or "``" shows
        else:
            out.append(text[pos:start])
            out.append(f"`{text[start:end]}`")
        pos = end
    out.append(text[pos:])
    return "".join(out)


_FILE_SUFFIXES = (".py", ".toml", ".cfg", ".ini", ".json", ".yaml", ".yml", ".xml", ".md")


def codify(value: object) -> str:
    """Entry prose with code-like words in code spans, so code reads the same everywhere:
    calls and subscripts whole (``get_session()``, ``Depends(get_db)``, ``X = Annotated[…]``),
    ``@decorators`` with their call (as escaping would put them: no ``@mention`` pings),
    file paths, ``key="value"``, dotted and snake_case names. Existing code spans and fenced
    code are left alone. Returns plain text (escape it with an ``md_*`` filter); the text a
    rendered report shows, which ``import-report`` reads back."""
    out_lines: list[str] = []
    fence: str | None = None
    for line in str(value).split("\n"):
        if fence is not None:
            out_lines.append(line)
            fence = _still_open(fence, line)
            continue
        opening = _fence_opening(line.lstrip(" "))
        if opening:
            fence = opening.group(2)
            out_lines.append(line)
            continue
        pieces = _split_code_spans(line)
        coded = "".join(piece if is_code else _codify_prose(piece) for is_code, piece in pieces)
        out_lines.append(
            "".join(
                piece if is_code else _unlinked(piece)
                for is_code, piece in _split_code_spans(coded)
            )
        )
    return "\n".join(out_lines)


def one_line(text: str) -> str:
    """Collapse all white space runs (newlines included) into single spaces."""
    return " ".join(text.split())


# What opens a block at the start of a list item's text: a list marker, an ATX heading
# or a thematic break ("- ---" is a rule, not an item; "1. * x" a nested list).
_LEAD_MARKER = re.compile(r"^(?:[-+*]|#{1,6}|(\d{1,9})[.)])(?=[ \t]|$)")
_LEAD_BREAK = re.compile(r"^(?:(?:\*[ \t]*){3,}|(?:_[ \t]*){3,}|(?:-[ \t]*){3,})$")


#: What else opens something at the start of a list item: a block quote, a task box.
_LEAD_OTHER = re.compile(r"^(?:>|\[[ xX]\](?=[ \t]|$))")


def _no_block_start(text: str) -> str:
    """``text`` with a backslash where its start would open a block (renders the same)."""
    if _LEAD_OTHER.match(text):  # "> /dev/null", "[x] done": the item's text
        return "\\" + text
    marker = _LEAD_MARKER.match(text)
    if marker and marker.group(1):  # "1. y" -> "1\. y"
        at = marker.end(1)
        return text[:at] + "\\" + text[at:]
    if marker or _LEAD_BREAK.match(text):
        return "\\" + text
    return text


def md_inline(value: object) -> Markdown:
    """Inline text on one line (list items, labels); its start opens no block."""
    return Markdown(_no_block_start(escape_inline(one_line(str(value)))))


def md_cell(value: object) -> Markdown:
    """A table cell: one line, ``|`` escaped, empty cells kept as a single space."""
    text = escape_inline(one_line(str(value)), cell=True)
    return Markdown(text or " ")


_TRAILING_HASHES = re.compile(r"(\s)(#+)$")


def md_heading(value: object) -> Markdown:
    """Heading text: one line; a trailing ``#`` run is escaped so it is not eaten."""
    text = escape_inline(one_line(str(value)))
    text = _TRAILING_HASHES.sub(lambda m: m.group(1) + "\\" + m.group(2), text)
    if text.startswith("#"):
        text = "\\" + text
    return Markdown(text)


_LINE_BREAK = re.compile(r"\r\n|[\r\n]")


def md_code_span(value: object) -> Markdown:
    """Inline code: a backtick fence longer than any run inside; one line. Runs of spaces
    inside are kept (a code span shows them, and an error message such as
    ``ERROR:    Error loading ASGI app`` is matched as printed); line breaks become spaces,
    controls are dropped, and the ends are trimmed."""
    text = _LINE_BREAK.sub(" ", _CONTROL.sub("", str(value))).strip()
    longest = max((len(m.group()) for m in _BACKTICKS.finditer(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return Markdown(f"{fence}{pad}{text}{pad}{fence}")


_LANG = re.compile(r"[^A-Za-z0-9_+.#-]")


def md_code(value: object, lang: object = "", file: object = "", bad: object = False) -> Markdown:
    """A fenced code block; the fence is longer than any backtick run in the code. The code
    is kept as written, final blank lines too (a reader of the block drops only the newline
    before the closing fence). ``file`` and ``bad`` (a ``<code file kind="bad">``) go in the
    info string after the language (``python file=app/x.py kind=bad``): GitHub shows the
    language only, and import-report reads them back."""
    text = _CONTROL.sub("", str(value))
    longest = max((len(m.group()) for m in _BACKTICKS.finditer(text)), default=0)
    fence = "`" * max(3, longest + 1)
    words = [_LANG.sub("", str(lang or ""))[:40]]
    if file and INFO_VALUE.fullmatch(str(file)):
        words.append(f"file={file}")
    if bad:
        words.append("kind=bad")
    return Markdown(f"{fence}{' '.join(w for w in words if w)}\n{text}\n{fence}")


#: What a link target never holds as itself: controls (a file name's newline, ESC, BEL), and
#: bidi and invisible characters.
_URL_CONTROL = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{BIDI_CONTROLS}{INVISIBLE}]")


def md_link(label: object, target: object, cell: bool = False) -> Markdown:
    """``[label](target)`` when the target is allowed; the label alone otherwise. With
    ``cell``, safe inside a table cell."""
    url = safe_url(str(target))
    label = escape_inline(one_line(str(label)), cell=cell, quiet=url is None)
    text = "".join(  # brackets escaped outside code spans (inside, a backslash would show)
        piece if is_code else piece.replace("[", "\\[").replace("]", "\\]")
        for is_code, piece in _split_code_spans(label)
    )
    if url is None:
        return Markdown(text)
    url = url.replace("<", "%3C").replace(">", "%3E")
    if not url.isprintable():  # a file name's newline or ESC: percent-encoded, as in a URL
        url = _URL_CONTROL.sub(lambda m: quote(m.group()), url)
    if any(c in url for c in " ()"):
        url = f"<{url}>"
    return Markdown(f"[{text or url}]({url})")


# ------------------------------------------------------------------ block text

_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
_ATX = re.compile(r"^( {0,3})(#{1,6})(?=\s|$)")
_SETEXT = re.compile(r"^( {0,3})(=+|-+)\s*$")
_REFDEF = re.compile(r"^( {0,3})\[([^\]\n]+)\]:\s*<?([^\s>]*)")
_QUOTE = re.compile(r"^(?: {0,3}> ?)+")
_ORDERED = re.compile(r"^( {0,3})(\d{1,9})[.)](?=[ \t]|$)")


def _fence_opening(line: str) -> re.Match[str] | None:
    """The match of a line that opens a code fence (a backtick fence has no backtick in its
    info string), else None."""
    opening = _FENCE.match(line)
    if opening and not (opening.group(2)[0] == "`" and "`" in opening.group(3)):
        return opening
    return None


def _still_open(fence: str, line: str) -> str | None:
    """``fence`` while ``line`` (inside the fenced block) does not close it, then None."""
    stripped = line.strip()
    return None if stripped.startswith(fence) and not stripped.strip(fence[0]) else fence


def _structure(line: str, min_heading: int) -> str:
    """Escape (or demote) a line-start ATX heading, a setext underline, an unsafe link
    definition; ``line`` has no container prefix."""
    heading = _ATX.match(line)
    if heading:
        level = len(heading.group(2))
        indent = heading.group(1)
        if not min_heading:
            return indent + "\\" + line[len(indent) :]
        if level < min_heading:
            return indent + "#" * min_heading + line[heading.end() :]
        return line
    if _SETEXT.match(line):
        indent = len(line) - len(line.lstrip(" "))
        return line[:indent] + "\\" + line[indent:]
    ref = _REFDEF.match(line)
    if ref and safe_url(ref.group(3)) is None:
        return ref.group(1) + "\\" + line[len(ref.group(1)) :]
    return line


def _block_lines(
    text: str, *, min_heading: int, code: bool = True, unsure: list[bool] | None = None
) -> list[str]:
    # Block structure is decided line by line before inline parsing, so each line is escaped
    # on its own: a code span never shields a line that starts with ``<``.
    out: list[str] = []
    fence: str | None = None
    listing = False  # an ordered list has begun at 1: its later numbers are items
    for line in text.split("\n"):
        if fence is not None:
            out.append(line)
            fence = _still_open(fence, line)
            continue
        opening = _fence_opening(line)
        if opening:
            fence = opening.group(2)
            info = opening.group(3).split()
            out.append(opening.group(1) + fence + (_LANG.sub("", info[0])[:40] if info else ""))
            continue
        quote = _QUOTE.match(line)
        prefix = quote.group() if quote else ""
        rest = line[len(prefix) :]
        if _LEAD_BREAK.match(rest.strip()):  # "***", "___", "- - -": text, not a rule
            indent = len(rest) - len(rest.lstrip())
            out.append(prefix + rest[:indent] + "\\" + rest[indent:])
            continue
        escaped = escape_inline(rest, code=code, unsure=unsure)
        ordered = _ORDERED.match(rest)  # (escaping keeps a list marker as it is)
        if ordered and not min_heading:
            starts_block = not out or not out[-1].strip()
            if ordered.group(2) == "1" or listing:
                listing = True
            elif starts_block:  # "2024. was the year": no list starts at 2024
                at = ordered.end(2)
                escaped = escaped[:at] + "\\" + escaped[at:]
        out.append(prefix + _structure(escaped, min_heading))
    if fence is not None:
        out.append(fence)
    return out


_PLAIN = re.compile(
    r"[<>&`@\[\]!*_$\\\r\x00-\x08\x0b-\x1f\x7f-\x9f]|#\d|GH-|^ {0,3}(?:#|=|-+\s*$|~~~|\d)",
    re.MULTILINE,
)


def _unindented(text: str) -> str:
    """Entry prose without the indentation of the XML around it, and without the indent that
    makes a paragraph an indented code block (Markdown-lite has fenced code only).

    The XML reader strips the white space around an element's text, so an entry written
    indented (``<description>`` on its own line, its text 8 spaces in) keeps the indent on
    every line but the first: its second paragraph rendered as a code block. Lines after the
    first lose what they share (unless the first is a list item); then a paragraph opening 4
    or more columns in, outside a list (whose later paragraphs are indented on purpose) and
    fences, starts at the margin."""
    lines = text.split("\n")
    later = [line for line in lines[1:] if line.strip()]
    if not later:
        return text
    common = min(len(line) - len(line.lstrip(" \t")) for line in later)
    if common and not _LIST_LEAD.match(lines[0]):  # (a list's later lines are its own)
        shared = later[0][:common]
        if all(line.startswith(shared) for line in later):
            lines[:] = [lines[0]] + [line[common:] if line.strip() else "" for line in lines[1:]]
    fence: str | None = None
    listed = False
    for i, line in enumerate(lines):
        if fence is not None:
            fence = _still_open(fence, line)
            continue
        opening = _fence_opening(line.lstrip(" \t"))
        if opening:
            fence = opening.group(2)
            continue
        listed = listed or bool(_LIST_LEAD.match(line))
        starts_block = i == 0 or not lines[i - 1].strip()
        if (
            starts_block
            and not listed
            and line.strip()
            and len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip()) >= 4
        ):
            lines[i] = line.lstrip(" \t")
    return "\n".join(lines)


def md_block(value: object) -> Markdown:
    """Multi-line text (descriptions, answers): paragraphs, lists and code fences kept;
    headings, setext underlines and unsafe link definitions escaped; HTML escaped; the
    indentation of the XML around the text dropped (:func:`_unindented`)."""
    text = str(value)
    if not _PLAIN.search(text) and "\n " not in text and "\n\t" not in text:
        return Markdown(text.strip("\n"))  # nothing to escape: the common case
    text = _CONTROL.sub("", text).replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    return Markdown(_blocks(_unindented(text), min_heading=0))


def _blocks(text: str, *, min_heading: int) -> str:
    """The lines escaped; again without code spans when, read whole, they render unsafely
    (a code span's backticks can pair across the lines of a paragraph)."""
    unsure = [False]
    out = "\n".join(_block_lines(text, min_heading=min_heading, unsure=unsure))
    if unsure[0] and renders_unsafely(out):
        out = "\n".join(_block_lines(text, min_heading=min_heading, code=False))
    return out


def md_section(value: object, min_level: int = 3) -> Markdown:
    """Kept-as-is section text: like :func:`md_block`, but headings stay headings, demoted to
    at least ``min_level`` so they nest under the section that holds them."""
    text = _CONTROL.sub("", str(value)).replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    return Markdown(_blocks(text, min_heading=max(1, min(min_level, 6))))


def md_item(value: object, width: int = 2) -> Markdown:
    """Block text as the body of a list item: lines after the first indented by ``width``."""
    lines = md_block(value).split("\n")
    pad = " " * width
    lines[0] = _no_block_start(lines[0])  # the item's own text, not a list or rule inside it
    return Markdown(lines[0] + "".join("\n" + (pad + line if line else "") for line in lines[1:]))


def md_indent(value: object, width: int = 2, first: bool = False) -> Markdown:
    """Indent Markdown (escaped first unless it already is) by ``width`` spaces."""
    text = value if isinstance(value, Markdown) else md_block(value)
    pad = " " * width
    lines = text.split("\n")
    head = (pad + lines[0]) if first and lines[0] else lines[0]
    return Markdown(head + "".join("\n" + (pad + line if line else "") for line in lines[1:]))


def tidy(text: str) -> str:
    """Collapse runs of blank lines outside code fences; one newline at the end."""
    out: list[str] = []
    fence: str | None = None
    blank = False
    for line in text.split("\n"):
        if fence is not None:
            out.append(line)
            fence = _still_open(fence, line)
            continue
        opening = _fence_opening(line.lstrip(" "))  # a fence inside a list item too
        if opening:
            fence = opening.group(2)
        if not line.strip():
            if out and not blank:
                out.append("")
            blank = True
            continue
        blank = False
        out.append(line)
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out) + "\n" if out else ""


def _slug(value: object) -> str:
    """GitHub's anchor of a heading written with ``md_heading``: of its text on one line, as
    the heading shows it (a title's tab or line break is one space there, so one hyphen)."""
    return slugify_heading(one_line(str(value)))


def _plural(n: int, word: str) -> str:
    """``{{ entries | length | plural("entry") }}`` → "1 entry", "2 entries"."""
    from kbtool.wording import plural

    return plural(int(n), str(word))


def finalize(value: object) -> object:
    """Jinja ``finalize`` hook: print :class:`Markdown` (and what a template marked ``|safe``)
    as is, escape everything else as block text."""
    if isinstance(value, Markdown | Markup):
        return value
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return str(value)
    return md_block(value)


FILTERS = {
    "md": md_block,
    "md_block": md_block,
    "md_section": md_section,
    "md_inline": md_inline,
    "md_cell": md_cell,
    "md_heading": md_heading,
    "md_code": md_code,
    "md_code_span": md_code_span,
    "md_link": md_link,
    "md_item": md_item,
    "md_indent": md_indent,
    "one_line": one_line,
    "codify": codify,
    "plural": _plural,
    "slug": _slug,
}
