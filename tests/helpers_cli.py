"""Run the kbtool CLI in-process the way ``kbtool.cli.run`` does (errors → message + code)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from kbtool.errors import KbError


@dataclass
class Result:
    code: int
    out: str
    err: str


def cli(*args: str, stdin: str | None = None) -> Result:
    from kbtool.cli import app

    runner = CliRunner()
    result = runner.invoke(app, list(args), input=stdin, catch_exceptions=True)
    err = result.stderr
    code = result.exit_code
    exc = result.exception
    if isinstance(exc, KbError):
        err += f"kbtool: error: {exc}\n"
        code = exc.exit_code
    elif exc is not None and not isinstance(exc, SystemExit):
        raise exc
    return Result(code, result.stdout, err)


def imported_modules(argv: list[str], cwd: Path) -> tuple[str, set[str]]:
    """(stdout, every module imported) of ``kbtool ARGV`` run as the console script does."""
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: sys.stderr.write("
        "'MODULES ' + ' '.join(sorted(sys.modules)) + '\\n'))\n"
        f"sys.argv = ['kbtool', *{argv!r}]\n"
        "from kbtool.__main__ import main\n"
        "main()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, check=False
    )
    line = next(ln for ln in proc.stderr.splitlines() if ln.startswith("MODULES"))
    return proc.stdout, set(line.split()[1:])


def subprocess_kbtool(
    args: list[str], cwd: Path, tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    """A real ``python -m kbtool`` process (for what only a process shows)."""
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "KBTOOL_DEBUG")}
    env.update(NO_COLOR="1", XDG_CACHE_HOME=str(tmp_path / "xdg"), COLUMNS="100")
    return subprocess.run(
        [sys.executable, "-m", "kbtool", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
