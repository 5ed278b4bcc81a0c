"""kbtool match ranks the symptom of the installed versions first, and says so.

The labelled logs (tests/fixtures/logs/) are matched again under two environments, the
older and the newer stack the reproductions ran (tests/repro/): the version tie-break comes
after the context ones, so it must not cost a labelled log its first place.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest
from helpers_cli import cli

from kbtool.config import Config, load_config
from kbtool.search.match import match_text

HERE = Path(__file__).resolve().parent
LOGS = HERE / "fixtures" / "logs"
BUNDLED = HERE.parent / "learnings"

ENTRY = """    <learning id="{id}" severity="high"{attr}>
      <title>{title}</title>
      <date>2026-12-06</date>
      <category>Testing/Cases</category>
      <description>The same error text in two versions of a library.</description>
      <symptoms>
{symptoms}
      </symptoms>
    </learning>
"""
FILE = """<?xml version="1.0" encoding="UTF-8"?>
<specification schema-version="1">
  <metadata>
    <name>Learnings - Testing/Cases</name>
    <type>learnings</type>
    <category>Testing/Cases</category>
  </metadata>
  <learnings>
{entries}  </learnings>
</specification>
"""
ERROR = "RuntimeError: widget frobnication failed: the sprocket is closed"


def _kb(tmp_path: Path, *entries: tuple[str, str, list[tuple[str, str | None]]]) -> Config:
    body = ""
    for entry_id, attr, symptoms in entries:
        lines = "\n".join(
            f"        <symptom{f' versions={quoteattr(v)}' if v else ''}>{t}</symptom>"
            for t, v in symptoms
        )
        body += ENTRY.format(id=entry_id, attr=attr, title=entry_id, symptoms=lines)
    (tmp_path / "learnings").mkdir()
    (tmp_path / "learnings" / "testing_cases.xml").write_text(FILE.format(entries=body))
    return load_config(root=tmp_path)


def test_equal_scores_rank_the_installed_versions_symptom_first(tmp_path: Path) -> None:
    kb = _kb(
        tmp_path,
        ("widget-old", "", [(ERROR, "widget<2")]),
        ("widget-new", "", [(ERROR, "widget>=2")]),
    )
    old = match_text(kb, ERROR, installed={"widget": "1.5"}.get)
    new = match_text(kb, ERROR, installed={"widget": "2.5"}.get)
    assert [h.id for h in old] == ["widget-old", "widget-new"]
    assert [h.id for h in new] == ["widget-new", "widget-old"]
    assert (new[0].installed, new[0].installed_holds) == ({"widget": "2.5"}, True)
    assert (new[1].installed, new[1].installed_holds) == ({"widget": "2.5"}, False)
    # not installed here, or no lookup: no evidence, no word on it
    [*unranked] = match_text(kb, ERROR, installed={}.get)
    assert all(h.installed is None and h.installed_holds is None for h in unranked)
    assert [h.id for h in unranked] == [h.id for h in match_text(kb, ERROR)]


def test_the_learnings_own_versions_count(tmp_path: Path) -> None:
    kb = _kb(
        tmp_path,
        ("bound-old", ' versions="widget&lt;2"', [(ERROR, None)]),
        ("bound-new", ' versions="widget&gt;=2"', [(ERROR, None)]),
    )
    assert match_text(kb, ERROR, installed={"widget": "3"}.get)[0].id == "bound-new"
    assert match_text(kb, ERROR, installed={"widget": "1"}.get)[0].id == "bound-old"


def test_one_entry_shows_the_symptom_of_the_installed_version(tmp_path: Path) -> None:
    kb = _kb(tmp_path, ("widget", "", [(ERROR, "widget<2"), (ERROR, "widget>=2")]))
    assert match_text(kb, ERROR, installed={"widget": "1.0"}.get)[0].versions == "widget<2"
    assert match_text(kb, ERROR, installed={"widget": "2.0"}.get)[0].versions == "widget>=2"


def test_the_cli_says_so(tmp_path: Path) -> None:
    """kbtool's own environment has pydantic 2 (a dependency): the bundled Pydantic v2 entry's
    symptom is for pydantic>=2.5,<3."""
    shutil.copytree(BUNDLED, tmp_path / "learnings")
    error = "pydantic.errors.PydanticUserError: `regex` is removed. use `pattern` instead"
    result = cli("--root", str(tmp_path), "match", error, "--limit", "1")
    assert result.code == 0
    assert "this symptom's versions (ranked first on equal scores)" in result.out
    assert "    installed pydantic 2." in result.out
    json_result = cli("--root", str(tmp_path), "match", error, "--limit", "1", "-f", "json")
    assert '"holds": true' in json_result.out


OLDER = {
    **dict.fromkeys(["python"], "3.11.7"),
    "fastapi": "0.123.4",
    "sqlalchemy": "2.0.58",
    "pydantic": "2.14.4",
    "pytest": "8.3.5",
    "pytest-asyncio": "0.24.0",
    "aiosqlite": "0.21.0",
    "asyncpg": "0.30.0",
}
NEWER = {
    **OLDER,
    "python": "3.12.11",
    "fastapi": "0.165.0",
    "sqlalchemy": "2.1.9",
    "pytest": "9.0.1",
    "pytest-asyncio": "1.2.0",
    "aiosqlite": "0.22.0",
}


@pytest.mark.parametrize("name", ["none", "older", "newer"])
def test_labelled_logs_keep_their_first_places(tmp_path: Path, name: str) -> None:
    shutil.copytree(BUNDLED, tmp_path / "learnings")
    kb = load_config(root=tmp_path)
    env = {"none": None, "older": OLDER, "newer": NEWER}[name]
    labels = tomllib.loads((LOGS / "labels.toml").read_text(encoding="utf-8"))
    top1 = 0
    for log, expected in labels.items():
        accepted = [expected] if isinstance(expected, str) else expected
        text = (LOGS / log).read_text(encoding="utf-8")
        hits = match_text(kb, text, limit=3, installed=None if env is None else env.get)
        top1 += bool(hits) and hits[0].id in accepted
    print(f"\nlabelled logs, installed versions {name}: top-1 {top1}/{len(labels)}")
    assert top1 >= 48


def test_the_fast_installed_lookup_agrees_with_importlib_metadata(tmp_path: Path) -> None:
    """Every distribution of this environment, and a few that are not installed, get the
    version importlib.metadata gives; an .egg-info and a zip on the path defer to it."""
    from importlib.metadata import distributions

    from kbtool.applies.lookup import installed_lookup
    from kbtool.versionspec import canonical

    lookup = installed_lookup()
    seen = {}
    for dist in distributions():  # the first of a name on sys.path wins, as in importlib
        seen.setdefault(canonical(dist.metadata["Name"]), dist.version)
    assert len(seen) > 20
    for key, version in seen.items():
        assert lookup(key) == version, key
    for missing in ("no-such-project-kbtool", "python-x"):
        assert lookup(missing) is None

    site = tmp_path / "site"
    (site / "Odd_Name-2.0.dist-info").mkdir(parents=True)
    (site / "legacy.egg-info").mkdir()
    (site / "legacy.egg-info" / "PKG-INFO").write_text(
        "Metadata-Version: 1.1\nName: legacy\nVersion: 0.9\n", encoding="utf-8"
    )
    here = installed_lookup([str(site)])
    assert here("odd-name") == "2.0"
    assert here("legacy") is None  # deferred to importlib.metadata, which reads sys.path
