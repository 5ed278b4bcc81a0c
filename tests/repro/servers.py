"""Reproductions behind learnings/servers.xml (uvicorn and gunicorn).

Documentation of how each symptom text was measured; not part of the test run. Each case
writes a tiny app into a temporary folder, starts the real server on a free local port in a
subprocess, makes a request when needed, stops the server and prints what it logged:

    python -m venv /tmp/srv
    /tmp/srv/bin/pip install uvicorn==0.55.0 gunicorn==27.0.1 fastapi==0.165.0 uvicorn-worker==0.4.0
    /tmp/srv/bin/python tests/repro/servers.py CASE

Measured with CPython 3.11.7, uvicorn 0.55.0, gunicorn 27.0.1, FastAPI 0.165.0 (Starlette
1.10.0), uvicorn-worker 0.4.0. FIXED=1 runs each entry's fix instead. Ports, pids, paths and
module names are masked with `…` in the stored symptoms.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent
FIXED = os.environ.get("FIXED") == "1"  # FIXED=1 runs the entry's fix instead of the mistake

WSGI_SLOW = """
import time

def app(environ, start_response):
    time.sleep(5)   # a slow report, a hung upstream call
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"done"]
"""

FASTAPI_APP = """
from fastapi import FastAPI
import uvicorn

app = FastAPI()

@app.get("/")
def root():
    return {"ok": True}

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(__import__("sys").argv[1]), reload=True)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(args: list[str], files: dict[str, str]) -> tuple[subprocess.Popen[str], int]:
    folder = tempfile.mkdtemp()
    for name, text in files.items():
        Path(folder, name).parent.mkdir(exist_ok=True)
        Path(folder, name).write_text(text)
    os.chdir(folder)
    port = free_port()
    cmd = [a.replace("{port}", str(port)) for a in args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    time.sleep(2)
    return proc, port


def request(port: int, timeout: float = 10) -> None:
    for _ in range(10):  # a reloading server takes a moment to listen
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.5)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=timeout) as r:
            print("response:", r.status, r.read())
    except Exception as exc:  # the symptom seen by the client
        print("client error:", type(exc).__name__, exc)


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    out, _ = proc.communicate(timeout=20)
    print(out)


def gunicorn_timeout() -> None:
    """gunicorn-worker-timeout-sigkill"""
    proc, port = start(
        [
            str(BIN / "gunicorn"),
            "-b",
            "127.0.0.1:{port}",
            "--timeout",
            "10" if FIXED else "2",
            "main:app",
        ],
        {"main.py": WSGI_SLOW},
    )
    request(port)
    stop(proc)


def gunicorn_asgi_sync_worker() -> None:
    """gunicorn-asgi-app-with-sync-worker"""
    worker = ["-k", "uvicorn_worker.UvicornWorker"] if FIXED else []  # pip install uvicorn-worker
    proc, port = start(
        [str(BIN / "gunicorn"), "-b", "127.0.0.1:{port}", *worker, "main:app"],
        {"main.py": FASTAPI_APP},
    )
    request(port)
    stop(proc)


def uvicorn_reload_object() -> None:
    """uvicorn-reload-needs-import-string"""
    app = (
        FASTAPI_APP.replace("uvicorn.run(app,", 'uvicorn.run("main:app",') if FIXED else FASTAPI_APP
    )
    proc, port = start([sys.executable, "main.py", "{port}"], {"main.py": app})
    request(port)
    stop(proc)


def uvicorn_port_in_use() -> None:
    """uvicorn-address-already-in-use"""
    first, port = start(
        [str(BIN / "uvicorn"), "--port", "{port}", "main:app"], {"main.py": FASTAPI_APP}
    )
    second = subprocess.run(
        [str(BIN / "uvicorn"), "--port", str(port), "main:app"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    print(second.stdout + second.stderr)
    stop(first)


def uvicorn_import_error() -> None:
    """uvicorn-could-not-import-module"""
    folder = tempfile.mkdtemp()
    Path(folder, "app").mkdir()
    Path(folder, "app", "main.py").write_text(FASTAPI_APP)
    os.chdir(folder)
    if FIXED:
        files = {"app/__init__.py": "", "app/main.py": FASTAPI_APP}
        proc, port = start([str(BIN / "uvicorn"), "--port", "{port}", "app.main:app"], files)
        request(port)
        stop(proc)
        return
    out = subprocess.run(
        [str(BIN / "uvicorn"), "main:app"], capture_output=True, text=True, timeout=30
    )
    print(out.stdout + out.stderr)


CASES = {
    f.__name__: f
    for f in (
        gunicorn_timeout,
        gunicorn_asgi_sync_worker,
        uvicorn_reload_object,
        uvicorn_port_in_use,
        uvicorn_import_error,
    )
}

if __name__ == "__main__":
    CASES[sys.argv[1]]()
