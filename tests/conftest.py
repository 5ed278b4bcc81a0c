"""Shared test setup."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import settings

import kbtool

REPO = Path(__file__).resolve().parent.parent

# Property tests search afresh on every local run (hypothesis' default: a new counterexample
# is a bug found). CI (.ci/run exports HYPOTHESIS_PROFILE=ci) replays the same examples on
# every run, so a landing is never blocked by a search that happened to go further that
# day; the explicit @example cases hold the bugs found before.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# Under a CI runner kbtool breaks runner commands in what it prints to a pipe
# (kbtool/cicommands.py). The suite's expectations are the output anywhere else: the tests of
# that guard (tests/test_ci_commands.py, the hostile suite) set these variables themselves.
for _runner in ("GITHUB_ACTIONS", "TF_BUILD", "TEAMCITY_VERSION"):
    os.environ.pop(_runner, None)


def pytest_report_header() -> str:
    return f"kbtool imported from {Path(kbtool.__file__).parent}"


if os.environ.get("KBTOOL_EXPECT_WHEEL"):
    # CI's second pass runs the suite against the built wheel: make sure that is what we test.
    assert REPO not in Path(kbtool.__file__).resolve().parents, (
        f"expected kbtool from the installed wheel, got {kbtool.__file__}"
    )
