"""``python -m kbtool`` and the ``kbtool`` console script.

Every command takes the fast path first (:mod:`kbtool.cli.fast`: the command table, no
typer); ``--help`` is served from kbtool/help.json; anything the fast path does not fully
understand goes to the typer app (:mod:`kbtool.cli.typerapp`), built from the same table.
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":  # ``python -m kbtool``: the working folder must import nothing
    from kbtool.isolation import drop_unsafe_path

    drop_unsafe_path()


def main() -> None:
    from kbtool.textsafe import EscapingStream

    sys.stdout = EscapingStream(sys.stdout)
    sys.stderr = EscapingStream(sys.stderr)

    argv = sys.argv[1:]
    if argv and argv[-1] in ("--help", "-h"):
        from kbtool.helpcache import lookup

        text = lookup(argv)
        if text is not None:
            sys.stdout.write(text)
            sys.exit(0)
    if "_KBTOOL_COMPLETE" in os.environ:  # a shell asking for completions
        from kbtool.completion import run_fast_completion

        answered = run_fast_completion()
        if answered is not None:
            sys.exit(answered)
    if argv == ["--version"]:  # the typer app's --version says the same
        from kbtool import __version__

        print(f"kbtool {__version__}")
        sys.exit(0)
    from kbtool.cli.fast import run_fast

    code = run_fast(argv)
    if code is not None:
        sys.exit(code)
    from kbtool.cli.typerapp import run

    run()


if __name__ == "__main__":
    main()
