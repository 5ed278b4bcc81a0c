"""``$EDITOR`` for ``kbtool new --edit`` and ``kbtool edit``: open a file at a line, then
validate it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from kbtool.errors import ConfigError, UsageError

if TYPE_CHECKING:
    from kbtool.config import Config


def editor_command() -> list[str]:
    """``$VISUAL`` or ``$EDITOR`` as a command line; a usage error when neither is set."""
    import shlex

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor or not editor.strip():
        raise UsageError("--edit: set $EDITOR (or $VISUAL) to your editor; nothing was written")
    try:
        return shlex.split(editor)
    except ValueError as exc:
        raise UsageError(f"$EDITOR {editor!r}: {exc}") from None


def open_editor(path: Path, line: int) -> None:
    """Run the editor on ``path``, at ``line`` for editors known to take one."""
    import subprocess

    command = editor_command()
    name = Path(command[0]).name
    if name in ("vi", "vim", "nvim") and line:
        command += [f"+{line}", "--", str(path)]
    elif name in ("nano", "emacs", "micro", "kak") and line:
        command += [f"+{line}", str(path)]
    elif name in ("code", "codium") and line:
        command += ["--wait", "--goto", f"{path}:{line}"]
    else:
        command.append(str(path))
    try:
        subprocess.run(command, check=False)
    except OSError as exc:
        raise ConfigError(
            f"cannot start the editor {command[0]!r}: {exc.strerror or exc}"
        ) from None


def edit_and_validate(config: Config, path: Path, line: int) -> int:
    """Open the editor at ``path:line``; when it closes, validate the file (the exit code)."""
    from kbtool.cli.commands import validate

    open_editor(path, line)
    return validate.run(
        root=config.root,
        paths=[str(path)],
        fmt="text",
        select=[],
        ignore=[],
        strict=False,
        no_cache=False,
        output=None,
    )
