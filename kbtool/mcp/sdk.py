"""Whether the MCP SDK (the ``kbtool[mcp]`` extra) can be used here: asked before serving, so
that its absence is one line and exit 3, not a traceback."""

from __future__ import annotations

INSTALL_HINT = "pip install 'kbtool[mcp]'"


def sdk_problem() -> str | None:
    """Why the MCP SDK cannot be used here (a one-line message), or None."""
    import importlib.util

    if importlib.util.find_spec("mcp") is None:
        return f"kbtool mcp needs the MCP Python SDK, which is not installed: {INSTALL_HINT}"
    try:
        import mcp.server.mcpserver  # noqa: F401
    except ImportError as exc:
        return f"kbtool mcp needs the MCP Python SDK 2.x ({exc}): {INSTALL_HINT}"
    return None
