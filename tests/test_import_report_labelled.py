"""The labelled set of fix reports and other Markdown files (tests/fixtures/reports/labelled/):
``migrate --reports`` picks the reports and leaves the rest, and each report's title, date,
sections and whys are read as labelled. The figures are printed (``pytest -s``); the floors
are below the figures measured, so a regression fails.

Measured before the fixes of this set: is-a-report precision 87% recall 82%; titles 23/33;
dates 18/33; sections 149/169; whys 45/65; typed share 85%."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from helpers_cli import cli
from helpers_labelled_reports import FOLDER, labels, score_labelled


def _kb(tmp_path: Path) -> Path:
    (tmp_path / "learnings").mkdir()
    (tmp_path / "kbtool.toml").write_text('[tool.kbtool]\nlearnings = "learnings"\n')
    return tmp_path


def test_the_set_is_large_and_mixed() -> None:
    kinds = [label["report"] for label in labels().values()]
    assert kinds.count(True) >= 30 and kinds.count(False) >= 15


def test_labelled_reports_figures(tmp_path: Path) -> None:
    score = score_labelled(_kb(tmp_path))
    print("\nlabelled fix reports: " + score.summary())
    for problem in score.problems:
        print("  " + problem)
    assert score.precision >= 0.95 and score.recall >= 0.95, score.problems
    assert score.titles >= 0.9 * score.reports and score.dates >= 0.9 * score.reports
    assert score.sections_right >= 0.95 * score.sections
    assert score.whys_found >= 0.95 * score.whys_expected
    assert score.typed_share >= 0.88


def test_migrate_reports_imports_the_reports_and_leaves_the_rest(tmp_path: Path) -> None:
    root = _kb(tmp_path)
    folder = root / "learnings" / "reports"
    shutil.copytree(FOLDER, folder, ignore=shutil.ignore_patterns("*.json"))
    result = cli("--root", str(root), "migrate", "--reports", str(folder), "--format", "json")
    assert result.code == 0, result.err
    out = json.loads(result.out)
    imported = {Path(i["path"]).name for i in out["imported"]}
    expected = {name for name, label in labels().items() if label["report"]}
    print(f"\nmigrate --reports: {len(imported)} imported, {len(out['skipped'])} skipped")
    assert out["failed"] == []
    assert imported == expected
