"""``kbtool completion``: the shell completion script (typer's, for bash, zsh, fish)."""

from __future__ import annotations

import sys
from pathlib import Path

from kbtool.cli.options import Opt
from kbtool.completion import SHELLS

DOC = """Print the shell completion script: commands, options, and entry ids from the index.

\b
  bash: kbtool completion bash > ~/.local/share/bash-completion/completions/kbtool
  zsh:  kbtool completion zsh > "${fpath[1]}/_kbtool"
  fish: kbtool completion fish > ~/.config/fish/completions/kbtool.fish"""

OPTS = (Opt("shell", (), "bash, zsh or fish.", metavar="SHELL", required=True, choices=SHELLS),)


def run(*, root: str | Path | None, shell: str) -> int:
    from kbtool.cli.typerapp import completion_script

    sys.stdout.write(completion_script(shell))
    return 0
