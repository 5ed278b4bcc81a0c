"""The command table is the one definition of the CLI: the start-up fast path and the typer
app parse every option of every command to the same values.

Each command's ``OPTS`` drive the sample command lines (each flag spelling, ``--flag=value``,
repeated list options, positionals, the global options before and after the command), so a
new command or option is covered without editing this file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kbtool.cli import fast
from kbtool.cli.commands import COMMANDS, Command
from kbtool.cli.options import GLOBAL_OPTS, Opt


def _value(opt: Opt) -> str:
    if opt.choices:
        return next((c for c in opt.choices if c != opt.default), opt.choices[0])
    if opt.kind is int:
        return str(max(7, opt.minimum or 0))
    return f"v-{opt.name}"


def _required(opts: tuple[Opt, ...]) -> list[str]:
    return [_value(o) for o in opts if not o.flags and o.required]


def _samples(command: Command) -> list[list[str]]:
    """Command lines (after the command's name) that exercise each of its options."""
    opts = command.parts()[0]
    base = _required(opts)
    samples = [base]
    for opt in opts:
        if not opt.flags:
            if not opt.required:  # an optional positional: given
                before = [_value(o) for o in opts if not o.flags and o.required]
                given = [_value(opt), *(["w-2"] if opt.kind is list else [])]
                samples.append([*before, *given])
            continue
        for flag in opt.flags:
            if opt.kind is bool:
                samples.append([*base, flag])
            elif opt.kind is list:
                samples.append([flag, "a", *base, flag, "b"])
            else:
                samples.append([*base, flag, _value(opt)])
                if flag.startswith("--"):
                    samples.append([f"{flag}={_value(opt)}", *base])
    samples.append([*base, "--root", "kb-after", "--color", "never"])
    samples.append([*base, "--root=kb-after", "--color=always"])
    return samples


CASES = [
    pytest.param(command, args, id=f"{command.name} {' '.join(args)}")
    for command in COMMANDS
    for args in _samples(command)
]


def _typer_parse(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[Any, ...]:
    from kbtool.cli import app

    seen: list[tuple[Any, ...]] = []

    def record(command: Command, root: Any, color: Any, values: dict[str, Any]) -> int:
        seen.append((command.name, root, color, values))
        return 0

    monkeypatch.setattr(fast, "invoke", record)
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 0, (result.output, result.exception)
    assert len(seen) == 1
    return seen[0]


@pytest.mark.parametrize(("command", "args"), CASES)
def test_fast_path_and_typer_parse_the_same(
    command: Command, args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for argv in ([*command.name.split(), *args], ["--root", "kb", *command.name.split(), *args]):
        parsed = fast.parse_command(argv)
        assert parsed is not None, argv  # the fast path understood it
        typer_seen = _typer_parse(argv, monkeypatch)
        assert (parsed.command.name, parsed.root, parsed.color, parsed.values) == typer_seen
    # every option given in the samples reached the command with the value given
    given = fast.parse_command([*command.name.split(), *args])
    assert given is not None
    for opt in command.parts()[0]:
        if any(a == f or a.startswith(f"{f}=") for f in opt.flags for a in args):
            assert given.values[opt.name] not in (None, [], False), opt.name


def test_every_option_of_every_command_is_sampled() -> None:
    sampled = {(c.name, a) for c, args in ((p.values[0], p.values[1]) for p in CASES) for a in args}
    for command in COMMANDS:
        for opt in command.parts()[0]:
            for flag in opt.flags:
                assert any(
                    a == flag or a.startswith(f"{flag}=") for n, a in sampled if n == command.name
                ), (command.name, flag)


def test_flags_are_unique_within_a_command_and_globals_are_not_reused() -> None:
    global_flags = {f for o in GLOBAL_OPTS for f in o.flags}
    for command in COMMANDS:
        flags = [f for o in command.parts()[0] for f in o.flags]
        assert len(flags) == len(set(flags)), command.name
        assert not set(flags) & global_flags, command.name


@pytest.mark.parametrize(
    ("argv", "root"),
    [
        (["search", "x", "--root", "kb"], "kb"),
        (["search", "--root=kb", "x"], "kb"),
        (["--root", "a", "list", "--root", "b"], "b"),  # the last one wins
        (["report", "new", "--root", "kb", "ID"], "kb"),
        (["search", "--", "--root", "x"], None),  # a query, not an option
    ],
)
def test_root_goes_before_or_after_the_command(argv: list[str], root: str | None) -> None:
    parsed = fast.parse_command(argv)
    assert parsed is not None and parsed.root == root
    if argv[:2] == ["search", "--"]:
        assert parsed.values["query"] == ["--root", "x"]


@pytest.mark.parametrize(
    "argv", [["search", "x", "--root"], ["--root", "kb"], [], ["--root"], ["--color", "x"]]
)
def test_incomplete_global_options_go_to_typer(argv: list[str]) -> None:
    assert fast.parse_command(argv) is None


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["search", "-n", "0", "session"], "kbtool: error: --limit must be at least 1, not 0\n"),
        (
            ["scan", "--baseline", "no-such.json", "."],
            "kbtool: error: --baseline no-such.json: no such file "
            "(create it with --write-baseline)\n",
        ),
        (
            ["search", "--since", "2027", "--until", "2020", "x"],
            "kbtool: error: --since 2027-01-01 is after --until 2020-12-31: "
            "no date is in between\n",
        ),
    ],
)
def test_library_errors_are_worded_with_the_commands_flags(
    argv: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The library names its parameters; the CLI spells them as the command's flags."""
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    assert fast.run_fast(argv) == 2
    assert capsys.readouterr().err == message


def test_end_of_input_at_a_prompt_aborts(tmp_path: Path) -> None:
    """``kbtool new`` on a terminal asks; Ctrl-D there is ``kbtool: aborted``, exit 1 (as
    typer's prompt said before the prompt moved out of typer)."""
    import os
    import pty
    import subprocess
    import sys

    (tmp_path / "learnings").mkdir()
    master, slave = pty.openpty()
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kbtool", "new"],
        cwd=tmp_path,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
    )
    os.close(slave)
    output = b""
    while b"Title" not in output:
        output += os.read(master, 1024)
    os.write(master, b"\x04")  # Ctrl-D: end of input
    assert proc.wait(timeout=60) == 1
    try:
        while chunk := os.read(master, 1024):
            output += chunk
    except OSError:  # the terminal closed with the process
        pass
    os.close(master)
    assert b"kbtool: aborted" in output and b"error" not in output
