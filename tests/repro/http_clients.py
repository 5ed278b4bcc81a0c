"""Reproductions behind learnings/http_clients.xml.

Documentation of how each symptom text was measured; not part of the test run (it needs
httpx and requests, which kbtool does not depend on). A local HTTP server in a thread plays
the slow or broken upstream, so no network is needed:

    python -m venv /tmp/http && /tmp/http/bin/pip install httpx==0.29.0 requests==2.34.2
    /tmp/http/bin/python tests/repro/http_clients.py CASE

Measured with CPython 3.11.7, httpx 0.29.0, requests 2.34.2 (urllib3 2.8.0). Addresses and
ports of the local server are masked with `…` in the stored symptoms. FIXED=1 runs each
entry's fix instead of the mistake.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FIXED = os.environ.get("FIXED") == "1"  # FIXED=1 runs the entry's fix instead of the mistake


class Upstream(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.startswith("/slow"):
            time.sleep(float(self.path.rsplit("/", 1)[1]))
        body = b"<html>maintenance</html>" if self.path == "/html" else b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def serve() -> str:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def silent_server() -> str:
    """Accepts connections and never answers (a hung upstream, a dropped packet)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(50)
    conns: list[socket.socket] = []
    threading.Thread(
        target=lambda: [conns.append(sock.accept()[0]) for _ in iter(int, 1)], daemon=True
    ).start()
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


def requests_no_timeout() -> None:
    """requests-without-timeout-hangs

    prints: requests.get(url) still waiting after 3 s: True
    """
    import requests

    url = silent_server()
    t = threading.Thread(target=lambda: requests.get(url), daemon=True)
    t.start()
    t.join(3)
    print("requests.get(url) still waiting after 3 s:", t.is_alive())
    requests.get(url, timeout=(3.05, 1))


def httpx_default_timeout() -> None:
    """httpx-default-timeout-five-seconds"""
    import httpx

    base = serve()
    print(httpx.get(f"{base}/slow/1").status_code, "after 1 s")
    slow = f"{base}/slow/6"
    response = httpx.get(slow, timeout=10) if FIXED else httpx.get(slow)  # default: 5 s
    print(response.status_code, "after 6 s")


def httpx_closed_client() -> None:
    """httpx-client-used-after-close"""
    import httpx

    base = serve()
    with httpx.Client() as client:
        client.get(base)
    client.get(base)


def httpx_pool_timeout() -> None:
    """httpx-pool-timeout-unclosed-streams"""
    import httpx

    base = serve()
    client = httpx.Client(limits=httpx.Limits(max_connections=2), timeout=httpx.Timeout(5, pool=1))
    held = []
    if FIXED:
        for n in range(3):
            with client.stream("GET", base) as response:
                print("stream", n + 1, response.status_code, response.read())
        return
    for _ in range(3):
        request = client.build_request("GET", base)
        held.append(client.send(request, stream=True))  # never read nor closed
        print("stream", len(held), "open")


def urllib3_pool_full() -> None:
    """requests-session-pool-full-threads"""
    import requests

    logging.basicConfig(level=logging.WARNING)
    base = serve()
    session = requests.Session()
    if FIXED:
        from requests.adapters import HTTPAdapter

        session.mount("http://", HTTPAdapter(pool_connections=4, pool_maxsize=32))
    with ThreadPoolExecutor(max_workers=30) as pool:
        print(
            len(list(pool.map(lambda _: session.get(f"{base}/slow/0.2", timeout=5), range(60)))),
            "responses",
        )


def requests_json_html() -> None:
    """requests-json-decode-error-non-json-body"""
    import requests

    base = serve()
    requests.get(f"{base}/html", timeout=5).json()


CASES = {
    f.__name__: f
    for f in (
        requests_no_timeout,
        httpx_default_timeout,
        httpx_closed_client,
        httpx_pool_timeout,
        urllib3_pool_full,
        requests_json_html,
    )
}

if __name__ == "__main__":
    CASES[sys.argv[1]]()
