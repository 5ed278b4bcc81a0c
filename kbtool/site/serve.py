"""Preview a built site: the standard library's HTTP server, bound to loopback only."""

from __future__ import annotations

import functools
import http.server
from collections.abc import Callable
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"


class _Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a search fetches several small files
    extensions_map = {  # noqa: RUF012 - the base class declares it a mutable class attribute
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript; charset=utf-8",  # the search index holds entry text
        ".json": "application/json",
        ".css": "text/css",
        ".html": "text/html; charset=utf-8",
    }

    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def make_server(folder: Path, port: int) -> http.server.ThreadingHTTPServer:
    """A server for ``folder`` on 127.0.0.1:``port`` (0: any free port), not yet serving."""
    handler = functools.partial(_Handler, directory=str(folder))
    return http.server.ThreadingHTTPServer((HOST, port), handler)


def serve(folder: Path, port: int, announce: Callable[[str], None]) -> None:
    """Serve ``folder`` until interrupted."""
    server = make_server(folder, port)
    host, bound = server.server_address[:2]
    announce(f"serving {folder} at http://{host!s}:{bound}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
