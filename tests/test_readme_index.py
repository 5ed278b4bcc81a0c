"""The README's table of the bundled learnings is the output of ``kbtool render index.md.j2``.

Regenerate it at the repository root with
``kbtool render index.md.j2 --title "The bundled learnings"`` and paste the output between the
README's ``<!-- begin/end: kbtool render index.md.j2 -->`` markers.

Line anchors (``#L123``) are compared loosely: every edit of a category file moves them, and
a link that lands a few lines off still opens the right file. Categories, ids, titles,
severities and dates are compared exactly.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers_cli import cli

REPO = Path(__file__).resolve().parent.parent
BEGIN = "<!-- begin: kbtool render index.md.j2 -->\n"
END = "<!-- end: kbtool render index.md.j2 -->"


def _without_line_anchors(text: str) -> str:
    return re.sub(r"#L[0-9]+\)", "#L)", text)


def test_readme_index_is_the_rendered_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert BEGIN in readme and END in readme, "README lost its generated-index markers"
    stored = readme.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    result = cli("--root", str(REPO), "render", "index.md.j2", "--title", "The bundled learnings")
    assert result.code == 0, result.err
    assert _without_line_anchors(stored) == _without_line_anchors(result.out.strip()), (
        "README's table of learnings is stale: run "
        '`kbtool render index.md.j2 --title "The bundled learnings"` at the repository root '
        "and paste its output between the markers"
    )
    # Every category file of the bundled KB shows up in it, with a working relative link.
    for xml in sorted((REPO / "learnings").glob("*.xml")):
        assert f"](learnings/{xml.name})" in stored, xml.name
