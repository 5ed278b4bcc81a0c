"""Reproductions behind learnings/testing_isolation.xml.

Documentation of how each symptom text was measured; not part of the test run. Each case
writes a tiny project with tests into a temporary folder and runs pytest on it in a
subprocess, printing pytest's output:

    python -m venv /tmp/ti && /tmp/ti/bin/pip install pytest==9.2.0 pytest-asyncio==1.5.0
    /tmp/ti/bin/python tests/repro/testing_isolation.py CASE

Measured with pytest 9.2.0 and pytest-asyncio 1.5.0 on CPython 3.11.7 and 3.12.1 (the mock
typo case differs between them). Module, test and mock names are masked with `…` in the
stored symptoms. FIXED=1 runs each entry's fix instead of the mistake.
"""

# ruff: noqa: E501 - the embedded sources of the throw-away projects stay one string per file

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

FIXED = os.environ.get("FIXED") == "1"


def pytest(files: dict[str, str], *args: str) -> None:
    root = Path(tempfile.mkdtemp())
    for name, text in files.items():
        Path(root, name).parent.mkdir(parents=True, exist_ok=True)
        Path(root, name).write_text(text)
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-o",
        "asyncio_default_fixture_loop_scope=function",
        *args,
    ]
    out = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
    print(out.stdout + out.stderr)


APP = {
    "app/__init__.py": "",
    "app/mailer.py": "def send(to: str) -> None:\n    raise RuntimeError('real mail server called')\n",
    "app/signup.py": "from app.mailer import send\n\n\ndef signup(email: str) -> None:\n    send(email)\n",
    "conftest.py": "",
}


def patch_target() -> None:
    """mock-patch-where-defined-not-where-used"""
    target = "app.signup.send" if FIXED else "app.mailer.send"
    test = f"""
from unittest.mock import patch

from app.signup import signup


def test_signup_sends_mail():
    with patch("{target}") as send:
        try:
            signup("ada@example.com")
        except RuntimeError as exc:
            print(exc)
        send.assert_called_once()
"""
    pytest({**APP, "tests/test_signup.py": test})


def mock_typo() -> None:
    """mock-assertion-typo-always-passes

    prints: 1 passed
    """
    call = "assert_called_once_with" if FIXED else "called_once_with"
    test = f"""
from unittest.mock import patch

from app.signup import signup


def test_signup_sends_mail():
    with patch("app.signup.send") as send:
        signup("ada@example.com")
        send.{call}("bob@example.com")   # wrong address: must fail
"""
    pytest({**APP, "tests/test_signup.py": test})


def magicmock_await() -> None:
    """mock-magicmock-awaited"""
    mock = "AsyncMock" if FIXED else "MagicMock"
    files = {
        "app/__init__.py": "",
        "app/rates.py": "async def fetch_rate(cur: str) -> float:\n    raise RuntimeError('network')\n\n\nasync def price(eur: float) -> float:\n    return eur * await fetch_rate('USD')\n",
        "tests/test_price.py": f"""
from unittest.mock import {mock}, patch

import pytest

from app.rates import price


@pytest.mark.asyncio
async def test_price():
    with patch("app.rates.fetch_rate", new={mock}(return_value=2.0)):
        assert await price(10) == 20.0
""",
        "conftest.py": "",
    }
    pytest(files)


def env_leak() -> None:
    """pytest-environ-leak-between-tests"""
    setter = (
        'monkeypatch.setenv("LOG_LEVEL", "debug")' if FIXED else 'os.environ["LOG_LEVEL"] = "debug"'
    )
    files = {
        "app/__init__.py": "",
        "app/config.py": "import os\n\n\ndef log_level() -> str:\n    return os.environ.get('LOG_LEVEL', 'info')\n",
        "tests/test_a_debug.py": f"import os\n\nfrom app.config import log_level\n\n\ndef test_debug_level(monkeypatch):\n    {setter}\n    assert log_level() == 'debug'\n",
        "tests/test_b_default.py": "from app.config import log_level\n\n\ndef test_default_level():\n    assert log_level() == 'info'\n",
        "conftest.py": "",
    }
    pytest(files)
    pytest(files, "tests/test_b_default.py")


CASES = {f.__name__: f for f in (patch_target, mock_typo, magicmock_await, env_leak)}

if __name__ == "__main__":
    CASES[sys.argv[1]]()
