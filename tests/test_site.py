"""kbtool site without a browser: determinism, incremental rebuilds, escaping of a hostile
KB, link filtering, the preview server, the CLI and the Pages workflow example.
(tests/test_site_browser.py opens the built site in Chromium.)"""

from __future__ import annotations

import json
import re
import shutil
import threading
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from helpers_cli import cli
from lxml import html as lxml_html

from kbtool.config import load_config
from kbtool.hrefs import safe_url
from kbtool.site.build import CSP, MANIFEST, build_site
from kbtool.site.safehtml import highlight, markdown

REPO = Path(__file__).resolve().parent.parent
HOSTILE = REPO / "tests" / "fixtures" / "site_hostile"


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def index_script(body: bytes) -> tuple[str, Any]:
    """The name and data of a file of search/: ``kbtoolSearch("<name>",JSON.parse("…"));``."""
    found = re.fullmatch(rb'kbtoolSearch\("([a-z0-9/_]+)",JSON\.parse\((".*")\)\);\n', body, re.S)
    assert found, body[:80]
    return found[1].decode(), json.loads(json.loads(found[2]))


def _copy_kb(src: Path, dst: Path) -> Path:
    shutil.copytree(src / "learnings", dst / "learnings")
    (dst / "kbtool.toml").write_text('learnings = "learnings"\nreports = "learnings/reports"\n')
    return dst


@pytest.fixture(scope="module")
def bundled_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "out"
    build_site(load_config(root=REPO), out)
    return out


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    kb = _copy_kb(HOSTILE, tmp_path_factory.mktemp("hostile"))
    out = kb / "_site"
    build_site(load_config(root=kb), out)
    return out


def test_same_kb_gives_byte_identical_sites(bundled_site: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    result = build_site(load_config(root=REPO), again)
    first, second = _files(bundled_site), _files(again)
    assert first.keys() == second.keys()
    different = [k for k in first if first[k] != second[k]]
    assert different == []
    assert result.entries == 91 and len(first) > 300


def test_site_has_every_kind_of_page(bundled_site: Path) -> None:
    index = (bundled_site / "index.html").read_text()
    for category in ("Database/AsyncIO", "Pydantic/v2", "SQLAlchemy/Sessions"):
        assert f">{category}</h2>" in index
    assert index.count("<tr>") == 91 + 18  # a row per entry, a header row per category
    page = (bundled_site / "e" / "async-context-manager-dependency-injection.html").read_text()
    for heading in ("Symptoms", "Five whys", "Solution", "Files", "Prevention", "References"):
        assert f"<h2>{heading}</h2>" in page
    assert "<h2>Backlinks</h2>" in page and 'class="report"' in page
    assert '<span class="k">async</span>' in page or '<span class="k">def</span>' in page
    assert (bundled_site / "graph.html").read_text().count("<tr>") > 5
    assert (bundled_site / "t" / "fastapi.html").is_file()
    assert "<svg" in (bundled_site / "graph.html").read_text()


def test_incremental_rebuild_rewrites_only_what_changed(tmp_path: Path) -> None:
    kb = _copy_kb(REPO, tmp_path / "kb")
    out = tmp_path / "out"
    config = load_config(root=kb)
    first = build_site(config, out)
    assert len(first.written) == first.files
    again = build_site(config, out)
    assert again.written == [] and again.removed == []

    stamps = {p: (out / p).stat().st_mtime_ns for p in _files(out)}
    xml = kb / "learnings" / "pytest.xml"
    text = xml.read_text()
    marker = "<description>"
    at = text.index(marker, text.index('id="pytest-scope-mismatch"'))
    xml.write_text(text[: at + len(marker)] + "Zanzibarian. " + text[at + len(marker) :])
    third = build_site(load_config(root=kb), out)
    pages = [p for p in third.written if p.endswith(".html")]
    assert pages == ["e/pytest-scope-mismatch.html"]  # the description is on its page only
    assert all(p.startswith("search/") or p in pages for p in third.written), third.written
    assert "search/t/za.js" in third.written
    untouched = [p for p in stamps if p not in third.written and p != MANIFEST]
    assert all((out / p).stat().st_mtime_ns == stamps[p] for p in untouched)

    # A new title shows on the index and the entry's tag pages too; a removed entry's page goes.
    text = xml.read_text().replace(
        "A session-scoped fixture that uses a function-scoped one",
        "A session fixture that uses a function fixture",
    )
    xml.write_text(text)
    fourth = build_site(load_config(root=kb), out)
    html = {p for p in fourth.written if p.endswith(".html")}
    assert {"index.html", "e/pytest-scope-mismatch.html"} <= html
    assert all(p.startswith("t/") for p in html - {"index.html", "e/pytest-scope-mismatch.html"})
    assert any(p.startswith("t/") for p in html)
    (kb / "learnings" / "reports").joinpath("unrelated.md").write_text("# nothing\n")
    start = text.index(
        "<learning", text.index('id="pytest-asyncio-event-loop-fixture-removed"') - 20
    )
    end = text.index("</learning>", start) + len("</learning>")
    xml.write_text(text[:start] + text[end:])
    fifth = build_site(load_config(root=kb), out)
    assert "e/pytest-asyncio-event-loop-fixture-removed.html" in fifth.removed
    assert not (out / "e" / "pytest-asyncio-event-loop-fixture-removed.html").exists()


def test_search_index_files_are_scripts_a_file_url_can_load(bundled_site: Path) -> None:
    """Browsers refuse fetch() to a page opened from file://, but load its scripts: every
    file of search/ is one, handing its JSON to static/search.js under its own name."""
    files = sorted((bundled_site / "search").rglob("*.*"))
    assert files and all(f.suffix == ".js" for f in files), [f.name for f in files[:5]]
    names = {}
    for f in files:
        name, data = index_script(f.read_bytes())
        assert f.relative_to(bundled_site / "search").as_posix() == name + ".js"
        names[name] = data
    meta = names["meta"]
    assert meta["format"] == 3 and meta["docs"] == 91
    assert {f"t/{k}" for k in meta["shards"]} == {n for n in names if n.startswith("t/")}
    assert {f"v/{k}" for k in meta["spelled"]} == {n for n in names if n.startswith("v/")}
    assert "coroutin" in names["t/co"] and "coroutine" in names["v/co"]  # stems; words


def test_a_forged_manifest_cannot_delete_other_files(tmp_path: Path) -> None:
    kb = _copy_kb(HOSTILE, tmp_path / "kb")
    out = tmp_path / "out"
    out.mkdir()
    keep = tmp_path / "keep.txt"
    keep.write_text("mine")
    (out / "notes.txt").write_text("mine")
    forged = {"../keep.txt": ["x", "y"], "notes.txt": ["x", "y"], "e/../../keep.txt": ["x", "y"]}
    (out / MANIFEST).write_text(json.dumps({"version": 1, "files": forged}))
    build_site(load_config(root=kb), out)
    assert keep.read_text() == "mine" and (out / "notes.txt").read_text() == "mine"


def test_a_linked_site_folder_is_refused(tmp_path: Path) -> None:
    kb = _copy_kb(HOSTILE, tmp_path / "kb")
    out = tmp_path / "out"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / "e").symlink_to(elsewhere)
    result = cli("--root", str(kb), "site", "--out", str(out))
    assert result.code == 3 and "symbolic link" in result.err
    assert list(elsewhere.iterdir()) == []


SCRIPT_SRCS = {"static/errortext.js", "static/query.js", "static/search.js"}


def _pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_hostile_entry_is_text_everywhere(hostile_site: Path) -> None:
    for page in _pages(hostile_site):
        doc = lxml_html.fromstring(page.read_bytes())
        csp = doc.xpath('//meta[@http-equiv="Content-Security-Policy"]/@content')
        assert csp == [CSP], page
        for el in doc.iter():
            if not isinstance(el.tag, str):
                continue
            assert el.tag not in ("img", "iframe", "object", "embed", "style", "base", "form")
            handlers = [a for a in el.attrib if a.lower().startswith("on")]
            assert handlers == [], (page, el.tag, handlers)
            assert "style" not in el.attrib, (page, el.tag)
            if el.tag == "script":
                src = el.get("src", "")
                assert not (el.text or "").strip() and src.split("static/")[-1] in {
                    s.split("/")[-1] for s in SCRIPT_SRCS
                }
            for name in ("href", "src", "action", "formaction", "data", "xlink:href"):
                value = el.get(name)
                if value is not None:
                    assert safe_url(value) is not None, (page, el.tag, name, value)
        text = page.read_text()
        assert "javascript:" not in text.replace("javascript:alert", "")  # shown as text only
    entry = (hostile_site / "e" / "hostile-entry.html").read_text()
    assert "&lt;img src=x onerror" in entry and "window.__pwned" in entry  # visible, as text
    links = lxml_html.fromstring(entry).xpath("//a/@href")
    assert not [h for h in links if h.lower().replace("\t", "").startswith(("java", "data"))]
    assert not [h for h in links if h.startswith("//")]


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.org/x", True),
        ("HTTP://example.org", True),
        ("mailto:a@b.c", True),
        ("reports/x.md#anchor", True),
        ("#top", True),
        ("../e/x.html", True),
        ("javascript:alert(1)", False),
        (" JaVaScRiPt:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("java\nscript:alert(1)", False),
        ("\x01javascript:alert(1)", False),
        ("vbscript:msgbox(1)", False),
        ("data:text/html,<script>", False),
        ("file:///etc/passwd", False),
        ("//evil.example/x", False),
        ("\\\\evil\\share", False),
        ("ftp://example.org", False),
    ],
)
def test_only_http_https_mailto_and_relative_links(url: str, ok: bool) -> None:
    assert (safe_url(url) is not None) is ok


def test_reports_render_without_raw_html_or_unsafe_links() -> None:
    out = str(markdown("<b>x</b> [a](javascript:alert(1)) [b](https://e.org) ![i](data:x)"))
    assert "<b>" not in out and "&lt;b&gt;" in out
    assert 'href="javascript' not in out and '<a href="https://e.org">b</a>' in out
    assert "<img" not in out


def test_highlighting_escapes_and_uses_classes_only() -> None:
    out = str(highlight('x = "</code><script>alert(1)</script>"', "python"))
    assert "<script>" not in out and "&lt;script&gt;" in out and 'class="' in out
    assert "style=" not in out
    assert str(highlight("<b>", '"><script>')) == "&lt;b&gt;"  # unknown language: plain


#: Code made for a Pygments lexer whose regular expressions backtrack: the systemd lexer
#: took 1 s on 500 characters, 8.5 s on 1,000 and 58 s on 2,000 (the cap was 64 KiB), so one
#: <code lang="systemd"> in a pull request held `kbtool site` for hours.
SLOW_FOR_PYGMENTS = '[("systemd", " " * 1998 + "x"), ("python", " \\n" * 32_000)]'


def test_a_code_block_made_for_a_slow_lexer_cannot_hold_the_build() -> None:
    import subprocess
    import sys
    import time

    script = (
        "import sys, time\n"
        "from kbtool.site.safehtml import highlight\n"
        f"for lang, code in {SLOW_FOR_PYGMENTS}:\n"
        "    start = time.monotonic()\n"
        "    out = str(highlight(code, lang))\n"
        "    print(lang, round(time.monotonic() - start, 2), '<span' in out)\n"
    )
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - start < 15, done.stdout
    # everyday code is still highlighted
    assert "<span" in str(highlight("def f(x):\n    return x  # ok\n" * 50, "python"))


def test_serve_binds_to_loopback(hostile_site: Path) -> None:
    from kbtool.site.serve import make_server

    server = make_server(hostile_site, 0)
    try:
        assert server.server_address[0] == "127.0.0.1"
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/search/meta.js"
        with urllib.request.urlopen(url, timeout=10) as reply:
            assert reply.headers["Content-Type"] == "text/javascript; charset=utf-8"
            name, meta = index_script(reply.read())
            assert name == "meta" and meta["docs"] == 2
    finally:
        server.shutdown()
        server.server_close()


def test_cli_builds_and_refuses_the_learnings_folder(tmp_path: Path) -> None:
    kb = _copy_kb(HOSTILE, tmp_path / "kb")
    result = cli("--root", str(kb), "site", "--out", str(tmp_path / "out"))
    assert result.code == 0, result.err
    assert "2 entries" in result.err and (tmp_path / "out" / "index.html").is_file()
    bad = cli("--root", str(kb), "site", "--out", str(kb / "learnings" / "site"))
    assert bad.code == 2 and "learnings folder" in bad.err
    port = cli("--root", str(kb), "site", "--out", str(tmp_path / "o"), "--port", "70000")
    assert port.code == 2


def test_templates_and_static_files_ship_with_the_package() -> None:
    from importlib.resources import files

    site = files("kbtool.site")
    names = {p.name for p in (site / "templates").iterdir()}
    assert {"base.html.j2", "entry.html.j2", "index.html.j2", "graph.html.j2"} <= names
    assert {p.name for p in (site / "static").iterdir()} >= {"search.js", "errortext.js"}


def test_pages_workflow_example_builds_and_publishes_the_site() -> None:
    import yaml

    workflow = yaml.safe_load((REPO / "docs" / "examples" / "pages.yml").read_text())
    jobs = workflow["jobs"]
    steps = [s for job in jobs.values() for s in job.get("steps", [])]
    runs = " ".join(s.get("run", "") for s in steps)
    assert "kbtool site" in runs and "--out" in runs
    uses = [s.get("uses", "") for s in steps]
    assert any(u.startswith("actions/upload-pages-artifact") for u in uses)
    assert any(u.startswith("actions/deploy-pages") for u in uses)
    assert workflow[True if True in workflow else "on"]  # the trigger (YAML 1.1 reads on: as True)
    perms = {k: v for job in jobs.values() for k, v in (job.get("permissions") or {}).items()}
    perms.update(workflow.get("permissions") or {})
    assert perms.get("pages") == "write" and perms.get("id-token") == "write"
