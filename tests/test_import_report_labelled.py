"""The labelled set of fix reports and other Markdown files (tests/fixtures/reports/labelled/):
``migrate --reports`` picks the reports and leaves the rest, and each report's title, date,
sections and whys are read as labelled. The figures are printed (``pytest -s``)."""

from __future__ import annotations

from pathlib import Path

from helpers_labelled_reports import labels, score_labelled


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
