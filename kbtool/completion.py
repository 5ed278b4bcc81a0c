"""Shell completion: typer's scripts for bash, zsh and fish, and entry ids from the index.

``kbtool completion bash|zsh|fish`` prints the script (typer's); the shell then calls
``kbtool`` with ``_KBTOOL_COMPLETE=complete_<shell>`` and the words typed so far. Commands,
options and choices are completed by typer from the same definition as help and parsing.
Entry ids (``show``, ``links``, ``edit``, ``render``, ``report new``) come from the search
index, read-only: completion never builds or updates the index, and never writes a file.

The common case, an id right after the command (``kbtool show asy<TAB>``), is answered by
:func:`fast_complete` before typer is imported, so it takes about as long as ``kbtool
search``; anything else goes through typer, whose id arguments call :func:`entry_ids` too.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path

COMPLETE_VAR = "_KBTOOL_COMPLETE"
SHELLS = ("bash", "zsh", "fish")
#: Commands whose first positional argument is an entry id (render: after its template).
ID_AFTER = {("show",): 0, ("links",): 0, ("edit",): 0, ("report", "new"): 0, ("render",): 1}
MAX_IDS = 500


def entry_ids(prefix: str, root: str | Path | None = None) -> list[str]:
    """Ids in the index of the KB at ``root`` (or the one around the working folder) that
    start with ``prefix``; empty when there is no KB or no index yet."""
    from kbtool.config import load_config
    from kbtool.errors import KbError
    from kbtool.search.index import trusted_reader

    try:
        config = load_config(root=Path(root)) if root else load_config()
    except KbError:
        return []
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    try:
        conn = trusted_reader(config)  # a committed index.db is not read: it may be hostile
        if conn is None:
            return []
        try:
            rows = conn.execute(
                "SELECT DISTINCT id FROM entries WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT ?",
                (escaped + "%", MAX_IDS),
            ).fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return []
    # only plain ids: a hostile file's odd id must not reach the shell's eval
    return [
        str(i)
        for (i,) in rows
        if isinstance(i, str) and i and all(c.isascii() and (c.isalnum() or c == "-") for c in i)
    ]


def completion_args(shell: str, env: Mapping[str, str]) -> tuple[list[str], str]:
    """(words before the cursor without the program name, the word being completed), as
    typer's completion classes read them from the environment."""
    import shlex

    def split(text: str) -> list[str]:
        try:
            return shlex.split(text)
        except ValueError:
            return text.split()

    if shell == "bash":
        words = split(env.get("COMP_WORDS", ""))
        cword = int(env.get("COMP_CWORD", "0") or 0)
        return words[1:cword], words[cword] if cword < len(words) else ""
    typed = env.get("_TYPER_COMPLETE_ARGS", "")
    words = split(typed)[1:]
    if words and not typed.endswith(" "):
        return words[:-1], words[-1]
    return words, ""


def fast_complete(env: Mapping[str, str]) -> tuple[str, int] | None:
    """(output, exit code) for an entry-id completion request, or None for typer."""
    instruction = env.get(COMPLETE_VAR, "")
    action, _, shell = instruction.partition("_")
    if action != "complete" or shell not in SHELLS:
        return None
    args, incomplete = completion_args(shell, env)
    root = None
    while len(args) >= 2 and args[0] in ("--root", "--color"):
        root = args[1] if args[0] == "--root" else root
        args = args[2:]
    if incomplete.startswith("-") or any(a.startswith("-") for a in args):
        return None  # options and their values: typer knows them
    for command, position in ID_AFTER.items():
        if tuple(args[: len(command)]) == command and len(args) == len(command) + position:
            return format_ids(shell, entry_ids(incomplete, root), env)
    return None


def format_ids(shell: str, ids: list[str], env: Mapping[str, str]) -> tuple[str, int]:
    """The answer in each shell's protocol (typer's formats)."""
    if shell == "bash":
        return "\n".join(ids), 0
    if shell == "zsh":
        if not ids:
            return "_files", 0
        return "_arguments '*: :((" + "\n".join(f'"{i}"' for i in ids) + "))'", 0
    if env.get("_TYPER_COMPLETE_FISH_ACTION") == "is-args":
        return "", 0 if ids else 1
    return "\n".join(ids), 0


def run_fast_completion() -> int | None:
    """Answer a completion request without typer when :func:`fast_complete` can."""
    import sys

    answer = fast_complete(os.environ)
    if answer is None:
        return None
    text, code = answer
    if text:
        sys.stdout.write(text + "\n")
    return code
