"""``python -m kbtool`` and the ``kbtool`` console script.

``kbtool search``, ``match``, ``index`` and ``validate`` take a fast path that never
imports typer (see ``kbtool.fastcli``); everything else, and anything the fast path does not
fully understand, goes to the typer app in ``kbtool.cli``.
"""

from __future__ import annotations

import sys

if __name__ == "__main__":  # ``python -m kbtool``: the working folder must import nothing
    from kbtool.isolation import drop_unsafe_path

    drop_unsafe_path()

FAST_COMMANDS = ("search", "match", "index", "validate")


def main() -> None:
    from kbtool.fastcli import hoist_root, run_fast
    from kbtool.textsafe import EscapingStream

    sys.stdout = EscapingStream(sys.stdout)
    sys.stderr = EscapingStream(sys.stderr)

    argv = sys.argv[1:] = hoist_root(sys.argv[1:])
    if any(arg in FAST_COMMANDS for arg in argv[:3]):
        code = run_fast(argv)
        if code is not None:
            sys.exit(code)
    from kbtool.cli import run

    run()


if __name__ == "__main__":
    main()
