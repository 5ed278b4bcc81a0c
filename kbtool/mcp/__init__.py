"""``kbtool mcp``: a Model Context Protocol server over the knowledge base (docs/mcp.md).

Only :mod:`kbtool.mcp.server` imports the ``mcp`` SDK (the ``kbtool[mcp]`` extra); the
tools themselves (:mod:`kbtool.mcp.tools`) are plain library calls.
"""
