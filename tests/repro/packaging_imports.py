"""Reproductions behind learnings/packaging_and_imports.xml.

Documentation of how each symptom text was measured; not part of the test run. Each case
lays out a tiny project in a temporary folder and runs the real tool on it (pytest, pip,
python), printing its output:

    python -m venv /tmp/pk && /tmp/pk/bin/pip install pytest==9.2.0
    /tmp/pk/bin/python tests/repro/packaging_imports.py CASE

Measured with CPython 3.11.7, pip 23.2.1 building with setuptools 84.2.1 (the build backend pip
downloaded), pytest 9.2.0. Package, module and path names are masked with `…` in
the stored symptoms.
"""

# ruff: noqa: E501 - the embedded sources of the throw-away projects stay one string per file

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

FIXED = os.environ.get("FIXED") == "1"  # FIXED=1 runs the entry's fix instead of the mistake


def tree(files: dict[str, str]) -> Path:
    root = Path(tempfile.mkdtemp())
    for name, text in files.items():
        Path(root, name).parent.mkdir(parents=True, exist_ok=True)
        Path(root, name).write_text(text)
    os.chdir(root)
    return root


def run(*cmd: str) -> None:
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    print(f"$ {' '.join(cmd)}  (exit {out.returncode})")
    print(out.stdout + out.stderr)


def src_layout() -> None:
    """packaging-src-layout-module-not-found"""
    pyproject = '[project]\nname = "invoicing"\nversion = "0"\n'
    if FIXED:
        pyproject += '\n[tool.pytest.ini_options]\npythonpath = ["src"]\n'
    tree(
        {
            "pyproject.toml": pyproject,
            "src/invoicing/__init__.py": "def total(xs):\n    return sum(xs)\n",
            "tests/test_total.py": "from invoicing import total\n\ndef test_total():\n    assert total([1, 2]) == 3\n",
        }
    )
    run(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider")


def flat_layout() -> None:
    """packaging-flat-layout-multiple-top-level-packages"""
    pyproject = (
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n'
    )
    pyproject += '[project]\nname = "shop"\nversion = "0"\n'
    if FIXED:
        pyproject += '\n[tool.setuptools.packages.find]\ninclude = ["shop*"]\n'
    tree(
        {
            "pyproject.toml": pyproject,
            "shop/__init__.py": "",
            "migrations/__init__.py": "",
            "scripts/__init__.py": "",
        }
    )
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", "dist", ".")


def relative_script() -> None:
    """python-relative-import-no-known-parent-package"""
    tree(
        {
            "shop/__init__.py": "",
            "shop/db.py": "URL = 'sqlite://'\n",
            "shop/main.py": "from .db import URL\nprint(URL)\n",
        }
    )
    if FIXED:
        run(sys.executable, "-m", "shop.main")
    else:
        run(sys.executable, "shop/main.py")


SERVICES_FIXED = """from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only the type checker imports it: no import cycle at run time
    from shop.models import Order


def price(order: Order) -> int:
    return 1
"""


def circular_import() -> None:
    """python-circular-import-partially-initialized-module"""
    tree(
        {
            "shop/__init__.py": "",
            "shop/models.py": "from shop.services import price\n\nclass Order:\n    pass\n",
            "shop/services.py": SERVICES_FIXED
            if FIXED
            else "from shop.models import Order\n\ndef price(order: Order) -> int:\n    return 1\n",
        }
    )
    run(sys.executable, "-c", "import shop.models")


CASES = {f.__name__: f for f in (src_layout, flat_layout, relative_script, circular_import)}

if __name__ == "__main__":
    CASES[sys.argv[1]]()
