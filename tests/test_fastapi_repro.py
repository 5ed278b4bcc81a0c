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
ROUTE_CHECK = REPO / "tests" / "repro" / "fastapi_route_check.py"
ENVS = {
    "old": "KBTOOL_FASTAPI_OLD_PYTHON",
    "mid": "KBTOOL_FASTAPI_MID_PYTHON",
    "new": "KBTOOL_FASTAPI_NEW_PYTHON",
}
# From this release include_router() puts one included-router object into app.routes.
INCLUDED_ROUTER_OBJECTS = Version("0.137.0")


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
def _reproduce(python: str, script: Path = SCRIPT) -> dict[str, object]:
    proc = subprocess.run(
        [python, "-W", "ignore", str(script)],
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


def _flagship_route_check() -> str:
    """The route-walk code of the flagship's solution, as the entry prints it."""
    for code in _flagship().iterfind("solution/step/code"):
        text = "".join(code.itertext())
        if "def context_manager_dependencies" in text:
            return text
    raise AssertionError(f"{FLAGSHIP}: no solution step defines context_manager_dependencies")


def test_the_entry_prints_the_route_check_the_reproduction_runs() -> None:
    """The check run in the FastAPI environments is the one the entry tells users to copy."""
    script = ROUTE_CHECK.read_text(encoding="utf-8")
    for name in ("route_dependants", "context_manager_dependencies"):
        entry_def = re.search(rf"^def {name}\(.*?(?=^\S)", _flagship_route_check(), re.S | re.M)
        repro_def = re.search(rf"^def {name}\(.*?(?=^\S)", script, re.S | re.M)
        assert entry_def and repro_def, name

        def body(text: str) -> list[str]:  # the statements, without annotations and docstring
            code = re.sub(r'""".*?"""\n', "", text, flags=re.S)
            code = re.sub(r"(\w+): [\w\[\], ]+(?=[,)])", r"\1", code)  # parameter annotations
            code = re.sub(r" -> [^:]+:", ":", code)
            return [line.rstrip() for line in code.splitlines() if line.strip()]

        assert body(entry_def.group(0)) == body(repro_def.group(0)), name


@pytest.mark.slow
@pytest.mark.parametrize("which", sorted(ENVS))
def test_route_check_walks_included_routers(which: str) -> None:
    data = _reproduce(_python(which), ROUTE_CHECK)
    version = Version(str(data["fastapi"]))
    # The broken route on an APIRouter fails for clients on every version ...
    assert data["broken_status"] == 500, data
    # ... and the entry's check finds it (the router route, the nested router's route and
    # the dependency given to include_router) on every version ...
    assert data["check"] == ["get_session"] * 3, data
    # ... while a walk over the APIRoute objects of app.routes goes blind from 0.137.0.
    expected_flat = [] if version >= INCLUDED_ROUTER_OBJECTS else ["get_session"] * 3
    assert data["flat_walk"] == expected_flat, data
    # on_event: the app's own handler is skipped under lifespan=, an included router's runs.
    assert data["on_event"] == [
        "lifespan startup",
        "router startup",
        "router shutdown",
        "lifespan shutdown",
    ], data


def test_symptom_pattern_helper() -> None:
    pattern = _symptom_regex("AttributeError: … has no attribute 'execute'")
    assert pattern.search(
        "AttributeError: '_AsyncGeneratorContextManager' object has no attribute 'execute'"
    )
    assert not pattern.search(
        "TypeError: '_AsyncGeneratorContextManager' object is not an async iterator"
    )
