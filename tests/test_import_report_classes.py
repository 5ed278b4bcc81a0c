"""Classes of fix-report shapes that the labelled set (tests/fixtures/reports/labelled/)
showed kbtool misreading, each with small reports of our own: how the date is written,
genre words in titles, titles outside a ``#`` heading, heading vocabulary of incident reviews
and trackers, why chains as tables, bold questions or question headings, and which Markdown
files ``migrate --reports`` takes for a report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kbtool.config import load_config
from kbtool.migrate.fixreports import missing_sections
from kbtool.model import Learning
from kbtool.reports.headings import entry_title, field_of_heading
from kbtool.reports.importer import import_report, plan_sections
from kbtool.reports.parser import parse_report, read_report

DEFAULT_DAY = dt.date(1999, 1, 1)

BODY = """
## Problem

The export was empty.

## Root Cause

Local time was used.

## Solution

Use UTC.
"""


def _import(tmp_path: Path, text: str, name: str = "report.md") -> Learning:
    (tmp_path / "learnings").mkdir(exist_ok=True)
    (tmp_path / "kbtool.toml").write_text('[tool.kbtool]\nlearnings = "learnings"\n')
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    config = load_config(root=tmp_path)
    report = read_report(path, config, inside_only=False)
    return import_report(
        report,
        config=config,
        category="General",
        entry_id="x",
        date=DEFAULT_DAY,
        report_href=None,
    ).learning


# ------------------------------------------------------------------ dates


@pytest.mark.parametrize(
    ("line", "day"),
    [
        ("**Date:** March 3, 2025", "2025-03-03"),
        ("Date: 2025/04/07", "2025-04-07"),
        ("_Date: 12 March 2025_", "2025-03-12"),
        ("Date: 14/05/2025", "2025-05-14"),
        ("Date: 2025-07-01T09:12:44Z", "2025-07-01"),
        ("**Created:** Mar 12, 2025", "2025-03-12"),
        ("Date - 2025.06.02", "2025-06-02"),
        ("Incident date: 2025-10-05", "2025-10-05"),
        ("Date: 5th January 2025", "2025-01-05"),
        ("Date: Jan 9 2025", "2025-01-09"),
        ("2025-08-14", "2025-08-14"),
        ("| Field | Value |\n|---|---|\n| Date | 2025-06-01 |\n| Service | api |", "2025-06-01"),
        ("Date: 03/04/2025", None),  # day-first or month-first: no guess
    ],
)
def test_the_date_however_it_is_written(tmp_path: Path, line: str, day: str | None) -> None:
    learning = _import(tmp_path, f"# Empty export\n\n{line}\n{BODY}")
    assert learning.date == (dt.date.fromisoformat(day) if day else DEFAULT_DAY)
    assert "Service" in "".join(learning.extras) or "Service" not in line  # nothing dropped


# ------------------------------------------------------------------ titles


@pytest.mark.parametrize(
    ("heading", "title"),
    [
        ("Incident Report: Webhooks dropped", "Webhooks dropped"),
        ("Incident Review: Elevated 5xx", "Elevated 5xx"),
        ("Postmortem: Checkout outage", "Checkout outage"),
        ("Bug: Cookie lost on Safari", "Cookie lost on Safari"),
        ("🐛 Fix: `KeyError` in handler", "`KeyError` in handler"),
        ("Hotfix: login loop", "login loop"),
        ("RCA - Disk full", "Disk full"),
        ("Rapport de correction : doublons", "doublons"),
        ("Fix duplicate Slack alerts", "Fix duplicate Slack alerts"),  # a verb, not a label
        ("Bug bounty payout delayed", "Bug bounty payout delayed"),
    ],
)
def test_title_genre_labels_are_dropped(heading: str, title: str) -> None:
    assert entry_title(heading) == title


def test_a_bold_first_line_is_the_title(tmp_path: Path) -> None:
    learning = _import(tmp_path, "**Fix Report — Cron job ran twice**\n\nDate: 2025-03-30\n" + BODY)
    assert learning.title == "Cron job ran twice"
    assert learning.date == dt.date(2025, 3, 30)


def test_without_any_title_the_file_name_names_the_report(tmp_path: Path) -> None:
    learning = _import(tmp_path, "Date: 2025-04-30\n" + BODY, "WEBSOCKET_RECONNECT_FIX_REPORT.md")
    assert learning.title == "Websocket reconnect"
    assert learning.date == dt.date(2025, 4, 30)


# ------------------------------------------------------------------ heading vocabulary


@pytest.mark.parametrize(
    ("heading", "field"),
    [
        ("Description", "description"),
        ("Overview", "description"),
        ("TL;DR", "description"),
        ("Steps to Reproduce", "description"),
        ("Expected vs Actual", "symptoms"),
        ("Detection", "symptoms"),
        ("Contributing Factors", "root_causes"),
        ("Trigger", "root_causes"),
        ("Mitigation", "solution"),
        ("Corrective Actions", "prevention"),
        ("Action Items", "prevention"),
        ("Follow-ups", "prevention"),
        ("Key Insight", "prevention"),
        ("Test Plan", "verification"),
        ("QA Notes", "verification"),
        ("How we know it's fixed", "verification"),
        ("Possible Causes", None),  # a runbook's guesses, not the cause of one failure
        ("Timeline", None),
        ("Customer Impact", None),
        ("Rollback Plan", None),
    ],
)
def test_incident_review_headings(heading: str, field: str | None) -> None:
    assert field_of_heading(heading) == field


def test_retrospective_subsections_stay_lessons() -> None:
    text = "# T\n\n## Lessons Learned\n\n### What went well\n\nA.\n\n### What went wrong\n\nB.\n"
    plan = plan_sections(parse_report(text, "x.md"))
    assert [(s.plain, k) for s, k in plan] == [("Lessons Learned", "prevention")]


# ------------------------------------------------------------------ whys

WHY_TABLE = """
| # | Why? | Because |
|---|------|---------|
| 1 | Why were the files empty? | The query returned no rows. |
| 2 | Why did it return no rows? | The bound was `a \\| b` in local time. |
| 3 | Why local time? | A refactor used `now()`. |
"""
WHY_BOLD_QUESTIONS = """
**1. Why did the dashboards show no data?**
The queries returned nothing.

**2. Why did the queries return nothing?**
The scrape interval was 60s.

**3. Why was it raised?**
The chart reset it.
"""
WHY_QUESTION_HEADINGS = """
### Why did some pods keep the old value?
Their stream had died.

### Why had the stream died?
A proxy dropped it.

### Why did nobody notice?
Heartbeats were off.
"""


@pytest.mark.parametrize(
    ("heading", "chain"),
    [
        ("5 Whys", WHY_TABLE),
        ("Root Cause Analysis", WHY_TABLE.replace("Why? | Because", "Why | Answer")),
        ("5 Whys", WHY_BOLD_QUESTIONS),
        ("Five Whys", WHY_QUESTION_HEADINGS),
    ],
)
def test_why_chains_as_tables_bold_questions_and_headings(
    tmp_path: Path, heading: str, chain: str
) -> None:
    text = f"# Empty export\n\n## Problem\n\nEmpty.\n\n## {heading}\n{chain}\n## Solution\n\nUTC.\n"
    learning = _import(tmp_path, text)
    assert len(learning.five_whys) == 3
    first = learning.five_whys[0]
    assert first.question.startswith("Why") and first.question.endswith("?")
    assert first.answer and not first.answer.startswith("Why")
    assert learning.five_whys[2].answer.rstrip(".").split()[-1] in ("`now()`", "it", "off")
    if "\\|" in chain:
        assert "`a | b`" in learning.five_whys[1].answer


# ------------------------------------------------------------------ which files are reports

TEMPLATE = """# [Title] Fix Report

**Date:** YYYY-MM-DD

## Problem Statement

[Describe the problem.]

## Root Cause Analysis - Five Whys

### Why #1: [Why did ...?]
**Answer:** [...]

## Solution Implemented

<!-- What was changed. -->
"""
PROPOSAL = """# Proposal: replace the scheduler

## Problem

It loses jobs on deploy.

## Why now?

Three incidents this quarter.

## Proposed solution

Move to Temporal.
"""
README = PROPOSAL.replace("Why now?", "Why quickqueue").replace("Proposed solution", "Solution")
SYMPTOMS_REPORT = BODY.replace(
    "## Problem\n\nThe export was empty.", "## Symptoms\n\n- `EINTEGRITY`"
)
RUNBOOK = """# Runbook: disk full

## Symptoms

- Alert fires.

## Possible Causes

- WAL growth.

## Resolution

Extend the volume.
"""
HAPPENED = BODY.replace("## Root Cause", "## Why it happened")


@pytest.mark.parametrize(
    ("text", "is_report"),
    [
        (TEMPLATE, False),  # placeholders only
        (PROPOSAL, False),  # "Why now?" is no cause
        (README, False),  # "Why quickqueue" is no cause
        (RUNBOOK, False),  # guesses at causes, no failure
        ("# Jira\n" + BODY.replace("## Problem", "## Description"), True),
        ("# Error\n" + SYMPTOMS_REPORT, True),  # the symptoms state the problem
        ("# Login loop\n" + HAPPENED, True),
    ],
)
def test_which_markdown_files_are_reports(text: str, is_report: bool) -> None:
    missing, errors = missing_sections(text, "x.md")
    assert errors == []
    assert (missing == []) is is_report, missing


# ------------------------------------------------------------------ the round trip


def test_a_rendered_meta_line_gives_date_and_severity(tmp_path: Path) -> None:
    line = "**Severity:** high · **Category:** A/B · **Date:** 2026-12-06 · **Versions:** `x>=1`"
    learning = _import(tmp_path, f"# Empty export\n\n{line}\n{BODY}")
    assert learning.date == dt.date(2026, 12, 6)
    assert learning.severity is not None and learning.severity.value == "high"
    assert "Versions" in "".join(learning.extras)  # the part that is no field is kept


def test_a_step_heading_that_repeats_its_paragraph_is_not_doubled(tmp_path: Path) -> None:
    text = (
        "# Empty export\n\n## Problem\n\nEmpty.\n\n## Root Cause\n\nLocal time.\n\n"
        "## Solution Implemented\n\n"
        "### 1. Add a lock around rebuilds …\n\nAdd a lock around rebuilds, so one pod "
        "rebuilds and the others wait.\n\n```python\nwith lock:\n    rebuild()\n```\n\n"
        "### 2. Jitter on token lifetime\n\nToken lifetime is now 24h ± 30min.\n"
    )
    steps = _import(tmp_path, text).solution
    assert [s.text for s in steps] == [
        "Add a lock around rebuilds, so one pod rebuilds and the others wait.",
        # a heading read as the step's first sentence gets the period a heading leaves out
        "Jitter on token lifetime.\n\nToken lifetime is now 24h ± 30min.",
    ]
    assert steps[0].code[0].text == "with lock:\n    rebuild()"  # no fence newline added


def test_entries_rendered_and_imported_back_keep_their_fields(tmp_path: Path) -> None:
    """Every bundled entry: ``render fix-report.md.j2`` then import: the same date,
    severity, whys, root causes, files and prevention (code spans added by rendering aside),
    and the same solution steps and code, through the command line (every field, exactly:
    tests/test_render_roundtrip.py)."""
    from helpers_cli import cli

    from kbtool.entry_xml import learning_from_element
    from kbtool.kb import KnowledgeBase

    root = Path(__file__).resolve().parent.parent
    config = load_config(root=root)
    kb = KnowledgeBase.load(config)

    def norm(value: object) -> str:
        return " ".join(str(value).replace("`", "").split())

    ids = sorted(kb.ids())[::3]  # a third: each render runs the template sandboxed
    assert len(ids) >= 12
    for entry_id in ids:
        first = learning_from_element(kb.find(entry_id).element)
        rendered = cli("--root", str(root), "render", "fix-report.md.j2", entry_id)
        assert rendered.code == 0, rendered.err
        second = import_report(
            parse_report(rendered.out, "again.md"),
            config=config,
            category=first.category,
            entry_id=entry_id,
            date=DEFAULT_DAY,
            report_href=None,
        ).learning
        assert (second.date, second.severity) == (first.date, first.severity), entry_id
        for name in ("title", "five_whys", "root_causes", "files_modified", "prevention"):
            assert norm(getattr(second, name)) == norm(getattr(first, name)), (entry_id, name)
        assert [[c.text for c in s.code] for s in second.solution] == [
            [c.text for c in s.code] for s in first.solution
        ], entry_id
        assert [norm(s.text) for s in second.solution] == [norm(s.text) for s in first.solution], (
            entry_id
        )


def test_a_relative_path_in_prose_names_the_entry(tmp_path: Path) -> None:
    """``../learnings/x.xml#id`` written as text (not as a Markdown link) is relative to the
    report, as a link's target is; before, it was read from the KB root and ignored."""
    import shutil

    from kbtool.reports.links import build_graph

    root = tmp_path
    (root / "learnings").mkdir()
    (root / "reports").mkdir()
    (root / "kbtool.toml").write_text(
        '[tool.kbtool]\nlearnings = "learnings"\nreports = "reports"\n'
    )
    shutil.copyfile(
        Path(__file__).parent.parent / "learnings" / "alembic.xml",
        root / "learnings" / "alembic.xml",
    )
    path = root / "reports" / "x.md"
    path.write_text(
        "# Heads diverged\n" + BODY + "\n## Related Learnings\n\n"
        "- ../learnings/alembic.xml#alembic-multiple-heads\n"
        "- ../learnings/missing.xml\n",
        encoding="utf-8",
    )
    config = load_config(root=root)
    graph = build_graph(config, use_cache=False)
    learning = import_report(
        read_report(path, config),
        config=config,
        category="General",
        entry_id="x",
        date=DEFAULT_DAY,
        report_href=None,
        graph=graph,
    ).learning
    assert ("learning", "alembic-multiple-heads") in [
        (r.kind, r.target) for r in learning.references
    ]
    problems = [m.problem for m in graph.reports["reports/x.md"].mentions if not m.resolved]
    assert problems == ["mentions learnings/missing.xml, which is not a file of the knowledge base"]


# ------------------------------------------------------------------ a second look


@pytest.mark.parametrize(
    "front",
    ["created: 2025-03-14", "date_created: 2025-03-14", "reported: '14 March 2025'"],
)
def test_front_matter_date_under_other_keys(tmp_path: Path, front: str) -> None:
    learning = _import(tmp_path, f"---\n{front}\n---\n\n# Backup skipped\n{BODY}")
    assert learning.date == dt.date(2025, 3, 14)


def test_meta_lines_after_an_emoji(tmp_path: Path) -> None:
    text = "# Orders 500\n\n📅 **Date:** 2025-05-06\n🚨 **Severity:** Critical\n" + BODY
    learning = _import(tmp_path, text)
    assert learning.date == dt.date(2025, 5, 6)
    assert learning.severity is not None and learning.severity.value == "critical"


@pytest.mark.parametrize(
    "heading", ["🛠️ What was done", "Actions Taken", "Steps Taken", "What was changed"]
)
def test_what_was_done_is_the_solution(heading: str) -> None:
    assert field_of_heading(heading) == "solution"


GUIDE = """# Postmortem template

Use this template for every incident.

## Problem statement

Describe what happened in plain words and include the exact error customers saw.

## Root cause

Explain the underlying cause, not the trigger.

## Solution

Describe the fix and link the pull request.
"""


@pytest.mark.parametrize(
    ("text", "name"),
    [
        (GUIDE, "postmortem.md"),
        (GUIDE.replace("# Postmortem template", "# Writing a fix report"), "FIX_TEMPLATE.md"),
    ],
)
def test_a_template_with_guidance_is_no_report(text: str, name: str) -> None:
    missing, _ = missing_sections(text, name)
    assert missing == ["not a report: a template"]


def test_whys_in_a_blockquote(tmp_path: Path) -> None:
    text = (
        "# Orders 500\n\n## Problem\n\n`ZeroDivisionError`.\n\n## Why did this happen?\n\n"
        "> **Why 1:** Why a division by zero? The average divides by the item count.\n>\n"
        "> **Why 2:** Why was the count zero? Checkout allowed an empty cart.\n\n"
        "## Solution\n\nGuard for empty carts.\n"
    )
    whys = _import(tmp_path, text).five_whys
    assert [(w.question, w.answer) for w in whys] == [
        ("Why a division by zero?", "The average divides by the item count."),
        ("Why was the count zero?", "Checkout allowed an empty cart."),
    ]


@pytest.mark.parametrize(
    ("name", "title", "template"),
    [
        ("FIX_REPORT_TEMPLATE.md", "Empty export", True),
        ("postmortem-template-v2.md", "Empty export", True),
        ("rate-limit-fix-report-template.md", "Empty export", False),  # names its subject
        ("x.md", "Email template rendering broken", False),
        ("x.md", "Fix Report Template", True),
    ],
)
def test_templates_are_known_by_name_or_title(name: str, title: str, template: bool) -> None:
    missing, _ = missing_sections(f"# {title}\n{BODY}", name)
    assert (missing == ["not a report: a template"]) is template


# ------------------------------------------------------------------ what kbtool writes, read back

META = "**Severity:** high · **Category:** Web/API · **Date:** 2026-01-02 · **Status:** active"
RENDERED = f"""# Pool exhausted

{META} · **Tags:** `pool`, `a,b`

## Problem Statement

Requests hang; the log says `CancelledError` and `TimeoutError` on the way.

### Symptoms

- `QueuePool limit of size 5 overflow 10 reached`
- `ERROR:    Error loading ASGI app.`

## Root Cause Analysis - Five Whys

### Why #1: Why does https://example.com/a?b=1 time out?
**Answer:** Sessions are never closed.

## Solution Implemented

### 1. Close the session

## Verification

1. **In the knowledge base's repository:** `tests/repro/pool.py` passes.
2. **In the knowledge base's repository:** a manual check.

## Related Issues

- [https://docs.example.com/p_(x)](<https://docs.example.com/p_(x)>)
- Link: [https://github.com/o/r/issues/1](https://github.com/o/r/issues/1)
- Supersedes: `pool-old`
- Learning entry: [learnings/web_api.xml#pool](learnings/web_api.xml#L3)
"""


def test_a_rendered_report_reads_back_as_written(tmp_path: Path) -> None:
    """What ``render fix-report`` writes that is no entry text is known again: the tags of
    the meta line (as code spans, commas inside), the repository label of a check (only
    where rendering adds it), a stated "Link:" kind, "Supersedes:", the source entry (no
    reference); a listed symptom list is the symptoms (not the error names the text
    mentions), with its spaces; a why heading is its question whatever "?" it holds; a
    step heading gets its period back; a URL keeps its parentheses."""
    learning = _import(tmp_path, RENDERED)
    assert learning.tags == ["pool", "a,b"]
    assert [s.text for s in learning.symptoms] == [
        "QueuePool limit of size 5 overflow 10 reached",
        "ERROR:    Error loading ASGI app.",
    ]
    assert learning.five_whys[0].question == "Why does https://example.com/a?b=1 time out?"
    assert learning.solution[0].text == "Close the session."
    assert learning.verification == [
        "`tests/repro/pool.py` passes.",
        "**In the knowledge base's repository:** a manual check.",
    ]
    assert [(r.kind, r.target, r.label) for r in learning.references] == [
        ("link", "https://docs.example.com/p_(x)", ""),
        ("link", "https://github.com/o/r/issues/1", ""),
    ]
    assert learning.supersedes == ["pool-old"]


def test_import_report_takes_the_category_the_report_states(tmp_path: Path) -> None:
    from helpers_cli import cli

    (tmp_path / "learnings").mkdir()
    (tmp_path / "kbtool.toml").write_text('[tool.kbtool]\nlearnings = "learnings"\n')
    report = tmp_path / "report.md"
    report.write_text(RENDERED, encoding="utf-8")
    result = cli("--root", str(tmp_path), "import-report", str(report), "--dry-run")
    assert result.code == 0, result.err
    assert "Web/API" in result.out + result.err and "Category line" in result.out + result.err


def test_the_meta_line_gives_status_and_where_the_learning_applies(tmp_path: Path) -> None:
    line = (
        "**Severity:** low · **Category:** A · **Date:** 2026-01-02 · **Status:** archived"
        " · **Applies to:** `python>=3.11` · **Versions:** `x<2`"
    )
    symptoms = "\n### Symptoms\n\n- `E: boom` (versions: `x<2`)\n"
    learning = _import(tmp_path, f"# Boom\n\n{line}\n\n## Problem\n\nBoom.\n{symptoms}")
    assert (learning.status.value, learning.versions) == ("archived", "python>=3.11")
    assert learning.extras == []  # every part of the line is typed: `x<2` is the symptom's


def test_code_attributes_come_back_from_the_fence(tmp_path: Path) -> None:
    """``render`` writes ``<code file kind="bad">`` as ``python file=… kind=bad`` under its
    bold label: import reads them back and drops that label (a label the step wrote stays)."""
    steps = (
        "## Solution\n\n### 1. Swap it\n\n**Broken, in `a.py`:**\n\n"
        "```python file=a.py kind=bad\nx = 0\n```\n\n**Fixed:**\n\n```python\nx = 1\n```\n\n"
        "### 2. Edit\n\n**In `b.py`:**\n\n```python\ny = 1\n```\n"
    )
    learning = _import(tmp_path, "# Swap\n\n## Problem\n\nBad.\n\n" + steps)
    first, second = learning.solution
    assert first.text == "Swap it."
    attributes = [(c.file, c.kind and c.kind.value) for c in first.code]
    assert attributes == [("a.py", "bad"), (None, None)]
    assert second.text == "Edit.\n\n**In `b.py`:**" and second.code[0].file is None


# ------------------------------------------------------------------ action-item tables


def test_action_item_tables_name_each_cell_by_its_column(tmp_path: Path) -> None:
    """An action-items table gives one item a row: its action (the column of longest cells,
    wherever it stands), then the other cells named by their header; the row numbers go."""
    text = (
        "# Fix: exports were empty\n" + BODY + "\n## Action items\n\n"
        "| # | Action | Owner | Ticket | Status |\n"
        "|---|--------|-------|--------|--------|\n"
        "| 1 | Add an alert on empty exports | @maria | OPS-112 | Done |\n"
        "| 2 | Store timestamps in UTC everywhere | @lee |  | Open |\n"
    )
    items = [str(i) for i in _import(tmp_path, text).prevention]
    assert items == [
        "Add an alert on empty exports (Owner: @maria; Ticket: OPS-112; Status: Done)",
        "Store timestamps in UTC everywhere (Owner: @lee; Status: Open)",
    ]
