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
    from kbtool.cicommands import guarded
    from kbtool.textsafe import EscapingStream

    # Hidden characters escaped, then CI runner commands broken (kbtool/cicommands.py).
    sys.stdout = EscapingStream(guarded(sys.stdout))
    sys.stderr = EscapingStream(guarded(sys.stderr))

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


def script() -> None:
    """The ``kbtool`` console script and ``python -m kbtool``: :func:`main`, then a quick exit.

    Once a command has returned and its output is flushed, the interpreter's teardown (every
    module's objects freed one by one: 2–3 ms after a search at 100k entries, 7–9 ms at 1M)
    has nothing to do for it, so the process leaves with ``os._exit``. It does not when anything
    could still want the teardown: an exit hook (``atexit``, which ``weakref.finalize``,
    logging and multiprocessing use), another thread, output that cannot be flushed, or an
    exit status that is not a number. :func:`main` itself exits as usual (tests call it)."""
    try:
        main()
        code: str | int | None = 0
    except SystemExit as exc:
        code = exc.code
    _leave(code)


def _leave(code: str | int | None) -> None:
    import atexit

    status = 0 if code is None else code
    threading = sys.modules.get("threading")
    hooks = getattr(atexit, "_ncallbacks", None)
    if (
        not isinstance(status, int)
        or hooks is None
        or hooks() != 0
        or (threading is not None and threading.active_count() != 1)
    ):
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # the reader went away (``| head``): stop quietly, as commands do
        pass
    except (OSError, ValueError):  # a closed or failing stream: Python's own exit says so
        sys.exit(code)
    os._exit(status)


if __name__ == "__main__":
    script()
