"""Start kbtool's own child processes so that nothing in the knowledge base can run.

A pull request controls every file under the KB root, and kbtool is often run from that
root. ``python -m pkg`` puts the working folder first on ``sys.path``, and environment
variables (``PYTHONPATH``, ``PYTHONSTARTUP``, ``PYTHONHOME``, …) steer what Python imports.
So a child runs as ``python -I`` (isolated: no environment variables, no user site, no
script or working folder on ``sys.path``), with kbtool's own package folder put first
explicitly, a fixed working folder (kbtool's package folder, never the KB) and a minimal
environment.

:func:`drop_unsafe_path` does the same for the main process: run as ``python -m kbtool``
from a hostile working folder, the folder is taken off ``sys.path`` before anything else
is imported (kbtool's own package was already found by then; see docs/security.md for
the one case no code of ours can guard: a planted ``kbtool/`` in that folder).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

#: Environment variables a child may keep: locale only (it decodes nothing from them).
_KEEP = ("LANG", "LC_ALL", "LC_CTYPE")


def package_parent() -> str:
    """The folder holding the ``kbtool`` package that is running now."""
    return str(Path(__file__).resolve().parent.parent)


def isolated_python(module: str) -> tuple[list[str], dict[str, str], str]:
    """(command, environment, working folder) to run ``module``'s ``main()`` in a child."""
    parent = package_parent()
    code = (
        f"import sys; sys.path.insert(0, sys.argv[1]); from {module} import main; sys.exit(main())"
    )
    env = {k: v for k, v in os.environ.items() if k in _KEEP}
    env["PATH"] = os.defpath
    return [sys.executable, "-I", "-c", code, parent], env, str(Path(parent) / "kbtool")


def drop_unsafe_path(cwd: str | None = None) -> None:
    """Take the working folder (``''`` or its full path) off ``sys.path``."""
    try:
        here = os.path.realpath(cwd if cwd is not None else Path.cwd())
    except OSError:
        here = ""
    sys.path[:] = [p for p in sys.path if p != "" and (not here or os.path.realpath(p) != here)]
