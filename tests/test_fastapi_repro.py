"""The flagship learning's symptoms are what FastAPI really prints.

``tests/repro/fastapi_asynccontextmanager.py`` builds a tiny FastAPI app with an async
SQLAlchemy session over aiosqlite, once with the buggy dependency (an
``@asynccontextmanager`` function given to ``Depends``) and once with the fix. It runs in
two test-only environments made by ``scripts/fastapi_envs.sh DIR`` (an old and a current
FastAPI), named by ``KBTOOL_FASTAPI_OLD_PYTHON`` and ``KBTOOL_FASTAPI_NEW_PYTHON``. Without
them the test is skipped, except in CI (``CI`` set), where it fails.

Each ``<symptom versions="fastapi…">`` of the flagship entry must match the error printed
by every environment whose FastAPI version is in ``versions``, and by no other.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from functools import cache
from pathlib import Path

import pytest
from lxml import etree
from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import Version

from kbtool.safexml import make_parser

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "tests" / "repro" / "fastapi_asynccontextmanager.py"
FLAGSHIP = "async-context-manager-dependency-injection"
ENVS = {"old": "KBTOOL_FASTAPI_OLD_PYTHON", "new": "KBTOOL_FASTAPI_NEW_PYTHON"}


def _python(which: str) -> str:
    var = ENVS[which]
    value = os.environ.get(var)
    if not value:
        message = f"{var} is not set (create the environments with scripts/fastapi_envs.sh DIR)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; CI must run the FastAPI reproduction")
        pytest.skip(message)
    if not Path(value).exists():
        pytest.fail(f"{var}={value}: no such interpreter")
    return value


@cache
def _reproduce(python: str) -> dict[str, object]:
    proc = subprocess.run(
        [python, "-W", "ignore", str(SCRIPT)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    data: dict[str, object] = json.loads(proc.stdout)
    return data


def _flagship() -> etree._Element:
    path = REPO / "learnings" / "database_asyncio.xml"
    root = etree.fromstring(path.read_bytes(), make_parser())
    for el in root.iterfind("learnings/learning"):
        if el.get("id") == FLAGSHIP:
            return el
    raise AssertionError(f"{FLAGSHIP} not found in {path}")


def _symptom_regex(text: str) -> re.Pattern[str]:
    """A symptom as a pattern: white space collapsed, '…' (or '...') stands for any text."""
    parts = re.split(r"…|\.\.\.", " ".join(text.split()))
    return re.compile(".*?".join(re.escape(p) for p in parts), re.DOTALL)


def _fastapi_symptoms() -> list[tuple[str, Requirement]]:
    out = []
    for s in _flagship().iterfind("symptoms/symptom"):
        versions = s.get("versions")
        if not versions:
            continue
        try:
            req = Requirement(versions)
        except InvalidRequirement as exc:
            raise AssertionError(f"symptom versions={versions!r}: {exc}") from exc
        if req.name.lower() == "fastapi":
            out.append(("".join(s.itertext()), req))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("which", sorted(ENVS))
def test_reproduction_matches_the_symptoms(which: str) -> None:
    data = _reproduce(_python(which))
    version = Version(str(data["fastapi"]))
    buggy, fixed = data["buggy"], data["fixed"]
    assert isinstance(buggy, dict) and isinstance(fixed, dict)
    # The fix works on every FastAPI version.
    assert fixed == {"ok": True, "status": 200, "body": 1}, fixed
    # The bug fails with an exception, whose text the KB must hold.
    assert buggy["ok"] is False and "error" in buggy, buggy
    error = str(buggy["error"])
    symptoms = _fastapi_symptoms()
    assert symptoms, f'{FLAGSHIP} has no symptom with versions="fastapi…"'
    matched = []
    for text, req in symptoms:
        applies = req.specifier.contains(version, prereleases=True)
        found = _symptom_regex(text).search(error) is not None
        assert found == applies, (
            f"FastAPI {version} printed {error!r}; symptom {text!r} with "
            f"versions={str(req)!r} {'should' if applies else 'should not'} match it"
        )
        matched += [text] if found else []
    assert matched, f"no symptom of {FLAGSHIP} covers FastAPI {version}: {error!r}"


def test_symptom_pattern_helper() -> None:
    pattern = _symptom_regex("AttributeError: … has no attribute 'execute'")
    assert pattern.search(
        "AttributeError: '_AsyncGeneratorContextManager' object has no attribute 'execute'"
    )
    assert not pattern.search(
        "TypeError: '_AsyncGeneratorContextManager' object is not an async iterator"
    )
