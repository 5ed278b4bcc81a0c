"""Text from a pull request never becomes a command of the CI runner reading kbtool's output.

kbtool runs in CI on untrusted pull requests, and CI runners act on some lines of a step's
output (stdout and stderr alike):

- GitHub Actions (``actions/runner``, ``ActionCommand.TryParseV2``): a line that, after
  ``TrimStart()``, starts with ``::name`` and has a second ``::`` is a workflow command when
  ``name`` is registered (case-insensitively: ``add-mask``, ``error``, ``stop-commands``,
  ``set-output``, ``save-state``, ``group``, ``echo``, ``debug`` …). The older syntax
  (``TryParse``) finds ``##[name props]data`` ANYWHERE in a line (``IndexOf("##[")``).
  ``::stop-commands::TOKEN`` stops all processing (both syntaxes) until a line ``::TOKEN::``.
- Azure Pipelines (``azure-pipelines-agent``, ``Command.TryParse``): ``##vso[area.event
  props]data`` anywhere in a line (``IndexOf("##vso[")``); a processed line is not even
  written to the log. No stop-commands.
- TeamCity: ``##teamcity[name …]`` service messages; treated here as found anywhere in a
  line (the superset). No stop-commands.

Lines end at ``\\n``, ``\\r`` and ``\\r\\n`` (.NET ``ReadLine``), so a bare carriage return
starts a line too. ``IndexOf``/``StartsWith`` without a comparison argument are
culture-sensitive in .NET and may skip "ignorable" characters (C0 controls, zero-width and
bidi characters): this module lets such characters stand anywhere between the characters
of a marker.

**The decision.** One stream wrapper, :class:`CommandGuard`, wraps stdout and stderr in
``kbtool.__main__`` (inside :class:`kbtool.textsafe.EscapingStream`, so it sees hidden
characters already escaped) when a runner reads the stream: ``GITHUB_ACTIONS=true``,
``TF_BUILD`` (Azure) or ``TEAMCITY_VERSION`` set, and the stream is not a regular file
(``os.fstat``; ``kbtool plan > plan.md`` stays byte for byte what it was). It breaks every
marker with one backslash, the least visible change that still reads the same:

- a line whose first non-blank characters are ``::``, and that holds a second ``::``, starts
  ``\\::`` instead (``\\::error::x``);
- ``##[``, ``##vso[``, ``##teamcity[`` anywhere, a ``]`` after them, become ``#\\#[`` … .

In Markdown prose ``\\:`` and ``\\#`` render as ``:`` and ``#``, so a plan captured from a
pipe (``gh pr comment --body "$(kbtool plan …)"``) renders on GitHub as before; inside a
code block the backslash shows. The guard holds back an unfinished line until its end or a
``flush()``; a flush mid-line breaks a marker that the next write could complete.

Why not GitHub's ``::stop-commands::TOKEN`` … ``::TOKEN::`` span around the output:

- it protects GitHub only; Azure and TeamCity have nothing like it, and the guard is needed
  for them anyway;
- the runner reads stdout and stderr on two threads, so a span opened on one stream does not
  reliably cover the other's lines, and a second span closes the first;
- a span that is never closed (``kbtool search x | head``, a killed process) stops every
  later command of the step, a later ``::add-mask::$SECRET`` included: the secret is then
  printed in clear;
- its two lines would land in output captured through a pipe (a PR comment, ``| jq``).

Formats a program reads stay lossless: every JSON document kbtool prints goes through
:func:`json_dumps`, which writes the first ``#`` of each ``##`` marker as ``\\u0023`` (the
same string once decoded), so no JSON output holds a marker for the guard to break, and no
JSON line starts with ``::`` (each starts with indentation, a brace or a quote).

Commands kbtool means to give (``--format github`` annotations) go through
:func:`write_command`: written at the start of a line as they are, their data escaped as
the runner expects (:mod:`kbtool.reporters.github`), only ``##`` markers inside broken.
"""

from __future__ import annotations

import functools
import os
import re
import stat

from kbtool.textsafe import BIDI_CONTROLS, INVISIBLE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any, TextIO

#: Characters a culture-sensitive .NET comparison may skip (C0 controls but tab and line
#: ends, DEL, bidi and invisible characters).
_IGNORABLE = f"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f{BIDI_CONTROLS}{INVISIBLE}]*"
#: What ``TrimStart()`` removes (Unicode white space), with the ignorable characters.
_BLANK = f"[\\s\\x00-\\x1f\\x7f{BIDI_CONTROLS}{INVISIBLE}]*"
#: The markers found anywhere in a line, after ``##``.
_ANYWHERE = ("[", "vso[", "teamcity[")
#: Where .NET ``ReadLine`` ends a line.
_LINE_END = re.compile(r"(\r\n|\r|\n)")


def _spelled(word: str) -> str:
    return _IGNORABLE.join(re.escape(c) for c in word)


@functools.cache
def _patterns(open_end: bool) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(line start, ``##`` marker); with ``open_end`` the end of the text counts as a
    marker that the next write could finish."""
    # A marker counts only with what completes a command after it: a ``]`` (then ``##[``
    # opens one), a second ``::`` (then ``::name`` does); an unfinished line may get them.
    after_hashes = [_spelled(word) + r"(?=.*\])" for word in _ANYWHERE]
    start_next = f":.*:{_IGNORABLE}:"
    if open_end:
        after_hashes += [_spelled(word) for word in _ANYWHERE]
        after_hashes += [
            _spelled(word[:k]) + _IGNORABLE + r"\Z" for word in _ANYWHERE for k in range(len(word))
        ]
        start_next = r"(?::|\Z)"
    hashes = f"#(?={_IGNORABLE}#{_IGNORABLE}(?:{'|'.join(after_hashes)}))"
    if open_end:
        hashes += f"|#(?={_IGNORABLE}\\Z)"
    start = re.compile(f"^({_BLANK}):(?={_IGNORABLE}{start_next})")
    return start, re.compile(hashes, re.IGNORECASE)


def defuse_line(line: str, open_end: bool = False) -> str:
    """``line`` (no line end in it) with every runner command marker broken by a backslash."""
    if ":" not in line and "#" not in line:
        return line
    start, hashes = _patterns(open_end)
    line = hashes.sub("#\\\\", line)
    return start.sub("\\1\\\\:", line, count=1)


def defuse_markers(text: str) -> str:
    """``text`` with the markers found anywhere in a line (``##[``, ``##vso[``,
    ``##teamcity[``) broken, its start left alone: for a command kbtool means to give."""
    return _patterns(False)[1].sub("#\\\\", text) if "#" in text else text


def defuse(text: str) -> str:
    """Every line of ``text`` with its command markers broken (:func:`defuse_line`)."""
    parts = _LINE_END.split(text)
    parts[::2] = [defuse_line(part) for part in parts[::2]]
    return "".join(parts)


def json_dumps(data: Any, indent: int | None = None, compact: bool = False) -> str:
    """``json.dumps`` (non-ASCII kept) with the first ``#`` of each marker the guard would
    break (``##[``, ``##vso[``, ``##teamcity[``) written ``\\u0023``: the same JSON value,
    with nothing for the guard to change and no command for a runner. (Outside strings JSON
    has no ``#``, and ``\\u0023`` can follow any complete escape.)"""
    import json

    separators = (",", ":") if compact else None
    text = json.dumps(data, indent=indent, ensure_ascii=False, separators=separators)
    return _patterns(False)[1].sub(r"\\u0023", text) if "#" in text else text


def runner_reads(stream: Any) -> bool:
    """True when a CI runner that acts on commands reads ``stream``: GitHub Actions, Azure
    Pipelines or TeamCity, and the stream is not a regular file."""
    env = os.environ
    azure = env.get("TF_BUILD", "").strip().lower() not in ("", "false", "0")
    if env.get("GITHUB_ACTIONS") != "true" and not azure and not env.get("TEAMCITY_VERSION"):
        return False
    try:
        mode = os.fstat(stream.fileno()).st_mode
    except (AttributeError, OSError, ValueError):  # no descriptor (a test's stream): guard it
        return True
    return not stat.S_ISREG(mode)


def guarded(stream: TextIO) -> TextIO:
    """``stream`` behind a :class:`CommandGuard` when a runner reads it."""
    return CommandGuard(stream) if runner_reads(stream) else stream  # type: ignore[return-value]


def write_command(stream: Any, line: str) -> None:
    """Write ``line``, a command kbtool means to give (``::error file=…::…``), as a line of
    its own: past a :class:`CommandGuard`, with only the markers inside broken."""
    give = getattr(stream, "write_command", None)
    if give is not None:
        give(line)
    else:
        stream.write(line + "\n")


class CommandGuard:
    """A text stream that writes every line with its runner command markers broken
    (:func:`defuse_line`). An unfinished line is held back until its end or ``flush()``."""

    _KEEP = 64  # characters of the current line kept as context once it grows long

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._pending = ""  # the end of the text written, not yet a whole line
        self._line = ""  # what of the current line is already out (broken markers included)

    def write(self, text: str) -> int:
        pending = self._pending + text
        cut = max(pending.rfind("\n"), pending.rfind("\r"))
        if cut < 0:
            self._pending = pending
            return len(text)
        done, self._pending = pending[: cut + 1], pending[cut + 1 :]
        parts = _LINE_END.split(done)
        out = []
        for i, part in enumerate(parts):
            if i % 2:
                out.append(part)
                self._line = ""
            elif part or self._line:
                out.append(self._continue(part, open_end=False))
        self._stream.write("".join(out))
        return len(text)

    def _continue(self, text: str, open_end: bool) -> str:
        """``text`` as the continuation of the current line, its markers broken."""
        whole = defuse_line(self._line + text, open_end)
        if not whole.startswith(self._line):  # cannot happen: the line's start is settled
            return defuse_line(text, open_end)
        return whole[len(self._line) :]

    def flush(self) -> None:
        if self._pending:
            out = self._continue(self._pending, open_end=True)
            self._pending = ""
            self._stream.write(out)
            line = self._line + out
            if len(line) > 2 * self._KEEP:
                blank = re.fullmatch(_BLANK, line) is not None
                line = ("" if blank else "x") + line[-self._KEEP :]
            self._line = line
        self._stream.flush()

    def write_command(self, line: str) -> None:
        if self._pending or self._line:
            self.write("\n")
        self._stream.write(defuse_markers(line) + "\n")

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
