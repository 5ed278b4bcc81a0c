"""Files that ship inside the wheel (the XSD, the JSON Schema, the default templates).

In a wheel they live in ``kbtool/_data``; in a source checkout they are read from the
repository's ``spec/`` and ``templates/`` folders.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent


def _pick(packaged: Path, checkout: Path) -> Path:
    return packaged if packaged.exists() else checkout


def xsd_path() -> Path:
    return _pick(_PACKAGE / "_data" / "learning.xsd", _CHECKOUT / "spec" / "learning.xsd")


def json_schema_path() -> Path:
    return _pick(
        _PACKAGE / "_data" / "learning.schema.json", _CHECKOUT / "spec" / "learning.schema.json"
    )


def templates_dir() -> Path:
    return _pick(_PACKAGE / "_data" / "templates", _CHECKOUT / "templates")
