"""kbtool site in a real browser: Debian's Chromium (/usr/bin/chromium) driven by Playwright
for Python through ``executable_path`` (Playwright's own browser download is never used).

Opens the bundled KB's site over the loopback preview server and from file://, types a
query and pastes an error and checks the expected entry comes first, moves through results
with the keyboard, clicks through, browses without JavaScript, opens the hostile fixture's
pages and checks nothing fires, runs the shared normalisation vectors in the page, and
saves screenshots (index and an entry, 1280 and 390 px wide) under $KBTOOL_ARTIFACTS or
tests/artifacts/.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers_browser import CHROMIUM, FLAGS

if not CHROMIUM.exists():
    pytest.skip(
        "no /usr/bin/chromium (apt-get install -y chromium): browser tests skipped",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright not installed (pip install -e '.[test]')"
)

from kbtool.config import load_config  # noqa: E402
from kbtool.site.build import build_site  # noqa: E402
from kbtool.site.serve import make_server  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
HOSTILE = REPO / "tests" / "fixtures" / "site_hostile"
VECTORS = REPO / "tests" / "fixtures" / "errortext_vectors.json"
FLAGSHIP = "async-context-manager-dependency-injection"
TRACEBACK = """Traceback (most recent call last):
  File "/app/.venv/lib/python3.12/site-packages/starlette/routing.py", line 76, in app
    response = await func(request)
  File "/app/app/routes/items.py", line 18, in list_items
    async for row in session:
TypeError: '_AsyncGeneratorContextManager' object is not an async iterator
"""

# Records anything that fires: dialogs, script errors, CSP violations, a planted global.
WATCH = """
window.__fired = [];
for (const name of ["alert", "confirm", "prompt", "print", "open"]) {
  window[name] = (...args) => { window.__fired.push(name + ":" + args.join(",")); };
}
window.addEventListener("error",
  (e) => window.__fired.push("error:" + (e.message || e.type)), true);
document.addEventListener("securitypolicyviolation",
  (e) => window.__fired.push("csp:" + e.violatedDirective + ":" + e.blockedURI));
"""


def artifacts() -> Path:
    folder = Path(os.environ.get("KBTOOL_ARTIFACTS") or REPO / "tests" / "artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Served:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.server = make_server(folder, 0)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Served]]:
    out = tmp_path_factory.mktemp("sites")
    build_site(load_config(root=REPO), out / "bundled")
    kb = out / "hostile-kb"
    shutil.copytree(HOSTILE, kb)
    build_site(load_config(root=kb), out / "hostile")
    served = {"bundled": Served(out / "bundled"), "hostile": Served(out / "hostile")}
    yield served
    for s in served.values():
        s.close()


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        yield p


class Browser:
    """A fresh Chromium profile (a new user-data-dir), with every console message, page
    error and failed request recorded."""

    def __init__(self, playwright: Any, **options: Any) -> None:
        self.profile = tempfile.mkdtemp(prefix="kbtool-chromium-")
        options.setdefault("viewport", {"width": 1280, "height": 900})
        self.context = playwright.chromium.launch_persistent_context(
            self.profile, executable_path=str(CHROMIUM), args=FLAGS, headless=True, **options
        )
        self.problems: list[str] = []
        self.page = self.context.pages[0] if self.context.pages else self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.problems.append(f"pageerror: {e}"))
        self.page.on("requestfailed", self._failed)

    def _failed(self, request: Any) -> None:
        failure = request.failure or ""
        if "ERR_ABORTED" in failure:  # the next goto cancelled a load still in flight
            return
        self.problems.append(f"failed: {request.url} ({failure})")

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"console {message.type}: {message.text}")

    def close(self) -> None:
        self.context.close()
        shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture
def browser(playwright: Any) -> Iterator[Browser]:
    b = Browser(playwright)
    yield b
    b.close()


def search(page: Any, text: str) -> list[str]:
    """Type or paste ``text`` into the search box; the result links' entry ids."""
    page.fill("#q", text)
    page.wait_for_function("t => document.querySelector('search').dataset.query === t", arg=text)
    hrefs = page.eval_on_selector_all("#results li a", "els => els.map(e => e.href)")
    return [h.rsplit("/", 1)[-1].removesuffix(".html") for h in hrefs]


def test_typed_query_finds_the_entry_and_keyboard_opens_it(
    sites: dict[str, Served], browser: Browser
) -> None:
    page = browser.page
    page.goto(sites["bundled"].url + "index.html")
    page.click("#q")
    page.keyboard.type("coroutine never awa", delay=20)  # still typing: a prefix
    page.wait_for_function(
        "() => document.querySelector('search').dataset.query === 'coroutine never awa'"
    )
    ids = page.eval_on_selector_all("#results li a", "els => els.map(e => e.href)")
    assert ids and ids[0].endswith("/e/coroutine-never-awaited.html"), ids[:3]
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    selected = page.get_attribute("#results li[aria-selected=true] a", "href")
    assert selected == ids[1]
    assert page.get_attribute("#q", "aria-activedescendant") == "r-1"
    page.keyboard.press("Enter")
    page.wait_for_url(ids[1])
    assert browser.problems == []


def test_search_works_from_file_urls_offline(sites: dict[str, Served], browser: Browser) -> None:
    """The site opened from disk (an unzipped CI artifact, no server): browsers refuse
    fetch() to file:// pages, so the index is loaded as scripts. Words and a pasted error
    both find their entry, Enter opens it, and nothing reaches the console."""
    page = browser.page
    page.goto(sites["bundled"].folder.as_uri() + "/index.html")
    assert search(page, "coroutine never awaited")[0] == "coroutine-never-awaited"
    assert search(page, TRACEBACK)[0] == FLAGSHIP
    page.focus("#q")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/e/{FLAGSHIP}.html")
    assert page.url.startswith("file://")
    assert browser.problems == []


def test_pasted_traceback_finds_the_flagship_entry_first_and_clicks_through(
    sites: dict[str, Served], browser: Browser
) -> None:
    page = browser.page
    page.goto(sites["bundled"].url + "index.html")
    ids = search(page, TRACEBACK)
    assert ids[0] == FLAGSHIP, ids[:3]
    assert "Matched as an error" in page.text_content("#search-status")
    page.click("#results li:first-child a")
    page.wait_for_url(f"**/e/{FLAGSHIP}.html")
    assert "Depends()" in page.text_content("h1")
    assert page.locator("section.report").count() == 1
    assert browser.problems == []


def test_pasted_symptoms_match_like_kbtool_match(
    sites: dict[str, Served], browser: Browser
) -> None:
    """Each bundled entry's error-shaped symptom lines pasted on their own: the entry should
    come first, as `kbtool match` ranks it. Prints the agreement figure."""
    from kbtool.search.match import match_text

    config = load_config(root=REPO)
    page = browser.page
    page.goto(sites["bundled"].url + "index.html")
    cases = []
    for vector in json.loads(VECTORS.read_text()):
        line = vector["input"]
        if vector["signatures"][0] != vector["signatures"][1] and len(line) < 300:
            cases.append(line)
    cases = cases[:120]
    same = first = 0
    misses = []
    for line in cases:
        hits = match_text(config, line, limit=3)
        if not hits:
            continue
        ids = search(page, line)
        expected = hits[0].id
        tied = {h.id for h in hits if round(h.score, 2) == round(hits[0].score, 2)}
        if ids and ids[0] in tied:
            same += 1
        else:
            misses.append((line[:70], expected, ids[:2]))
        first += bool(ids) and expected in ids[:3]
    total = len([c for c in cases if match_text(config, c, limit=1)])
    print(
        f"\nsite search vs kbtool match on {total} pasted symptom lines: "
        f"same first entry {same}/{total} ({same / total:.0%}), "
        f"match's first in the site's top 3: {first}/{total}"
    )
    for miss in misses[:10]:
        print("  differs:", miss)
    assert total >= 40
    assert same / total >= 0.9
    assert browser.problems == []


def test_javascript_normalises_like_python_in_chromium(
    sites: dict[str, Served], browser: Browser
) -> None:
    page = browser.page
    page.goto(sites["bundled"].url + "index.html")
    want = json.loads(VECTORS.read_text())
    got = page.evaluate(
        """vs => vs.map(v => [KbErrorText.cleanLine(v.input), KbErrorText.signature(v.input),
             KbErrorText.signatures(v.input), KbErrorText.words(v.input),
             KbErrorText.quotedValues(v.input), KbErrorText.unframe([v.input])])""",
        want,
    )
    bad = [
        w["input"][:80]
        for w, g in zip(want, got, strict=True)
        if g
        != [w["clean"], w["signature"], w["signatures"], w["words"], w["quoted"], w["unframed"]]
    ]
    print(f"\nerrortext.js in Chromium: {len(want) - len(bad)}/{len(want)} vectors agree")
    assert bad == []


def test_everything_but_search_works_without_javascript(
    sites: dict[str, Served], playwright: Any
) -> None:
    b = Browser(playwright, java_script_enabled=False)
    try:
        page = b.page
        page.goto(sites["bundled"].url + "index.html")
        assert not page.is_visible("search")
        assert page.locator("table.entries tbody tr").count() == 91
        page.click(f"a[href='e/{FLAGSHIP}.html']")
        page.wait_for_url(f"**/e/{FLAGSHIP}.html")
        page.click("ul.tags a >> nth=0")
        assert "/t/" in page.url and page.locator("table.entries tbody tr").count() >= 1
        page.goto(sites["bundled"].url + "graph.html")
        assert page.locator("svg circle").count() > 10
        assert b.problems == []
    finally:
        b.close()


def test_hostile_entry_fires_nothing(sites: dict[str, Served], browser: Browser) -> None:
    page = browser.page
    page.add_init_script(WATCH)
    base = sites["hostile"].url
    pages = ["index.html", "e/hostile-entry.html", "e/plain-entry.html", "graph.html"]
    pages += ["tags.html"]
    page.goto(base + "tags.html")
    pages += [
        h.split(base, 1)[-1]
        for h in page.eval_on_selector_all("ul.tagcloud a", "els => els.map(e => e.href)")
    ]
    for path in pages:
        page.goto(base + path)
        page.wait_for_load_state("load")
        for link in page.query_selector_all("main a, main code, main li")[:60]:
            link.hover()  # mouseover handlers, if any had got through
        fired = page.evaluate("window.__fired")
        assert fired == [], (path, fired)
        assert page.evaluate("typeof window.__pwned") == "undefined", path
        assert page.locator("main img, main iframe, main object, main style").count() == 0
        assert page.evaluate("document.scripts.length") == 3, path  # errortext, query, search
    page.goto(base + "e/hostile-entry.html")
    assert "<img src=x onerror" in page.text_content("h1")  # shown as text
    hrefs = page.eval_on_selector_all("a", "els => els.map(e => e.getAttribute('href'))")
    assert not [h for h in hrefs if h.lower().lstrip().startswith(("javascript", "data", "//"))]
    # The same entry found by search renders as text too.
    page.goto(base + "index.html")
    ids = search(page, "pwnmarker")
    assert ids == ["hostile-entry"]
    assert "<img" in page.text_content("#results li a")
    assert page.locator("#results img").count() == 0
    ids = search(page, "HostileError: '<img src=x onerror=alert(10)>' pwned the page")
    assert ids[0] == "hostile-entry"
    assert page.evaluate("window.__fired") == []
    assert browser.problems == []


@pytest.mark.parametrize("width", [1280, 390])
def test_screenshots(sites: dict[str, Served], playwright: Any, width: int) -> None:
    b = Browser(playwright, viewport={"width": width, "height": 900})
    try:
        page = b.page
        page.goto(sites["bundled"].url + "index.html")
        search(page, TRACEBACK.splitlines()[-1])
        page.screenshot(path=str(artifacts() / f"site-index-{width}.png"))
        page.goto(sites["bundled"].url + f"e/{FLAGSHIP}.html")
        page.screenshot(path=str(artifacts() / f"site-entry-{width}.png"))
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scroll
        assert b.problems == []
    finally:
        b.close()
    dark = Browser(playwright, viewport={"width": width, "height": 900}, color_scheme="dark")
    try:
        dark.page.goto(sites["bundled"].url + f"e/{FLAGSHIP}.html")
        background = dark.page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(21, 23, 26)"  # prefers-color-scheme: dark
        dark.page.screenshot(path=str(artifacts() / f"site-entry-dark-{width}.png"))
    finally:
        dark.close()
