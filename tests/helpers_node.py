"""Running the site's JavaScript (``kbtool/site/static``) in Node, outside a browser."""

from __future__ import annotations

import shutil
import subprocess
from importlib.resources import files
from pathlib import Path

import pytest


def static(name: str) -> Path:
    """A file of the installed package's ``kbtool/site/static``."""
    return Path(str(files("kbtool.site") / "static" / name))


def run_node(
    code: str, *args: str, stdin: str | None = None, timeout: int = 120, why: str = ""
) -> str:
    """The standard output of ``node -e code args…`` fed ``stdin``; the test is skipped
    (saying ``why`` it needs Node) when there is no ``node`` on PATH, and fails with the
    end of its standard error when Node does."""
    node = shutil.which("node")
    if node is None:
        pytest.skip(f"no node on PATH{': ' + why if why else ''}")
    run = subprocess.run(
        [node, "-e", code, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout
