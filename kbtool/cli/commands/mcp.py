"""The ``kbtool mcp`` command: serve the knowledge base to coding assistants over stdio.

Declared as the new commands are (``DOC``, ``OPTS``, ``mcp_command``); no typer and no MCP
SDK import here, so ``kbtool --help`` stays cheap and a missing extra is a clear message.
"""

from __future__ import annotations

from pathlib import Path

from kbtool.cli.options import Opt
from kbtool.mcp.budget import DEFAULT_MAX_CHARS, MIN_MAX_CHARS
from kbtool.mcp.sdk import INSTALL_HINT

DOC = f"""Serve the learnings to coding assistants: a Model Context Protocol server on stdio.

Tools: match_error, search, get_entry, plan, check_code, propose_entry; resources
kb://entry/{{id}}, kb://category/{{name}}, kb://stats; the prompt "triage". Read-only unless
--allow-write (propose_entry then adds entries with status "proposed"). Needs the MCP SDK:
{INSTALL_HINT}. Registering it with an assistant: docs/mcp.md."""

OPTS = (
    Opt(
        "allow_write",
        ("--allow-write",),
        'Let propose_entry add draft entries (status "proposed"); never overwrites.',
        kind=bool,
        default=False,
    ),
    Opt(
        "max_chars",
        ("--max-chars",),
        f"Size limit of each answer, in characters of JSON (at least {MIN_MAX_CHARS}); "
        "longer answers are cut and marked truncated.",
        kind=int,
        default=DEFAULT_MAX_CHARS,
        metavar="N",
    ),
)


def mcp_command(*, root: str | Path | None, allow_write: bool, max_chars: int) -> int:
    """Run ``kbtool mcp`` until the client disconnects; the exit code."""
    from kbtool.config import load_config, require_learnings
    from kbtool.errors import ConfigError, UsageError

    if max_chars < MIN_MAX_CHARS:
        raise UsageError(f"--max-chars must be at least {MIN_MAX_CHARS}, not {max_chars}")
    from kbtool.mcp.sdk import sdk_problem

    problem = sdk_problem()
    if problem is not None:
        raise ConfigError(problem)
    config = require_learnings(load_config(None, root=Path(root) if root else None))
    import os

    # Paths in answers and the detectors' file globs are relative to the KB root, as when
    # kbtool scan runs there; the server is a process of its own.
    os.chdir(config.root)

    from kbtool.mcp.server import serve
    from kbtool.mcp.tools import KbTools

    serve(KbTools(config, max_chars=max_chars, allow_write=allow_write))
    return 0
