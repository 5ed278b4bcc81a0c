"""HTML from untrusted text: link filtering, fix reports (Markdown) and highlighted code.

Every string comes from a pull request. Links keep only http, https, mailto or a relative
target (:func:`kbtool.hrefs.safe_url`, the rule of every output); Markdown is rendered by
markdown-it-py with raw HTML disabled, so a ``<script>`` in a report is text; code is
highlighted by Pygments, whose HTML formatter escapes every token and emits only ``<span
class>`` (no inline styles: the site's Content-Security-Policy forbids them).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from markupsafe import Markup, escape

from kbtool.hrefs import safe_url

MAX_HIGHLIGHT_CHARS = 64 * 1024  # longer code is shown plain (lexers are regular expressions)
_LANG = re.compile(r"^[a-z0-9][a-z0-9+#._-]{0,31}$")
#: Seconds one code block may spend in its lexer, and all blocks of a process together.
#: Pygments' lexers are regular expressions, and the language is the pull request's choice:
#: the systemd lexer took 58 s on 2,000 characters made for it, Python's 2 s on 64 KiB of
#: blank lines. A block past its time, or any block once the total is spent, is plain text.
#: Where no interval timer can stop a lexer (another thread, Windows), only code of at most
#: :data:`UNTIMED_CHARS` characters is highlighted.
BLOCK_SECONDS = 0.5
TOTAL_SECONDS = 20.0
UNTIMED_CHARS = 256
_spent = [0.0]


@lru_cache(maxsize=1)
def _markdown() -> Any:
    from markdown_it import MarkdownIt

    md: Any = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.validateLink = lambda url: safe_url(url) is not None
    default_fence = md.renderer.rules.get("fence")

    def fence(_renderer: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        lang = token.info.strip().split(" ")[0] if token.info else ""
        if lang:
            return f'<pre class="code"><code>{highlight(token.content, lang)}</code></pre>\n'
        return str(default_fence(tokens, idx, options, env)) if default_fence else ""

    md.add_render_rule("fence", fence)
    return md


_CODE_SPAN = re.compile(r"`([^`\n]+)`")


def inline(text: str) -> Markup:
    """Entry prose as HTML: escaped, then its backtick spans as ``<code>`` (the only markup
    entry text gets; the span's content is already escaped)."""
    return Markup(_CODE_SPAN.sub(r"<code>\1</code>", str(escape(text))))  # noqa: S704


def markdown(text: str, *, shift: int = 2) -> Markup:
    """A fix report as HTML: raw HTML escaped, unsafe link targets dropped to text, headings
    ``shift`` levels down (a report sits under the page's own ``<h2>``)."""
    md = _markdown()
    tokens = md.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1:]) + shift)}"
    return Markup(md.renderer.render(tokens, md.options, {}))  # noqa: S704 - html disabled


def highlight(code: str, lang: str | None) -> Markup:
    """Code as HTML: escaped tokens in ``<span class="…">`` (Pygments short class names),
    plain escaped text when the language is unknown or the code too long."""
    name = (lang or "").strip().lower()
    if not name or not _LANG.match(name) or len(code) > MAX_HIGHLIGHT_CHARS:
        return escape(code)
    lexer = _lexer(name)
    if lexer is None or _spent[0] >= TOTAL_SECONDS:
        return escape(code)
    html = _timed_highlight(code, lexer)
    if html is None:
        return escape(code)
    return Markup(html.rstrip("\n") if not code.endswith("\n") else html)  # noqa: S704


class _OutOfTime(Exception):
    pass


def _timed_highlight(code: str, lexer: Any) -> str | None:
    """Pygments' HTML for ``code``, or None when it took longer than :data:`BLOCK_SECONDS`
    (an interval timer interrupts the lexer: ``re`` checks for signals as it matches)."""
    import signal
    import threading
    import time

    from pygments import highlight as run

    timed = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not timed:
        return run(code, lexer, _formatter()) if len(code) <= UNTIMED_CHARS else None

    def out_of_time(_signum: int, _frame: Any) -> None:
        raise _OutOfTime

    start = time.monotonic()
    previous = signal.signal(signal.SIGALRM, out_of_time) or signal.SIG_DFL
    try:
        signal.setitimer(signal.ITIMER_REAL, min(BLOCK_SECONDS, TOTAL_SECONDS - _spent[0]))
        try:
            return str(run(code, lexer, _formatter()))
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _OutOfTime:
        return None
    finally:
        signal.signal(signal.SIGALRM, previous)
        _spent[0] += time.monotonic() - start


@lru_cache(maxsize=1)
def _formatter() -> Any:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(nowrap=True)


@lru_cache(maxsize=64)
def _lexer(name: str) -> Any:
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(name, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


def highlight_css() -> str:
    """The stylesheet of the highlighted tokens: a light theme, and a dark one under
    ``prefers-color-scheme: dark``."""
    from pygments.formatters import HtmlFormatter

    light = HtmlFormatter(style="friendly").get_style_defs(".code")
    dark = HtmlFormatter(style="monokai").get_style_defs(".code")
    dark = "\n".join("  " + line for line in dark.splitlines())
    return f"{light}\n@media (prefers-color-scheme: dark) {{\n{dark}\n}}\n"
