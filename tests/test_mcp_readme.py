"""The README's snippets that register ``kbtool mcp`` with assistants are valid JSON in each
assistant's shape, and the command line each gives starts a working server.

The command ``kbtool`` (or the path of a venv's ``kbtool``) is run as ``python -m kbtool``
(the console script of the installed kbtool); placeholders (``${workspaceFolder}``,
``/path/to/repo``) become a fixture project, and a snippet without ``--root`` starts in it.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("mcp.server.mcpserver")

from mcp import ClientSession
from test_mcp import REPO, make_project, run_session

SECTION = "## For coding assistants: `kbtool mcp`"
PLACEHOLDERS = ("${workspaceFolder}", "/path/to/repo")


def snippets() -> list[dict[str, Any]]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.index("\n## ", start + len(SECTION))
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", text[start:end], re.S)]


def server_entry(snippet: dict[str, Any]) -> dict[str, Any]:
    """The kbtool server of a snippet: under ``mcpServers`` (Claude, Cursor) or ``servers``
    (VS Code, which also wants ``type: stdio``)."""
    if "servers" in snippet:
        entry = snippet["servers"]["kbtool"]
        assert entry["type"] == "stdio"
        return entry  # type: ignore[no-any-return]
    assert set(snippet) == {"mcpServers"}
    return snippet["mcpServers"]["kbtool"]  # type: ignore[no-any-return]


def test_the_readme_has_a_snippet_for_each_assistant() -> None:
    found = snippets()
    assert len(found) == 4  # Claude Code, Claude Desktop, VS Code, Cursor
    for snippet in found:
        entry = server_entry(snippet)
        assert Path(entry["command"]).name == "kbtool"
        assert entry["args"][0] == "mcp"
        assert set(entry) <= {"type", "command", "args"}


def argv_of(entry: dict[str, Any], project: Path) -> list[str]:
    args = [project.as_posix() if a in PLACEHOLDERS else a for a in entry["args"]]
    leftovers = [a for a in args if "$" in a or "/path/to" in a]
    assert not leftovers, f"unknown placeholder in {entry['args']}"
    return [sys.executable, "-m", "kbtool", *args]


def test_each_snippet_starts_the_server(tmp_path: Path) -> None:
    project = make_project(tmp_path / "repo")
    started: dict[tuple[str, ...], list[str]] = {}
    for snippet in snippets():
        argv = argv_of(server_entry(snippet), project)
        if tuple(argv) in started:
            continue

        async def body(session: ClientSession) -> dict[str, Any]:
            tools = await session.list_tools()
            found = await session.call_tool(
                "match_error", {"text": "RuntimeError: Never call result.get() within a task!"}
            )
            return {"tools": [t.name for t in tools.tools], "match": found.structured_content}

        got = run_session(argv, body, cwd=project)  # a snippet without --root starts here
        started[tuple(argv)] = got["tools"]
        assert "match_error" in got["tools"] and "propose_entry" in got["tools"]
        assert got["match"]["hits"][0]["id"] == "celery-result-get-inside-task"
    assert len(started) == 2  # with and without --root
