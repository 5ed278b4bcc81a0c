"""Shared test setup."""

from __future__ import annotations

import os
from pathlib import Path

import kbtool

REPO = Path(__file__).resolve().parent.parent


def pytest_report_header() -> str:
    return f"kbtool imported from {Path(kbtool.__file__).parent}"


if os.environ.get("KBTOOL_EXPECT_WHEEL"):
    # CI's second pass runs the suite against the built wheel: make sure that is what we test.
    assert REPO not in Path(kbtool.__file__).resolve().parents, (
        f"expected kbtool from the installed wheel, got {kbtool.__file__}"
    )
