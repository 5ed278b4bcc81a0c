"""Run the kbtool CLI in-process the way ``kbtool.cli.run`` does (errors → message + code)."""

from __future__ import annotations

from dataclasses import dataclass

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
