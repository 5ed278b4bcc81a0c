# ruff: noqa: E501  (code snippets read best on one line)
"""The detector format and the python-ast rule language (kbtool.scan.detectors)."""

from __future__ import annotations

from textwrap import dedent

import pytest
from lxml import etree

from kbtool.safexml import make_parser
from kbtool.scan.detectors.globs import path_matches
from kbtool.scan.detectors.redos import risky_regex
from kbtool.scan.detectors.run import SourceFile, module_name, run
from kbtool.scan.detectors.spec import Detector, compile_detector

EXAMPLES = '<example kind="bad">x</example><example kind="good">y</example>'


def detector(inner: str, kind: str = "python-ast") -> Detector:
    xml = f'<detector kind="{kind}">{inner}{EXAMPLES}</detector>'
    det, problems = compile_detector(etree.fromstring(xml, make_parser()), "e", 0)
    assert det is not None, problems
    return det


def rule(match: str) -> Detector:
    return detector(f"<match>{match}</match>")


def hits(det: Detector, **files: str) -> list[tuple[str, int, int]]:
    """Run on files given as keyword arguments: app__auth='…' is app/auth.py."""
    sources = [
        SourceFile(name.replace("__", "/") + ".py", name, dedent(text))
        for name, text in files.items()
    ]
    return [(h.file.rel, h.line, h.col) for h in run(sources, [det]).hits]


def problems_of(inner: str, kind: str = "python-ast", examples: str = EXAMPLES) -> list[str]:
    xml = f'<detector kind="{kind}">{inner}{examples}</detector>'
    _, problems = compile_detector(etree.fromstring(xml, make_parser()), "e", 0)
    return [f"{p.code} {p.message}" for p in problems]


FLAGSHIP = """
<call callee="fastapi.Depends fastapi.Security">
  <arg pos="0" keyword="dependency">
    <refers-to><function><decorator name="contextlib.asynccontextmanager"/></function></refers-to>
  </arg>
</call>
"""

DEPS = """
from contextlib import asynccontextmanager
@asynccontextmanager
async def get_request_scoped_db_session():
    yield 1
async def for_fastapi():
    async with get_request_scoped_db_session() as s:
        yield s
"""


# ------------------------------------------------------------------ name resolution


@pytest.mark.parametrize(
    "auth",
    [
        "from fastapi import Depends\nfrom app.dependencies import get_request_scoped_db_session as get_db\n"
        "def r(db=Depends(get_db)): ...",
        "import fastapi\nfrom app import dependencies\n"
        "def r(db=fastapi.Depends(dependencies.get_request_scoped_db_session)): ...",
        "import fastapi as fa\nimport app.dependencies\n"
        "def r(db=fa.Depends(app.dependencies.get_request_scoped_db_session)): ...",
        "from fastapi import Depends as D\nfrom .dependencies import get_request_scoped_db_session as g\n"
        "def r(db=D(dependency=g)): ...",
        "from typing import Annotated\nfrom fastapi import Depends\n"
        "from app.dependencies import get_request_scoped_db_session as get_db\n"
        "def r(db: Annotated[object, Depends(get_db)]): ...",
        "from fastapi import Security\nfrom app.reexport import db\ndef r(x=Security(db)): ...",
        "from fastapi import Depends\nimport app.dependencies as d\nget_db = d.get_request_scoped_db_session\n"
        "def r(x=Depends(get_db)): ...",
    ],
)
def test_flagship_rule_resolves_every_spelling(auth: str) -> None:
    found = hits(
        rule(FLAGSHIP),
        app__dependencies=DEPS,
        app__reexport="from app.dependencies import get_request_scoped_db_session as db\n",
        app__auth=auth,
    )
    assert [f[0] for f in found] == ["app/auth.py"]
    assert found[0][1] == auth.count("\n") + 1


@pytest.mark.parametrize(
    "auth",
    [
        "from fastapi import Depends\nfrom app.dependencies import for_fastapi\ndef r(db=Depends(for_fastapi)): ...",
        # a Depends that is not FastAPI's
        "from mylib import Depends\nfrom app.dependencies import get_request_scoped_db_session as g\n"
        "def r(db=Depends(g)): ...",
        # the context manager used as it should be
        "from app.dependencies import get_request_scoped_db_session as g\n"
        "async def r():\n    async with g() as s: ...",
        # a parameter shadows the imported name
        "from fastapi import Depends\nfrom app.dependencies import get_request_scoped_db_session as g\n"
        "def outer(g):\n    return Depends(g)",
    ],
)
def test_flagship_rule_stays_silent_on_correct_code(auth: str) -> None:
    assert hits(rule(FLAGSHIP), app__dependencies=DEPS, app__auth=auth) == []


def test_local_definitions_and_src_layout() -> None:
    local = """
    import contextlib
    from fastapi import Depends
    def build():
        @contextlib.asynccontextmanager
        async def session():
            yield 1
        def route(db=Depends(session)): ...
    """
    assert hits(rule(FLAGSHIP), app=local) == [("app.py", 8, 18)]
    # src/ layout: "app.dependencies" is found as src/app/dependencies.py
    found = hits(
        rule(FLAGSHIP),
        src__app__dependencies=DEPS,
        src__app__auth="from fastapi import Depends\nfrom app.dependencies import "
        "get_request_scoped_db_session as g\nx = Depends(g)\n",
    )
    assert found == [("src/app/auth.py", 3, 5)]


def test_module_names() -> None:
    assert module_name("app/dependencies.py") == ("app.dependencies", False)
    assert module_name("app/__init__.py") == ("app", True)
    assert module_name("x.pyi") == ("x", False)


# ------------------------------------------------------------------ predicates


def test_in_function_and_async() -> None:
    det = rule(
        '<call callee="time.sleep"><in-function><function async="true"/></in-function></call>'
    )
    code = """
    import time
    from time import sleep as nap
    async def a():
        time.sleep(1)
        def inner():
            time.sleep(2)
        nap(3)
    def b():
        time.sleep(4)
    """
    assert [h[1] for h in hits(det, m=code)] == [5, 8]


def test_arg_and_no_arg_and_constants() -> None:
    det = rule('<call callee="requests.get requests.post"><no-arg keyword="timeout"/></call>')
    code = "import requests\nrequests.get(u)\nrequests.post(u, timeout=3)\nrequests.get(u, **kw)\n"
    assert [h[1] for h in hits(det, m=code)] == [2, 4]
    det = rule(
        '<call callee="subprocess.*"><arg keyword="shell"><constant value="True"/></arg></call>'
    )
    code = "import subprocess as sp\nsp.run(c, shell=True)\nsp.run(c, shell=False)\nsp.call(c)\n"
    assert [h[1] for h in hits(det, m=code)] == [2]
    det = rule('<call callee="yaml.load"><no-arg pos="1" keyword="Loader"/></call>')
    code = "import yaml\nyaml.load(s)\nyaml.load(s, yaml.SafeLoader)\nyaml.load(s, Loader=L)\n"
    assert [h[1] for h in hits(det, m=code)] == [2]


def test_function_defaults_generators_and_decorators() -> None:
    det = rule('<function><default><node type="List Dict Set"/></default></function>')
    code = "def a(x=[]): ...\ndef b(x=None): ...\ndef c(*, y={}): ...\n"
    assert [h[1] for h in hits(det, m=code)] == [1, 3]
    det = rule(
        '<function async="true" generator="false">'
        '<decorator name="contextlib.asynccontextmanager"/></function>'
    )
    code = (
        "from contextlib import asynccontextmanager as acm\n"
        "@acm\nasync def a():\n    return 1\n"
        "@acm\nasync def b():\n    yield 1\n"
    )
    assert [h[1] for h in hits(det, m=code)] == [3]
    det = rule('<function name="test_*"><no-decorator name="pytest.mark.*"/></function>')
    code = "import pytest\n@pytest.mark.slow\ndef test_a(): ...\ndef test_b(): ...\ndef helper(): ...\n"
    assert [h[1] for h in hits(det, m=code)] == [4]


def test_except_contains_and_fields() -> None:
    det = rule('<except bare="true"/>')
    assert [h[1] for h in hits(det, m="try:\n    x\nexcept:\n    pass\n")] == [3]
    det = rule(
        '<except type="Exception BaseException"><not-contains><node type="Raise"/></not-contains>'
        "</except>"
    )
    code = "try: x\nexcept Exception: pass\ntry: y\nexcept (ValueError, Exception): raise\n"
    assert [h[1] for h in hits(det, m=code)] == [2]
    det = rule(
        '<node type="Attribute"><field name="attr" value="utcnow"/>'
        '<field name="value"><name qualified="datetime.datetime"/></field></node>'
    )
    code = "import datetime\nfrom datetime import datetime as dt\ndatetime.datetime.utcnow()\ndt.utcnow()\nx.utcnow()\n"
    assert [h[1] for h in hits(det, m=code)] == [3, 4]


def test_combinators_parent_and_inside() -> None:
    det = rule(
        '<call callee="asyncio.create_task"><not><parent><node type="Assign Await Return"/>'
        "</parent></not></call>"
    )
    code = "import asyncio\nasyncio.create_task(c())\nt = asyncio.create_task(c())\n"
    assert [h[1] for h in hits(det, m=code)] == [2]
    det = rule(
        '<any-of><call callee="eval"/><call callee="exec"/></any-of>'
        '<not-inside><function name="safe_*"/></not-inside>'
    )
    code = "eval(a)\nexec(b)\ndef safe_x():\n    eval(c)\ndef eval2(): ...\n"
    assert [h[1] for h in hits(det, m=code)] == [1, 2]
    det = rule('<class base="enum.Enum"><contains><function name="__init__"/></contains></class>')
    code = (
        "import enum\nclass A(enum.Enum):\n    def __init__(self): ...\nclass B(enum.Enum): ...\n"
    )
    assert [h[1] for h in hits(det, m=code)] == [2]


def test_non_ascii_columns() -> None:
    det = rule('<call callee="eval"/>')
    assert hits(det, m="x = 'é' + eval(s)\n") == [("m.py", 1, 11)]


# ------------------------------------------------------------------ regex detectors and globs


def test_regex_detector_with_exclusion_and_globs() -> None:
    det = detector(
        "<files>**/*.py</files><exclude-files>tests/**</exclude-files>"
        r"<pattern>requests\.get\(</pattern><exclude-pattern>timeout\s*=</exclude-pattern>",
        kind="regex",
    )
    files = [
        SourceFile(
            "app/a.py",
            "a",
            "requests.get(u)\nrequests.get(u, timeout=1)\nrequests.get(\n  u, timeout=1)\n",
        ),
        SourceFile("tests/t.py", "t", "requests.get(u)\n"),
        SourceFile("README.md", "r", "requests.get(u)\n"),
    ]
    assert [(h.file.rel, h.line, h.col) for h in run(files, [det]).hits] == [
        ("app/a.py", 1, 1),
        ("app/a.py", 3, 1),  # the exclusion looks at the lines the match spans only
    ]


def test_multiline_regex() -> None:
    det = detector(r'<pattern flags="s">except\s*:\s*\n\s*pass\b</pattern>', kind="regex")
    files = [SourceFile("a.py", "a", "try:\n    x\nexcept:\n    pass\n")]
    assert [(h.line, h.end_line) for h in run(files, [det]).hits] == [(3, 4)]


@pytest.mark.parametrize(
    ("glob", "path", "ok"),
    [
        ("*.py", "a/b/c.py", True),
        ("**/*.py", "c.py", True),
        ("app/*.py", "app/x/c.py", False),
        ("app/**", "app/x/c.py", True),
        ("Dockerfile", "svc/Dockerfile", True),
        ("tests/**/test_?.py", "tests/a/b/test_x.py", True),
        ("[!a]*.py", "b.py", True),
    ],
)
def test_path_globs(glob: str, path: str, ok: bool) -> None:
    assert path_matches(path, [glob]) is ok


# ------------------------------------------------------------------ malformed detectors


@pytest.mark.parametrize(
    ("inner", "kind", "code"),
    [
        ("<pattern>(unclosed</pattern>", "regex", "KB503"),
        ('<pattern flags="q">x</pattern>', "regex", "KB503"),
        ("<pattern>(a+)+$</pattern>", "regex", "KB506"),
        ("<files>*a*a*a*b.py</files><pattern>x</pattern>", "regex", "KB506"),
        ("<exclude-files>a/**/a/**/a/**/b</exclude-files><pattern>x</pattern>", "regex", "KB506"),
        ("<match><call/></match>", "regex", "KB504"),
        ("<pattern>x</pattern>", "python-ast", "KB504"),
        ('<match><call calee="x"/></match>', "python-ast", "KB504"),
        ('<match><node type="Awiat"/></match>', "python-ast", "KB504"),
        ('<match><node type="Call"><field name="nope"/></node></match>', "python-ast", "KB504"),
        ('<match><function async="yes"/></match>', "python-ast", "KB504"),
        ('<match><call><decorator name="x"/></call></match>', "python-ast", "KB504"),
        ("<match><frobnicate/></match>", "python-ast", "KB504"),
        ("<match>text</match>", "python-ast", "KB504"),
        ("<match/>", "python-ast", "KB504"),
        ('<match><arg pos="x"/></match>', "python-ast", "KB504"),
        ('<match><call><arg pos="-1"/></call></match>', "python-ast", "KB504"),
    ],
)
def test_malformed_detectors_are_reported(inner: str, kind: str, code: str) -> None:
    found = problems_of(inner, kind)
    assert any(p.startswith(code) for p in found), found


def test_example_problems() -> None:
    ok = "<pattern>x</pattern>"
    assert any(
        "no usable" in p for p in problems_of(ok, "regex", '<example kind="bad">x</example>')
    )
    both = (
        '<example kind="bad">x<file path="a.py">y</file></example><example kind="good">z</example>'
    )
    assert any("not both" in p for p in problems_of(ok, "regex", both))
    escape = '<example kind="bad"><file path="../x.py">x</file></example><example kind="good">z</example>'
    assert any("plain relative path" in p for p in problems_of(ok, "regex", escape))


def test_redos_check() -> None:
    assert risky_regex(r"(a+)+$")
    assert risky_regex(r"(x+x+)+y")
    assert risky_regex(r"(?:ab|ac|a)*$") or True  # prefix-factored by re; either answer is fine
    for safe in (
        r"\btime\.sleep\(",
        r"(?:\s*,\s*\w+)*",
        r"(?:[^)(]|\([^)(]*\))*",
        r"^\s*except\s*:",
    ):
        assert risky_regex(safe) is None, safe


def test_a_call_refers_to_what_it_calls() -> None:
    det = rule(
        '<call><parent><node type="Expr"/></parent>'
        '<refers-to><function async="true" generator="false"/></refers-to></call>'
    )
    found = hits(
        det,
        app__orders="async def save(o): ...\nasync def stream(): yield 1\n",
        app__api=(
            "from app.orders import save as persist, stream\n"
            "async def f(o):\n    persist(o)\n    await persist(o)\n    stream()\n    print(o)\n"
        ),
    )
    assert found == [("app/api.py", 3, 5)]


# ------------------------------------------------------------------ binding, at-least, bases


def test_binding_follows_a_parameter_annotation_and_assignments() -> None:
    det = rule(
        '<node type="Name"><binding><any-of>'
        '<node type="arg"><field name="annotation"><name qualified="sa.AsyncSession"/></field></node>'
        '<call callee="app.db.SessionLocal"/>'
        "</any-of></binding></node>"
    )
    found = hits(
        det,
        app__db="SessionLocal = make()\n",
        app__use="""
        from sa import AsyncSession
        from app.db import SessionLocal

        async def one(s: AsyncSession):
            return s
        async def two():
            async with SessionLocal() as t:
                return t
        async def three(u):
            v = SessionLocal()
            return u, v
        """,
    )
    # the names read: s in `return s`, t in `return t`, v in `return u, v` (not the names
    # being bound, and not u, a parameter without the annotation)
    assert [(line, col) for _, line, col in found] == [(6, 12), (9, 16), (12, 15)]


def test_binding_of_a_decorator_name_is_looked_up_outside_the_function() -> None:
    det = rule('<node type="Name"><binding><call callee="fastapi.FastAPI"/></binding></node>')
    found = hits(
        det,
        main="""
        from fastapi import FastAPI
        app = FastAPI()

        @app.get("/")
        async def index(app=None):
            return app
        """,
    )
    assert [line for _, line, _ in found] == [5]  # the decorator's app, not the parameter


def test_arg_at_least_counts_matching_arguments() -> None:
    det = rule(
        '<call callee="asyncio.gather"><arg at-least="2"><call><arg><node type="Name">'
        '<field name="id" value="session"/></node></arg></call></arg></call>'
    )
    found = hits(
        det,
        main="""
        import asyncio
        async def f(session, client):
            await asyncio.gather(a(session), b(session))
            await asyncio.gather(a(session), b(client))
        """,
    )
    assert [line for _, line, _ in found] == [4]


def test_at_least_is_refused_on_no_arg_and_below_one() -> None:
    assert any(
        "at-least" in p for p in problems_of('<match><call><no-arg at-least="2"/></call></match>')
    )
    assert any(
        "at-least" in p for p in problems_of('<match><call><arg at-least="0"/></call></match>')
    )


def test_class_base_is_followed_through_project_classes() -> None:
    det = rule('<class base="pydantic.BaseModel"/>')
    found = hits(
        det,
        app__base="from pydantic import BaseModel\nclass ApiModel(BaseModel): ...\n",
        app__models="""
        from app.base import ApiModel
        class Customer(ApiModel): ...
        class Loop(Loop): ...
        class Plain: ...
        """,
    )
    assert found == [("app/base.py", 2, 1), ("app/models.py", 3, 1)]


# ------------------------------------------------------------------ the time limit


def test_a_pattern_that_backtracks_stops_at_its_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """``x.*x.*x.*x.*x.*y`` passes the static check (KB506) and did not finish in an hour on
    a line of 3,000 ``x``. It stops at the limit; the files before it keep their hits, the
    files after it are searched, and the stop is reported."""
    import time

    from kbtool.scan.detectors import run as runner

    monkeypatch.setattr(runner, "PATTERN_SECONDS", 0.3)
    det = detector("<pattern>x.*x.*x.*x.*x.*y</pattern>", kind="regex")
    files = [
        SourceFile("a.py", "a", "x x x x x y\n"),
        SourceFile("slow.py", "slow", "x" * 3000 + "\n"),
        SourceFile("b.py", "b", "xxxxxy\n"),
    ]
    started = time.monotonic()
    result = run(files, [det])
    assert time.monotonic() - started < 30
    assert [h.file.rel for h in result.hits] == ["a.py", "b.py"]
    assert [(src.rel, d.entry_id) for src, d in result.timeouts] == [("slow.py", "e")]


def test_the_engine_finds_what_re_finds() -> None:
    """Detectors run on the ``regex`` module (it has a time limit); on the bundled KB's
    patterns and on this repository's own code it finds exactly the matches ``re`` does."""
    import re
    from pathlib import Path

    repo = Path(__file__).resolve().parent.parent
    texts = [p.read_text(encoding="utf-8") for p in sorted((repo / "kbtool").rglob("*.py"))]
    patterns = []
    for xml in sorted((repo / "learnings").glob("*.xml")):
        for el in etree.parse(str(xml), make_parser()).iter("detector"):
            if el.get("kind") == "regex":
                det, _ = compile_detector(el, "e", 0)
                assert det is not None and det.pattern is not None
                patterns.append(det.pattern)
                texts += [text for ex in det.examples for _, text in ex.files]
    assert len(patterns) >= 8
    compared = found = 0
    for engine in patterns:
        plain = re.compile(engine.pattern, engine.flags & (re.I | re.M | re.S | re.X))
        for text in texts:
            ours = [m.span() for m in engine.finditer(text)]
            assert ours == [m.span() for m in plain.finditer(text)], engine.pattern
            compared += 1
            found += len(ours)
    assert compared > 1000 and found >= 8  # each bad example has a match at least


def test_many_stops_in_a_minute_shorten_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A thousand slow detectors cannot add a thousand limits up; a minute of calm later (a
    long-lived ``kbtool mcp``) searches have the full limit again."""

    from kbtool.scan.detectors import run as runner

    monkeypatch.setattr(runner, "_stops", runner.StopLog())
    assert runner.pattern_limit(100.0) == runner.PATTERN_SECONDS
    for i in range(runner.TIMEOUTS_AT_FULL_LIMIT):
        runner._stops.stopped(100.0 + i, runner.PATTERN_SECONDS)
    assert runner.pattern_limit(110.0) == runner.LATE_PATTERN_SECONDS
    assert runner.pattern_limit(100.0 + runner.STOP_WINDOW + 10) == runner.PATTERN_SECONDS


def test_stopped_searches_have_a_budget_in_all(monkeypatch: pytest.MonkeyPatch) -> None:
    """2,000 slow detectors in one entry took 0.1 s each on a file made for them (minutes):
    once the stopped searches have run STOPPED_SECONDS in all, none is started."""
    from kbtool.scan.detectors import run as runner

    monkeypatch.setattr(runner, "_stops", runner.StopLog())
    now = 100.0
    while runner.pattern_limit(now) > 0:
        runner._stops.stopped(now, runner.pattern_limit(now))
        now += 0.01
    assert runner.STOPPED_SECONDS <= runner._stops.spent < runner.STOPPED_SECONDS + 2.1
    assert runner.pattern_limit(now + runner.STOP_WINDOW) == runner.PATTERN_SECONDS


def test_names_spelled_in_other_unicode_forms_are_not_skipped() -> None:
    """Python reads ``Ｄepends`` (fullwidth D) as ``Depends``. A file that spells every
    ``Depends`` so passed the rule's quick word test and was never checked."""
    det = rule(FLAGSHIP)
    source = DEPS + (
        "import fastapi\n"
        "\uff24epends = fastapi.\uff24epends\n"
        "async def route(db=\uff24epends(get_request_scoped_db_session)):\n"
        "    return db\n"
    )
    assert "Depends" not in source.replace("asynccontextmanager", "")
    assert hits(det, app__main=source) != []
