"""Regenerate committed, derived files: ``python scripts/generate.py [schema|all]``.

- ``spec/learning.schema.json`` from the Pydantic models.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def schema_text() -> str:
    from kbtool.model import json_schema

    return json.dumps(json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    what = argv[1] if len(argv) > 1 else "all"
    if what in ("schema", "all"):
        (ROOT / "spec" / "learning.schema.json").write_text(schema_text(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
