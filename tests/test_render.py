"""kbtool render / plan: templates, the typed context, escaping, the sandbox and its limits."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers_cli import cli
from helpers_text import check_golden, markdown_tokens

from kbtool.config import load_config
from kbtool.kb import KnowledgeBase
from kbtool.render.context import build_context
from kbtool.render.engine import Limits, TemplateError, render
from kbtool.render.shapes import describe_types
from kbtool.selection import Selection

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RENDER_KB = HERE / "fixtures" / "render_kb"
LINKS_KB = HERE / "fixtures" / "links_kb"
BAD_TEMPLATES = HERE / "fixtures" / "badinputs" / "templates"
GOLDEN = HERE / "golden" / "render"


def golden(name: str, text: str) -> None:
    check_golden(GOLDEN / name, text)


def assert_safe(text: str) -> None:
    """No raw HTML, no unsafe link or image targets, no live mention."""
    for token in markdown_tokens(text):
        assert token.type not in ("html_block", "html_inline"), token.content
        for key in ("href", "src"):
            target = str(token.attrs.get(key, "")) if token.attrs else ""
            assert not re.match(r"(?i)\s*(javascript|data|vbscript):", target), target
            if token.type == "image":
                assert not re.match(r"(?i)https?:", target), target
        if token.type == "text":
            assert "@everyone" not in token.content


# ------------------------------------------------------------------ the context and its docs


def test_docs_describe_the_context() -> None:
    docs = (REPO / "docs" / "templates.md").read_text(encoding="utf-8").split("## The context")[1]
    documented: dict[str, dict[str, str]] = {}
    current = None
    for line in docs.splitlines():
        heading = re.match(r"^### (\w+)$", line)
        if heading:
            current = heading.group(1)
            continue
        row = re.match(r"^\| `(\w+)` \| ([^|]+) \|", line)
        if current and row:
            documented.setdefault(current, {})[row.group(1)] = row.group(2).strip()
    assert documented == describe_types()


def test_context_is_plain_data() -> None:
    config = load_config(root=RENDER_KB)
    kb = KnowledgeBase.load(config)
    context = build_context(list(kb.entries()), config)

    def walk(value: object) -> None:
        assert type(value) in (dict, list, str, int, bool), type(value)
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(context)


# ------------------------------------------------------------------ the templates


def test_plan_and_index_golden_and_deterministic(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    shutil.copytree(LINKS_KB, root)
    plan = cli("--root", str(root), "plan")
    assert plan.code == 0, plan.err
    golden("plan.md", plan.out)
    assert cli("--root", str(root), "plan").out == plan.out
    index = cli("--root", str(root), "render", "index.md.j2", "--title", "Our learnings")
    golden("index.md", index.out)
    assert "- [ ] " in plan.out and "### Links" in plan.out
    assert "| [retry-after-commit](learnings/database_postgres.xml#L12) |" in index.out


def test_plan_links_are_relative_to_the_output(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    shutil.copytree(LINKS_KB, root)
    out = root / "docs" / "plans" / "p.md"
    result = cli("--root", str(root), "plan", "retry-after-commit", "-o", str(out))
    assert result.code == 0, result.err
    text = out.read_text(encoding="utf-8")
    assert (
        "[learnings/database_postgres.xml#retry-after-commit]"
        "(../../learnings/database_postgres.xml#L12)" in text
    )
    assert "(../../learnings/reports/duplicate-invoices.md#root-cause)" in text


@pytest.mark.parametrize("template", ["fix-report.md.j2", "remediation-plan.md.j2", "index.md.j2"])
@pytest.mark.parametrize("entry_id", ["html-inject", "md-inject"])
def test_hostile_entry_text_is_escaped(template: str, entry_id: str) -> None:
    result = cli("--root", str(RENDER_KB), "render", template, entry_id)
    assert result.code == 0, result.err
    out = result.out
    assert_safe(out)
    assert "onerror=alert(2)" not in out.replace("&lt;img src=x onerror=alert(2)&gt;", "")
    headings = [line for line in out.splitlines() if line.startswith("#")]
    assert not any(
        "Fake top-level heading" in h and not h.startswith("# Title") and not h.startswith("## ")
        for h in headings
    )
    if entry_id == "md-inject" and template != "index.md.j2":
        assert "{{ 7*7 }}" in out and "49" not in out  # data is never a template
    if template == "index.md.j2":
        rows = [t for t in markdown_tokens(out) if t.type == "tr_open"]
        assert len(rows) == 2 + 1 + 1  # two headers, one category row, one entry row


def test_fix_report_needs_one_entry() -> None:
    result = cli("--root", str(RENDER_KB), "render", "fix-report.md.j2")
    assert result.code == 2  # a usage error: the selection, not the template, is wrong
    assert "fix-report.md.j2: renders one entry" in result.err
    assert "select exactly one" in result.err and "/templates/" not in result.err


def test_unknown_template_and_id() -> None:
    assert cli("--root", str(RENDER_KB), "render", "nope.md.j2").code == 2
    result = cli("--root", str(RENDER_KB), "render", "index", "md-injec")
    assert result.code == 2 and "did you mean md-inject" in result.err


# ------------------------------------------------------------------ user templates


def user_render(folder: Path, name: str, limits: Limits | None = None) -> str:
    config = load_config(root=RENDER_KB)
    kb = KnowledgeBase.load(config)
    context = build_context([e for e in kb.entries() if e.id == "md-inject"], config)
    return render(name, context, user_dir=folder, limits=limits)


def test_user_template_extends_default(tmp_path: Path) -> None:
    (tmp_path / "fix-report.md.j2").write_text(
        '{% extends "default:fix-report.md.j2" %}\n{% block related %}\n\n## Related Issues\n\n'
        "Ask {{ entry.category | md_inline }} on-call.\n{% endblock %}\n"
    )
    out = user_render(tmp_path, "fix-report.md.j2")
    assert "## Problem Statement" in out
    assert out.endswith("## Related Issues\n\nAsk Security/Rendering on-call.\n")


def test_user_templates_found_through_config(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    shutil.copytree(RENDER_KB, root)
    (root / "kbtool.toml").write_text('[tool.kbtool]\nlearnings = "learnings"\ntemplates = "tpl"\n')
    (root / "tpl").mkdir()
    (root / "tpl" / "ids.md.j2").write_text("{% for e in entries %}{{ e.id }}\n{% endfor %}")
    result = cli("--root", str(root), "render", "ids")
    assert result.code == 0, result.err
    assert result.out == "html-inject\nmd-inject\n"


def test_configured_templates_folder_that_is_missing_is_said(tmp_path: Path) -> None:
    """A misspelt ``templates`` setting still renders (kbtool's own templates), and says so:
    silently ignoring it left users wondering why their template changed nothing."""
    root = tmp_path / "kb"
    shutil.copytree(RENDER_KB, root)
    (root / "kbtool.toml").write_text('learnings = "learnings"\ntemplates = "tlp"\n')
    result = cli("--root", str(root), "render", "index")
    assert result.code == 0, result.err
    assert result.out.startswith("#")
    assert "kbtool.toml: templates = 'tlp' is not a folder; using kbtool's own" in result.err


def test_strict_undefined_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "t.md.j2").write_text("# x\n{{ entry.title }}\n{{ entry.no_such_field }}\n")
    with pytest.raises(TemplateError, match=r"t\.md\.j2:3: undefined: .*no_such_field"):
        user_render(tmp_path, "t.md.j2")


def test_evil_template_is_not_allowed(tmp_path: Path) -> None:
    shutil.copy(BAD_TEMPLATES / "evil_template.md.j2", tmp_path)
    result = cli(
        "--root",
        str(RENDER_KB),
        "render",
        "--templates",
        str(tmp_path),
        "evil_template.md.j2",
        "md-inject",
    )
    assert result.code == 1
    assert re.search(r"evil_template\.md\.j2:3: not allowed: ", result.err), result.err
    assert "uid=" not in result.out + result.err


@pytest.mark.parametrize(
    "line",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{{ lipsum.__globals__['os'].popen('id').read() }}",
        "{{ self.__init__.__globals__.__builtins__.__import__('os').system('id') }}",
        '{{ "{0.__class__.__mro__}".format(entry) }}',
        '{{ entry|attr("__class__")|attr("__mro__") }}',
        "{{ entry.__dict__ }}",
        "{% set x = entries.append(1) %}",
    ],
)
def test_each_escape_attempt_fails(tmp_path: Path, line: str) -> None:
    (tmp_path / "t.md.j2").write_text("# ok\n" + line + "\n")
    with pytest.raises(TemplateError, match=r"t\.md\.j2:2: "):
        user_render(tmp_path, "t.md.j2")


def test_dos_template_is_stopped(tmp_path: Path) -> None:
    shutil.copy(BAD_TEMPLATES / "template_dos.md.j2", tmp_path)
    with pytest.raises(TemplateError, match=r"template_dos\.md\.j2:2: not allowed: repeating"):
        user_render(tmp_path, "template_dos.md.j2")


def test_time_limit(tmp_path: Path) -> None:
    (tmp_path / "loop.md.j2").write_text(
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}\n"
    )
    with pytest.raises(TemplateError, match=r"time limit|killed"):
        user_render(tmp_path, "loop.md.j2", Limits(seconds=2))


def test_memory_limit(tmp_path: Path) -> None:
    (tmp_path / "grow.md.j2").write_text(
        '{% set ns = namespace(s="A") %}{% for i in range(30) %}{% set ns.s = ns.s ~ ns.s %}'
        "{% endfor %}{{ ns.s | length }}\n"
    )
    with pytest.raises(TemplateError, match=r"memory limit|killed"):
        user_render(tmp_path, "grow.md.j2", Limits(seconds=20, memory_bytes=256 << 20))


def test_huge_power_is_not_allowed(tmp_path: Path) -> None:
    (tmp_path / "pow.md.j2").write_text("# x\n{{ (2 ** 100000000) | string | length }}\n")
    with pytest.raises(TemplateError, match=r"pow\.md\.j2:2: not allowed: exponent"):
        user_render(tmp_path, "pow.md.j2")


def test_output_limit(tmp_path: Path) -> None:
    (tmp_path / "big.md.j2").write_text(
        "{% for i in range(90000) %}{{ entry.title }}\n{% endfor %}"
    )
    with pytest.raises(TemplateError, match=r"over the limit"):
        user_render(tmp_path, "big.md.j2", Limits(output_bytes=100_000))


def test_syntax_error_has_file_and_line(tmp_path: Path) -> None:
    shutil.copy(BAD_TEMPLATES / "template_syntax_error.md.j2", tmp_path)
    result = cli(
        "--root",
        str(RENDER_KB),
        "render",
        "--templates",
        str(tmp_path),
        "template_syntax_error.md.j2",
    )
    assert result.code == 1
    assert re.search(r"template_syntax_error\.md\.j2:[23]: syntax error", result.err), result.err


def test_template_folder_cannot_be_left(tmp_path: Path) -> None:
    folder = tmp_path / "tpl"
    folder.mkdir()
    secret = tmp_path / "secret.md.j2"
    secret.write_text("SECRET")
    (folder / "link.md.j2").symlink_to(secret)
    (folder / "inc.md.j2").write_text('{% include "../secret.md.j2" %}')
    with pytest.raises(TemplateError, match="not allowed"):
        user_render(folder, "link.md.j2")
    with pytest.raises(Exception, match=r"not found|secret"):
        user_render(folder, "inc.md.j2")
    with pytest.raises(Exception, match="not found"):
        user_render(folder, "../secret.md.j2")


# ------------------------------------------------------------------ start-up cost


def test_cli_start_up_imports_no_jinja_or_markdown_it() -> None:
    code = (
        "import sys, kbtool.cli; "
        "print(sorted(m for m in ('jinja2', 'markdown_it', 'yaml') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_selection_keeps_id_order() -> None:
    config = load_config(root=RENDER_KB)
    kb = KnowledgeBase.load(config)
    from kbtool.selection import select_entries

    selection = select_entries(config, kb, ids=["md-inject", "html-inject"])
    assert [e.id for e in selection.entries] == ["md-inject", "html-inject"]
    assert isinstance(selection, Selection)
    only = select_entries(config, kb, category="security")
    assert len(only.entries) == 2


def test_plan_for_a_known_error_holds_its_exact_matches_only(tmp_path: Path) -> None:
    shutil.copytree(REPO / "learnings", tmp_path / "learnings")
    known = "AttributeError: '_AsyncGeneratorContextManager' object has no attribute 'execute'"
    plan = cli("--root", str(tmp_path), "plan", "--match", known)
    assert plan.code == 0, plan.err
    assert "1 learning to apply." in plan.out
    assert "async-context-manager-dependency-injection" in plan.out
    assert "sqlalchemy-asyncsession-has-no-query" not in plan.out  # same shape, other names
    # the sync context manager is the same mistake; AsyncSession's "no attribute 'query'"
    # shares the attribute, not the object, so it is not an exact match any more
    renamed = "AttributeError: '_GeneratorContextManager' object has no attribute 'query'"
    sync = cli("--root", str(tmp_path), "plan", "--match", renamed)
    assert sync.code == 0 and "1 learning to apply." in sync.out, sync.out
    assert "async-context-manager-dependency-injection" in sync.out
    other_words = "RuntimeError: Task got Future attached to a different loop"
    broader = cli("--root", str(tmp_path), "plan", "--match", other_words)
    assert broader.code == 0 and broader.out.count("\n## ") > 1  # no exact match: the best few


def test_plan_from_an_error_and_from_a_log(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    shutil.copytree(LINKS_KB, root)
    error = 'IntegrityError: duplicate key value violates unique constraint "invoices_number_key"'
    direct = cli("--root", str(root), "plan", "--match", error)
    assert direct.code == 0, direct.err
    assert "## 1. Retrying a transaction whose commit outcome is unknown" in direct.out
    log = "\n".join(
        ["INFO start"] * 50
        + [
            "Traceback (most recent call last):",
            '  File "app/billing.py", line 3, in pay',
            "sqlalchemy.exc." + error,
            "INFO done",
        ]
    )
    piped = cli("--root", str(root), "plan", "--match", "-", stdin=log)
    assert piped.code == 0, piped.err
    assert "## 1. Retrying a transaction whose commit outcome is unknown" in piped.out
    query = cli("--root", str(root), "render", "index", "--query", "idle transaction timeout")
    assert query.code == 0 and "idle-in-transaction-timeout" in query.out
    nothing = cli("--root", str(root), "plan", "--match", "KeyError: 'zzz-unrelated'")
    assert nothing.code == 1 and "no entry matches" in nothing.err  # as kbtool match exits
