"""The console script leaves without the interpreter's teardown only when nothing needs it
(kbtool.__main__.script): same output, same exit status, exit hooks and threads honoured."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers_cli import subprocess_kbtool

REPO = Path(__file__).resolve().parent.parent

TEARDOWN = (
    "import sys\n"
    "class Noisy:\n"
    "    def __del__(self):\n"
    "        sys.stdout.write('teardown ran\\n')\n"
    "        sys.stdout.flush()\n"
    "keep = Noisy()\n"
    "sys.stdout.write('x' * 100000 + '\\n')  # more than a buffer: flushed before leaving\n"
)


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=REPO
    )


@pytest.mark.parametrize(("given", "status"), [(0, 0), (1, 1), (3, 3), (None, 0)])
def test_a_plain_exit_skips_the_teardown_and_keeps_output_and_status(
    given: int | None, status: int
) -> None:
    proc = _run(TEARDOWN + f"from kbtool.__main__ import _leave\n_leave({given!r})\n")
    assert proc.returncode == status
    assert proc.stdout == "x" * 100000 + "\n"  # all of it, and no teardown


def test_an_exit_hook_gets_the_usual_exit() -> None:
    code = (
        TEARDOWN
        + "import atexit\natexit.register(lambda: print('hook ran'))\n"
        + "from kbtool.__main__ import _leave\n_leave(1)\n"
    )
    proc = _run(code)
    assert proc.returncode == 1
    assert "hook ran" in proc.stdout


def test_a_running_thread_gets_the_usual_exit() -> None:
    code = (
        TEARDOWN
        + "import threading, time\n"
        + "threading.Thread(target=lambda: (time.sleep(0.2), print('thread done'))).start()\n"
        + "from kbtool.__main__ import _leave\n_leave(0)\n"
    )
    proc = _run(code)
    assert proc.returncode == 0
    assert "thread done" in proc.stdout  # waited for, as Python does


def test_a_message_status_gets_the_usual_exit() -> None:
    proc = _run("from kbtool.__main__ import _leave\n_leave('kbtool: gone')\n")
    assert proc.returncode == 1
    assert proc.stderr.strip() == "kbtool: gone"


def test_the_console_script_output_is_whole(tmp_path: Path) -> None:
    """A command's JSON through a pipe parses whole, with the exit status of the command."""
    proc = subprocess_kbtool(["list", "--format", "json"], REPO, tmp_path)
    assert proc.returncode == 0, proc.stderr
    listed = json.loads(proc.stdout)
    assert len(listed["entries"] if isinstance(listed, dict) else listed) > 50
    proc = subprocess_kbtool(["search", "--bogus-flag"], REPO, tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_the_console_script_is_script() -> None:
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert 'kbtool = "kbtool.__main__:script"' in text
