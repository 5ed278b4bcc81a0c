"""``kbtool mcp`` over the real protocol: the SDK's own client starts
``python -m kbtool mcp --root PROJECT`` as a subprocess and talks to it over stdio.

The project is a copy of the bundled learnings with the buggy FastAPI app of the scan tests
beside them. Each server session runs once per module (a server start costs about a
second) and records every answer; the tests then check them: listings, each tool with good
and bad input, every structured answer against its tool's output schema (jsonschema),
resources, the prompt, the size limit, freshness after files change, and --allow-write.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import jsonschema
import pytest

pytest.importorskip("mcp.server.mcpserver")

from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.shared.exceptions import MCPError

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
FLAGSHIP = "async-context-manager-dependency-injection"
FLAGSHIP_ERROR = "TypeError: '_AsyncGeneratorContextManager' object is not an async iterator"
TRACEBACK = f"""\
Traceback (most recent call last):
  File "/srv/app/routes/items.py", line 18, in list_items
    async for row in db:
{FLAGSHIP_ERROR}
"""

Session = Callable[[ClientSession], Awaitable[dict[str, Any]]]


def make_project(root: Path) -> Path:
    shutil.copytree(REPO / "learnings", root / "learnings")
    shutil.copytree(FIXTURES / "scan" / "buggy" / "app", root / "app")
    (root / "kbtool.toml").write_text('learnings = "learnings"\n', encoding="utf-8")
    return root


def server_argv(root: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "kbtool", "mcp", "--root", str(root), *extra]


def run_session(argv: list[str], body: Session, cwd: Path | None = None) -> dict[str, Any]:
    """Start the server with ``argv``, initialise, run ``body``; its results."""

    async def main() -> dict[str, Any]:
        params = StdioServerParameters(command=argv[0], args=argv[1:], cwd=cwd)
        log_path = (cwd or Path.cwd()) / "mcp-stderr.log"
        with anyio.fail_after(120), log_path.open("w") as log:
            async with (
                stdio_client(params, errlog=log) as (read, write),
                ClientSession(read, write) as session,
            ):
                init = await session.initialize()
                out = await body(session)
                out["initialize"] = init
                return out

    return anyio.run(main)


async def call(session: ClientSession, name: str, args: dict[str, Any]) -> dict[str, Any]:
    result = await session.call_tool(name, args)
    return {
        "error": bool(result.is_error),
        "text": "".join(getattr(c, "text", "") for c in result.content),
        "data": result.structured_content,
    }


async def read(session: ClientSession, uri: str) -> dict[str, Any]:
    try:
        found = await session.read_resource(uri)
    except MCPError as exc:
        return {"error": exc.code, "message": exc.message}
    content = found.contents[0]
    return {"mime": content.mime_type, "text": getattr(content, "text", "")}


# ------------------------------------------------------------------ the read-only session

GOOD_CALLS: dict[str, tuple[str, dict[str, Any]]] = {
    "match_flagship": ("match_error", {"text": TRACEBACK}),
    "match_limit_1": ("match_error", {"text": FLAGSHIP_ERROR, "limit": 1}),
    "match_nothing": ("match_error", {"text": "QuuxError: frobnicated the wibble"}),
    "search": ("search", {"query": "never awaited", "limit": 3}),
    "search_filtered": (
        "search",
        {"query": "session", "category": "SQLAlchemy", "severity": ["critical"]},
    ),
    "search_filter_only": ("search", {"query": "", "status": ["proposed"]}),
    "entry_md": ("get_entry", {"id": FLAGSHIP}),
    "entry_json": ("get_entry", {"id": FLAGSHIP, "format": "json"}),
    "plan_ids": ("plan", {"ids": [FLAGSHIP, "coroutine-never-awaited"]}),
    "plan_error": ("plan", {"error": TRACEBACK}),
    "check_paths": ("check_code", {"paths": ["app"]}),
    "check_clean": ("check_code", {"paths": ["learnings/../app/__init__.py"]}),
}
BAD_CALLS: dict[str, tuple[str, dict[str, Any], str]] = {
    "match_empty": ("match_error", {"text": ""}, "text"),
    "match_blank": ("match_error", {"text": "  \n\t"}, "text is empty"),
    "match_limit": ("match_error", {"text": FLAGSHIP_ERROR, "limit": 0}, "limit"),
    "search_empty": ("search", {"query": " "}, "query is empty"),
    "search_bad_query": ("search", {"query": '"'}, "query"),
    "search_bad_severity": ("search", {"query": "x", "severity": ["fatal"]}, "severity"),
    "entry_unknown": ("get_entry", {"id": "async-context-manager-dependency"}, "did you mean"),
    "entry_format": ("get_entry", {"id": FLAGSHIP, "format": "xml"}, "format"),
    "plan_neither": ("plan", {}, "either ids or error"),
    "plan_both": ("plan", {"ids": [FLAGSHIP], "error": FLAGSHIP_ERROR}, "either ids or error"),
    "plan_unknown": ("plan", {"ids": ["no-such-entry"]}, "no entry with id 'no-such-entry'"),
    "plan_no_match": ("plan", {"error": "QuuxError: frobnicated the wibble"}, "no entry"),
    "check_outside": ("check_code", {"paths": ["../"]}, "outside the knowledge base root"),
    "check_absolute": ("check_code", {"paths": ["/etc/passwd"]}, "outside the knowledge base"),
    "check_missing": ("check_code", {"paths": ["nowhere.py"]}, "no such file"),
    "check_neither": ("check_code", {}, "either paths"),
    "check_diff_escape": (
        "check_code",
        {"diff": "--- a/x.py\n+++ b/../../etc/x.py\n@@ -0,0 +1 @@\n+import os\n"},
        "stay inside the project",
    ),
    "check_diff_empty": ("check_code", {"diff": "not a diff"}, "adds no lines"),
    "propose_read_only": (
        "propose_entry",
        {"title": "t", "symptoms": ["E: x"], "cause": "c", "fix": "f", "category": "Misc"},
        "--allow-write",
    ),
    "unknown_tool": ("no_such_tool", {}, "no_such_tool"),
    # arguments that do not fit the schema, as models send them
    "wrong_type": ("get_entry", {"id": 42}, "id: "),
    "missing_argument": ("get_entry", {"format": "json"}, "id is missing"),
    "wrong_limit": ("search", {"query": "x", "limit": "ten"}, "limit: "),
    "unknown_argument": (
        "search",
        {"query": "session", "categories": "SQLAlchemy"},
        "search has no argument 'categories'",
    ),
}
SCHEMA_MISMATCHES = ("wrong_type", "missing_argument", "wrong_limit", "unknown_argument")
# One string where the schema asks for a list of strings: the one-item list meant.
LONE_STRINGS: dict[str, tuple[str, dict[str, Any]]] = {
    "lone_id": ("plan", {"ids": FLAGSHIP}),
    "lone_severity": ("search", {"query": "session", "severity": "critical"}),
    "lone_path": ("check_code", {"paths": "app"}),
}
RESOURCES = {
    "stats": "kb://stats",
    "entry": f"kb://entry/{FLAGSHIP}",
    "category": "kb://category/Database/AsyncIO",
    "category_spaces": "kb://category/HTTP%20Clients",
    "entry_unknown": "kb://entry/no-such-entry",
    "category_unknown": "kb://category/Nope",
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("mcp") / "project")


@pytest.fixture(scope="module")
def answers(project: Path) -> dict[str, Any]:
    diff = subprocess.run(
        [
            "diff",
            "-u",
            "--label",
            "a/app/auth.py",
            "--label",
            "b/app/auth.py",
            str(FIXTURES / "scan" / "fixed" / "app" / "auth.py"),
            str(project / "app" / "auth.py"),
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    new_file = "--- /dev/null\n+++ b/new/auth2.py\n@@ -0,0 +1,3 @@\n" + "".join(
        "+" + line + "\n"
        for line in (project / "app" / "auth.py").read_text(encoding="utf-8").splitlines()
    )
    new_file = new_file.replace("+1,3", f"+1,{new_file.count(chr(10)) - 3}")

    async def body(session: ClientSession) -> dict[str, Any]:
        out: dict[str, Any] = {
            "tools": (await session.list_tools()).tools,
            "resources": (await session.list_resources()).resources,
            "templates": (await session.list_resource_templates()).resource_templates,
            "prompts": (await session.list_prompts()).prompts,
        }
        for key, (name, args) in GOOD_CALLS.items():
            out[key] = await call(session, name, args)
        for key, (name, args) in LONE_STRINGS.items():
            out[key] = await call(session, name, args)
        out["check_diff"] = await call(session, "check_code", {"diff": diff})
        out["check_new_file"] = await call(session, "check_code", {"diff": new_file})
        for key, (name, args, _) in BAD_CALLS.items():
            try:
                out[key] = await call(session, name, args)
            except MCPError as exc:
                out[key] = {"error": True, "text": exc.message, "data": None}
        for key, uri in RESOURCES.items():
            out["resource_" + key] = await read(session, uri)
        prompt = await session.get_prompt("triage", {"failure": TRACEBACK})
        out["prompt"] = prompt.messages
        try:
            await session.get_prompt("triage", {"failure": " "})
            out["prompt_empty"] = None
        except MCPError as exc:
            out["prompt_empty"] = exc.message
        return out

    return run_session(server_argv(project), body, cwd=project.parent)


def tool(answers: dict[str, Any], name: str) -> Any:
    return next(t for t in answers["tools"] if t.name == name)


def check_output(answers: dict[str, Any], key: str, name: str) -> dict[str, Any]:
    """The structured answer of ``key``, checked against tool ``name``'s output schema."""
    got = answers[key]
    assert not got["error"], got["text"]
    schema = tool(answers, name).output_schema
    jsonschema.validate(got["data"], schema)
    return got["data"]  # type: ignore[no-any-return]


def test_lists_the_tools_with_input_and_output_schemas(answers: dict[str, Any]) -> None:
    names = {t.name for t in answers["tools"]}
    assert names == {
        "match_error",
        "search",
        "get_entry",
        "plan",
        "check_code",
        "propose_entry",
    }
    for t in answers["tools"]:
        assert t.description, t.name
        jsonschema.Draft202012Validator.check_schema(t.input_schema)
        jsonschema.Draft202012Validator.check_schema(t.output_schema)
        assert t.output_schema["properties"]["truncated"]["type"] == "boolean"
    assert tool(answers, "match_error").input_schema["required"] == ["text"]
    propose = tool(answers, "propose_entry")
    assert set(propose.input_schema["required"]) == {
        "title",
        "symptoms",
        "cause",
        "fix",
        "category",
    }
    assert propose.annotations.read_only_hint is False
    assert tool(answers, "search").annotations.read_only_hint is True


def test_tool_descriptions_say_when_to_use_which(answers: dict[str, Any]) -> None:
    """A model picks a tool by its description: the text is clean (no source indentation)
    and search and match_error each send an error text to match_error."""
    for t in answers["tools"]:
        assert not re.search(r"\n\s", t.description), (t.name, t.description)
    assert tool(answers, "match_error").description.startswith("Use this first for any error")
    assert "call match_error instead" in tool(answers, "search").description


def test_good_calls_answer_within_their_output_schema(answers: dict[str, Any]) -> None:
    for key, (name, args) in GOOD_CALLS.items():
        jsonschema.validate(args, tool(answers, name).input_schema)
        data = check_output(answers, key, name)
        if not data.get("markdown"):  # the text content is the JSON the size limit counts
            compact = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
            assert answers[key]["text"] == compact, key


def test_match_error_ranks_the_flagship_with_its_line_and_fix(answers: dict[str, Any]) -> None:
    data = check_output(answers, "match_flagship", "match_error")
    top = data["hits"][0]
    assert top["id"] == FLAGSHIP
    assert top["kind"] == "exact"
    assert top["matched"] == {"line": 4, "text": FLAGSHIP_ERROR, "source": "traceback"}
    assert top["fix"].startswith("Keep the context manager for the callers")
    assert top["uri"] == f"kb://entry/{FLAGSHIP}"
    assert top["path"] == "learnings/database_asyncio.xml"
    # the text content is the same answer, as JSON
    assert json.loads(answers["match_flagship"]["text"]) == data
    assert len(check_output(answers, "match_limit_1", "match_error")["hits"]) == 1
    assert check_output(answers, "match_nothing", "match_error")["hits"] == []


def test_search_and_its_filters(answers: dict[str, Any]) -> None:
    hits = check_output(answers, "search", "search")["hits"]
    assert hits[0]["id"] == "coroutine-never-awaited"
    assert len(hits) <= 3
    filtered = check_output(answers, "search_filtered", "search")["hits"]
    assert filtered, "the bundled KB has a critical SQLAlchemy session entry"
    assert {h["severity"] for h in filtered} == {"critical"}
    assert all(h["category"].startswith("SQLAlchemy") for h in filtered)
    assert check_output(answers, "search_filter_only", "search")["hits"] == []


def test_get_entry_as_markdown_and_as_data(answers: dict[str, Any]) -> None:
    md = check_output(answers, "entry_md", "get_entry")
    assert md["format"] == "markdown" and md["entry"] is None
    assert md["markdown"].startswith("# ")
    assert FLAGSHIP_ERROR in md["markdown"]
    assert answers["entry_md"]["text"].endswith(md["markdown"])  # the text: notice, Markdown
    data = check_output(answers, "entry_json", "get_entry")
    assert data["markdown"] is None
    assert data["entry"]["id"] == FLAGSHIP
    assert data["entry"]["severity"] == "critical"
    assert data["line"] == 12 and data["status"] == "active"


def test_plan_by_ids_and_by_error(answers: dict[str, Any]) -> None:
    by_ids = check_output(answers, "plan_ids", "plan")
    assert by_ids["how"] == "by id"
    assert by_ids["entries"] == [FLAGSHIP, "coroutine-never-awaited"]  # critical first
    assert by_ids["markdown"].startswith("# Remediation plan")
    by_error = check_output(answers, "plan_error", "plan")
    assert by_error["how"] == "match"
    assert by_error["entries"] == [FLAGSHIP]
    assert "- [ ]" in by_error["markdown"]


def test_check_code_findings_carry_their_learning(answers: dict[str, Any]) -> None:
    data = check_output(answers, "check_paths", "check_code")
    assert [(f["path"], f["line"]) for f in data["findings"]] == [
        ("app/auth.py", 21),
        ("app/routes/items.py", 14),
        ("app/routes/items.py", 18),
    ]
    learning = data["findings"][0]["learning"]
    assert learning["id"] == FLAGSHIP and learning["severity"] == "critical"
    assert learning["hint"].startswith("Keep the context manager")
    assert data["files_scanned"] == 5 and data["detectors"] >= 50
    assert check_output(answers, "check_clean", "check_code")["findings"] == []


def test_check_code_on_a_diff_reports_its_hunks_only(
    answers: dict[str, Any], project: Path
) -> None:
    """fixed → buggy changes the import of get_db (an added line); the finding is on the
    unchanged Depends(get_db) line of the same hunk: reported as "context". The other
    buggy files are not in the diff: not reported."""
    data = check_output(answers, "check_diff", "check_code")
    assert [(f["path"], f["line"], f["in_diff"]) for f in data["findings"]] == [
        ("app/auth.py", 21, "context")
    ]
    assert data["files_scanned"] == 1
    new = check_output(answers, "check_new_file", "check_code")
    assert [(f["path"], f["line"], f["in_diff"]) for f in new["findings"]] == [
        ("new/auth2.py", 21, "added")
    ]
    assert not (project / "new").exists()  # scanned in a temporary folder


def test_bad_input_is_a_clear_tool_error_never_a_crash(answers: dict[str, Any]) -> None:
    for key, (_, _, words) in BAD_CALLS.items():
        got = answers[key]
        assert got["error"], key
        assert words in got["text"], (key, got["text"])
        assert "Traceback" not in got["text"] and "internal error" not in got["text"], key
    # the server survived them all: the resources and the prompt were read afterwards
    assert answers["resource_stats"]["mime"] == "application/json"


def test_a_schema_mismatch_is_one_line_naming_the_arguments(answers: dict[str, Any]) -> None:
    """Wrong types, a missing or unknown argument: one line the model can act on (which
    argument, what it takes), not pydantic's report with its documentation link."""
    for key in SCHEMA_MISMATCHES:
        text = answers[key]["text"]
        assert "\n" not in text and "errors.pydantic.dev" not in text, (key, text)
        assert "takes: " in text, (key, text)
    assert "expected string; got int 42" in answers["wrong_type"]["text"]
    assert "id (string, required), format (one of markdown, json)" in answers["wrong_type"]["text"]
    assert "expected integer 1-50; got str 'ten'" in answers["wrong_limit"]["text"]
    assert "category (string)" in answers["unknown_argument"]["text"]


def test_a_lone_string_is_the_one_item_list(answers: dict[str, Any]) -> None:
    plan = check_output(answers, "lone_id", "plan")
    assert plan["entries"] == [FLAGSHIP]
    found = check_output(answers, "lone_severity", "search")
    assert found["hits"] and {h["severity"] for h in found["hits"]} == {"critical"}
    checked = check_output(answers, "lone_path", "check_code")
    assert checked["findings"] == check_output(answers, "check_paths", "check_code")["findings"]


def test_entry_text_is_marked_as_data(answers: dict[str, Any]) -> None:
    """Every answer that carries entry text says that it is data, not instructions: in its
    structured content (``notice``) and, for Markdown answers, at the head of the text
    content, which is all that many clients show the model."""
    for key, name in (
        ("match_flagship", "match_error"),
        ("search", "search"),
        ("entry_json", "get_entry"),
        ("check_paths", "check_code"),
    ):
        notice = check_output(answers, key, name)["notice"]
        assert "not instructions" in notice and "proposed" in notice, key
        assert json.loads(answers[key]["text"])["notice"] == notice, key
    for key, name in (("entry_md", "get_entry"), ("plan_ids", "plan")):
        notice = check_output(answers, key, name)["notice"]
        assert answers[key]["text"].startswith(f"> **kbtool:** {notice}\n\n# "), key
    assert answers["resource_entry"]["text"].startswith("> **kbtool:** Entry text ")


def test_resources(answers: dict[str, Any]) -> None:
    uris = {str(r.uri) for r in answers["resources"]}
    assert "kb://stats" in uris
    assert "kb://category/Database/AsyncIO" in uris
    assert "kb://category/HTTP%20Clients" in uris
    assert {t.uri_template for t in answers["templates"]} == {
        "kb://entry/{id}",
        "kb://category/{+name}",
    }
    stats = json.loads(answers["resource_stats"]["text"])
    assert stats["entries"] == 91 and stats["files"] == 18
    entry = answers["resource_entry"]
    assert entry["mime"] == "text/markdown" and FLAGSHIP_ERROR in entry["text"]
    category = json.loads(answers["resource_category"]["text"])
    assert {e["id"] for e in category["entries"]} >= {FLAGSHIP}
    assert {e["category"] for e in category["entries"]} == {"Database/AsyncIO"}
    spaced = json.loads(answers["resource_category_spaces"]["text"])
    assert {e["category"] for e in spaced["entries"]} == {"HTTP Clients"}
    assert "no-such-entry" in answers["resource_entry_unknown"]["message"]
    assert "Nope" in answers["resource_category_unknown"]["message"]


def test_triage_prompt(answers: dict[str, Any]) -> None:
    assert [p.name for p in answers["prompts"]] == ["triage"]
    assert answers["prompts"][0].title == "Triage this failure"
    text = answers["prompt"][0].content.text
    assert "match_error" in text and FLAGSHIP in text  # the matching learning is named
    assert FLAGSHIP_ERROR in text
    assert "failure is empty" in answers["prompt_empty"]


def test_server_identifies_itself(answers: dict[str, Any]) -> None:
    from kbtool import __version__

    init = answers["initialize"]
    assert init.server_info.name == "kbtool"
    assert init.server_info.version == __version__
    assert "match_error" in init.instructions


# ------------------------------------------------------------------ size limit


def test_answers_stay_within_the_size_limit(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")

    async def body(session: ClientSession) -> dict[str, Any]:
        return {
            "entry": await call(session, "get_entry", {"id": FLAGSHIP}),
            "plan": await call(session, "plan", {"ids": [FLAGSHIP, "coroutine-never-awaited"]}),
            "search": await call(session, "search", {"query": "session", "limit": 50}),
            "small": await call(session, "match_error", {"text": FLAGSHIP_ERROR, "limit": 1}),
        }

    got = run_session(server_argv(project, "--max-chars", "3000"), body, cwd=tmp_path)
    for key in ("entry", "plan", "search"):
        data = got[key]["data"]
        assert data["truncated"] is True, key
        assert "limit 3000 characters" in data["truncation"]
        assert len(json.dumps(data, ensure_ascii=False, separators=(",", ":"))) <= 3000, key
        assert len(got[key]["text"]) <= 3000, key  # the text content, what most clients show
    assert "[truncated:" in got["entry"]["data"]["markdown"]
    assert got["entry"]["text"].rstrip().endswith("ask for less]")
    assert "hits:" in got["search"]["data"]["truncation"]
    assert got["small"]["data"]["truncated"] is False


# ------------------------------------------------------------------ freshness


def test_answers_follow_edits_without_a_restart(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    xml = project / "learnings" / "database_asyncio.xml"

    async def body(session: ClientSession) -> dict[str, Any]:
        out = {
            "before_match": await call(session, "match_error", {"text": FLAGSHIP_ERROR}),
            "before_stats": await read(session, "kb://stats"),
        }
        text = xml.read_text(encoding="utf-8")
        xml.write_text(
            text.replace(FLAGSHIP, "acm-depends").replace(
                "object is not an async iterator", "object is not an async iterator (edited)"
            ),
            encoding="utf-8",
        )
        (project / "learnings" / "python_typing.xml").unlink()
        out["after_match"] = await call(session, "match_error", {"text": FLAGSHIP_ERROR})
        out["after_entry"] = await call(session, "get_entry", {"id": FLAGSHIP})
        out["after_new_id"] = await read(session, "kb://entry/acm-depends")
        out["after_stats"] = await read(session, "kb://stats")
        out["after_plan"] = await call(session, "plan", {"ids": ["acm-depends"]})
        out["after_categories"] = (await session.list_resources()).resources
        return out

    got = run_session(server_argv(project), body, cwd=tmp_path)
    assert got["before_match"]["data"]["hits"][0]["id"] == FLAGSHIP
    assert got["after_match"]["data"]["hits"][0]["id"] == "acm-depends"
    assert got["after_entry"]["error"] and "no entry has the id" in got["after_entry"]["text"]
    assert "(edited)" in got["after_new_id"]["text"]
    before, after = (json.loads(got[k]["text"]) for k in ("before_stats", "after_stats"))
    assert (before["files"], after["files"]) == (18, 17)
    assert before["entries"] - after["entries"] == 3  # python_typing.xml held 3
    assert got["after_plan"]["data"]["entries"] == ["acm-depends"]
    uris = {str(r.uri) for r in got["after_categories"]}
    assert "kb://category/Python/Typing" not in uris
    assert "kb://category/Database/AsyncIO" in uris


# ------------------------------------------------------------------ --allow-write

DRAFT = {
    "title": "Celery beat runs every task twice: two beat processes",
    "symptoms": ["WARNING/MainProcess] Received task twice: tasks.report[…]"],
    "cause": "Two containers each started `celery beat`; each one schedules every task.",
    "fix": "Run exactly one beat process (a dedicated service), not one per worker.",
    "category": "Celery",
    "severity": "medium",
    "tags": ["celery", "beat"],
    "code": "command: celery -A app beat  # one replica only",
    "code_lang": "yaml",
}


def test_propose_entry_writes_a_proposed_entry_only_with_allow_write(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    celery = project / "learnings" / "celery.xml"
    before = celery.read_text(encoding="utf-8")

    async def body(session: ClientSession) -> dict[str, Any]:
        out: dict[str, Any] = {"tools": (await session.list_tools()).tools}
        out["first"] = await call(session, "propose_entry", DRAFT)
        out["again"] = await call(session, "propose_entry", DRAFT)
        out["new_category"] = await call(
            session, "propose_entry", {**DRAFT, "category": "Infra/Compose", "tags": []}
        )
        out["invalid"] = await call(
            session, "propose_entry", {**DRAFT, "title": "   ", "symptoms": [" "]}
        )
        out["hostile"] = await call(
            session,
            "propose_entry",
            {**DRAFT, "category": "Infra/Odd", "title": "Bell \x07 and ]]> and <tag/>"},
        )
        out["hostile_category"] = await call(
            session, "propose_entry", {**DRAFT, "category": "../../outside"}
        )
        out["search"] = await call(session, "search", {"query": "beat", "status": ["proposed"]})
        out["match"] = await call(session, "match_error", {"text": DRAFT["symptoms"][0]})
        return out

    got = run_session(server_argv(project, "--allow-write"), body, cwd=tmp_path)
    schema = next(t for t in got["tools"] if t.name == "propose_entry").output_schema
    first = got["first"]["data"]
    jsonschema.validate(first, schema)
    assert first["id"] == "celery-beat-runs-every-task-twice-two-beat-processes"
    assert (first["path"], first["created_file"], first["status"]) == (
        "learnings/celery.xml",
        False,
        "proposed",
    )
    assert [f for f in first["findings"] if f["severity"] == "error"] == []
    after = celery.read_text(encoding="utf-8")
    assert after.count("<learning ") == before.count("<learning ") + 2  # first and again
    assert f'id="{first["id"]}"' in after and 'status="proposed"' in after
    # the entries that were there are byte for byte as they were
    assert before[before.index("<learnings>") : before.rindex("</learning>")] in after
    assert got["again"]["data"]["id"] == first["id"] + "-2"  # never the same id twice
    created = got["new_category"]["data"]
    assert (created["path"], created["created_file"]) == ("learnings/infra_compose.xml", True)
    assert got["invalid"]["error"] and "the draft needs title" in got["invalid"]["text"]
    hostile = got["hostile"]["data"]
    assert hostile is not None, got["hostile"]["text"]
    assert hostile["path"].startswith("learnings/") and ".." not in hostile["path"]
    assert not (tmp_path / "outside.xml").exists()
    refused = got["hostile_category"]
    assert refused["error"] and "none empty, '.' or '..'" in refused["text"]
    assert [h["id"] for h in got["search"]["data"]["hits"]][:2] == [first["id"], first["id"] + "-2"]
    assert {h["status"] for h in got["search"]["data"]["hits"]} == {"proposed"}
    assert got["match"]["data"]["hits"][0]["status"] == "proposed"
    # and kbtool itself accepts what was written
    done = subprocess.run(
        [sys.executable, "-m", "kbtool", "validate", "--root", str(project)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    listed = subprocess.run(
        [sys.executable, "-m", "kbtool", "list", "--status", "proposed", "-f", "json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=project,
    )
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == 4
    shown = subprocess.run(
        [sys.executable, "-m", "kbtool", "search", "beat process"],
        capture_output=True,
        text=True,
        check=False,
        cwd=project,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert f"{first['id']}  " in shown.stdout and "[proposed]" in shown.stdout, shown.stdout


# ------------------------------------------------------------------ without the extra


def test_without_the_sdk_it_exits_3_with_how_to_install(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    code = (
        "import sys; sys.modules['mcp'] = None\n"
        "from kbtool.__main__ import main\n"
        f"sys.argv = ['kbtool', 'mcp', '--root', {str(project)!r}]\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, stdin=None
    )
    assert done.returncode == 3
    assert done.stderr.splitlines() == [
        "kbtool: error: kbtool mcp needs the MCP Python SDK, which is not installed: "
        "pip install 'kbtool[mcp]'"
    ]
    assert done.stdout == ""


def test_usage_errors_before_serving(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    done = subprocess.run(
        [*server_argv(empty)], capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL
    )
    assert done.returncode == 3 and "kbtool: error:" in done.stderr
    assert "Traceback" not in done.stderr
    small = subprocess.run(
        [*server_argv(make_project(tmp_path / "p")), "--max-chars", "10"],
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert small.returncode == 2
    assert "--max-chars must be at least 1000" in small.stderr


def test_docs_describe_every_tool_field(answers: dict[str, Any]) -> None:
    """docs/mcp.md has a section for each tool naming each of its input and output fields
    (those of list items too), so the documentation cannot fall behind the schemas."""
    docs = (REPO / "docs" / "mcp.md").read_text(encoding="utf-8")
    for t in answers["tools"]:
        start = docs.index(f"### `{t.name}`")
        end = docs.find("\n### ", start + 1)
        section = docs[start : end if end > 0 else len(docs)]
        schema = t.output_schema
        fields = set(t.input_schema["properties"]) | set(schema["properties"])
        for definition in schema.get("$defs", {}).values():
            fields |= set(definition["properties"])
        named = set(re.findall(r"[`{ ]([a-z_]+)(?=[`},])", section))
        missing = sorted(fields - named)
        assert missing == [], f"docs/mcp.md, {t.name}: {missing}"
