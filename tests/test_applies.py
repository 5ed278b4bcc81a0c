"""kbtool applies: lock files of each kind, a fixture environment, upgrades, exit codes.

The fixtures (tests/fixtures/lockfiles/) pin the versions the bundled entries' reproductions
name (fastapi 0.123.4 / 0.165.0, SQLAlchemy 2.0.58 / 2.1.9, pytest 8.3.5 / 9.0.1…); the
folder env/ is an environment of ``*.dist-info/METADATA`` files read by path, as
``importlib.metadata`` reads any site-packages. Nothing is installed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers_cli import cli

from kbtool.applies.check import APPLIES, NO, UNKNOWN, Learning, Symptom, assess, changes, judge
from kbtool.applies.environment import Environment, from_path, installed, parse_pins
from kbtool.applies.lockfiles import MAX_BYTES, kind_of, read_lockfile
from kbtool.errors import ConfigError, UsageError

HERE = Path(__file__).resolve().parent
LOCKS = HERE / "fixtures" / "lockfiles"
BUNDLED = HERE.parent / "learnings"
FLAGSHIP = "async-context-manager-dependency-injection"


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bundled")
    shutil.copytree(BUNDLED, root / "learnings")
    return root


def run(kb: Path, *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    result = cli("--root", str(kb), "applies", "-f", "json", *args)
    assert result.code in (0, 1), result.err
    return result.code, json.loads(result.out)


# ---------------------------------------------------------------- the readers


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "requirements.txt",
            {
                "fastapi": "0.123.4",
                "sqlalchemy": "2.0.58",  # extras and a --hash continuation line
                "httpx": "0.28.1",  # through -r requirements-dev.txt
                "celery": "?",  # unpinned
            },
        ),
        (
            "uv.lock",
            {"fastapi": "0.123.4", "sqlalchemy": "2.1.9", "numpy": "2.2.6", "app": "0.1.0"},
        ),
        ("poetry.lock", {"fastapi": "0.165.0", "pytest": "8.4.2"}),
        ("pylock.toml", {"pytest": "9.0.1", "pytest-asyncio": "1.2.0", "my-local-lib": "?"}),
        ("Pipfile.lock", {"pydantic": "1.10.21", "sqlalchemy": "1.4.54", "pytest": "8.4.2"}),
    ],
)
def test_each_lock_file_kind_gives_its_versions(name: str, expected: dict[str, str]) -> None:
    env = read_lockfile(LOCKS / name, "3.11.7")
    for key, version in expected.items():
        assert env.packages[key] == version, key


@pytest.mark.parametrize(
    ("name", "absent"),
    [
        ("requirements.txt", "uvloop"),  # sys_platform == "win32"
        ("poetry.lock", "pywin32"),
        ("pylock.toml", "tomli"),  # python_version < '3.11'
        ("Pipfile.lock", "colorama"),
    ],
)
def test_markers_that_fail_for_the_interpreter_drop_the_package(name: str, absent: str) -> None:
    assert absent not in read_lockfile(LOCKS / name, "3.11.7").packages


def test_uv_forks_are_chosen_by_the_interpreter_version() -> None:
    assert read_lockfile(LOCKS / "uv.lock", "3.11.2").packages["numpy"] == "2.2.6"
    assert read_lockfile(LOCKS / "uv.lock", "3.12.1").packages["numpy"] == "2.3.5"


def test_requirements_notes_say_what_is_not_pinned() -> None:
    env = read_lockfile(LOCKS / "requirements.txt", "3.11.7")
    assert any("celery is not pinned" in n and "requirements-dev.txt:2" in n for n in env.notes)


def test_the_fixture_environment_is_read_by_path() -> None:
    env = from_path(LOCKS / "env")
    assert env.packages == {
        "fastapi": "0.165.0",
        "sqlalchemy": "2.1.9",
        "pytest": "8.4.2",
        "pytest-asyncio": "0.26.0",
    }
    assert (env.python, env.python_source) == ("3.12.11", "pyvenv.cfg")
    site = LOCKS / "env" / "lib" / "python3.12" / "site-packages"
    assert from_path(site).packages == env.packages  # the site-packages folder itself
    assert from_path(site).python == "3.12"  # from its folder's name
    assert from_path(LOCKS / "env" / "bin" / "python").packages == env.packages  # not run


def test_the_installed_environment_has_kbtools_own_dependencies() -> None:
    env = installed()
    assert env.packages["lxml"] and env.packages["packaging"]
    assert env.lookup("python") == env.python


def test_kind_of_refuses_unknown_file_names(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a file kbtool can read"):
        kind_of(tmp_path / "setup.py")


# ---------------------------------------------------------------- hostile files


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("uv.lock", b"[[package]\nname = ", "invalid TOML"),
        ("poetry.lock", b"package = 3\n", "is not an array of tables"),
        ("pylock.toml", b"\xc3\x28garbage", "not UTF-8"),
        ("requirements.txt", b"\xff\xfe\x00\xd8", "not UTF-16"),
        ("Pipfile.lock", b"[1, 2]", "the top is not an object"),
        ("Pipfile.lock", b"{" * 100_000, "nested too deeply|not valid JSON"),
        ("Pipfile.lock", b'{"default": []}', "is not an object"),
        ("uv.lock", b"a = " + b"[" * 100_000, "nested too deeply"),
        ("uv.lock", b"a" + b".b" * 100_000 + b" = 1", "more than 400 dots"),
    ],
)
def test_hostile_lock_files_are_clear_errors(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    (tmp_path / name).write_bytes(content)
    with pytest.raises(ConfigError, match=message):
        read_lockfile(tmp_path / name, "3.11.7")


def test_a_huge_lock_file_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "uv.lock"
    with path.open("wb") as f:
        f.truncate(MAX_BYTES + 1)
    with pytest.raises(ConfigError, match="larger than"):
        read_lockfile(path, "3.11.7")


def test_a_link_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "uv.lock").symlink_to(LOCKS / "uv.lock")
    with pytest.raises(ConfigError, match="a link; not followed"):
        read_lockfile(tmp_path / "uv.lock", "3.11.7")


def test_includes_stay_in_the_first_files_folder(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (tmp_path / "secret.txt").write_text("fastapi==1.0\n")
    (app / "requirements.txt").write_text("-r ../secret.txt\n")
    with pytest.raises(ConfigError, match="outside the project"):
        read_lockfile(app / "requirements.txt", "3.11.7")
    (app / "requirements.txt").write_text("-r requirements.txt\n")
    with pytest.raises(ConfigError, match="again"):
        read_lockfile(app / "requirements.txt", "3.11.7")


def test_odd_entries_are_skipped_with_a_note(tmp_path: Path) -> None:
    (tmp_path / "poetry.lock").write_text(
        '[[package]]\nname = "ok"\nversion = "1.0"\n'
        '[[package]]\nname = "../../etc"\nversion = "1"\n'
        '[[package]]\nname = "bad-version"\nversion = "not a version"\n'
        'package2 = 1\n[[package]]\nname = "m"\nversion = "1"\nmarkers = "nonsense ==="\n'
    )
    env = read_lockfile(tmp_path / "poetry.lock", "3.11.7")
    assert env.packages == {"ok": "1.0", "bad-version": "?", "m": "1"}
    assert len(env.notes) == 3


def test_cli_hostile_file_exit_3_without_a_traceback(kb: Path, tmp_path: Path) -> None:
    (tmp_path / "uv.lock").write_bytes(b"[[package]\n")
    result = cli("--root", str(kb), "applies", "--from", str(tmp_path / "uv.lock"))
    assert result.code == 3
    assert "invalid TOML" in result.err and "Traceback" not in result.err


@pytest.mark.parametrize(
    "args",
    [
        ["--upgrade", "fastapi"],
        ["--upgrade", "fastapi==latest"],
        ["--python", "three"],
        ["--from", "setup.py"],
        ["--from", "requirements.txt", "--env", "."],
        ["--env", "/nonexistent/kbtool-env"],
    ],
)
def test_usage_errors_exit_2(kb: Path, args: list[str]) -> None:
    result = cli("--root", str(kb), "applies", *args)
    assert result.code == 2, result.err
    assert result.err.startswith("kbtool: error:") or "kbtool: error:" in result.err


# ---------------------------------------------------------------- verdicts


def _env(**versions: str) -> Environment:
    return Environment("test", "test", dict(versions), versions.pop("python", None) or "3.11.7")


FLAG = Learning(
    FLAGSHIP,
    "t",
    "c",
    "critical",
    "active",
    "p",
    1,
    None,
    (
        Symptom("AttributeError", "fastapi<0.123.5"),
        Symptom("TypeError", "fastapi>=0.123.5"),
        Symptom("HTTP 500", None),
    ),
)
BOUND = Learning(
    "bound", "t", "c", "high", "active", "p", 1, "sqlalchemy>=2.1", (Symptom("E", None),)
)


def test_the_symptom_you_would_see_follows_the_version() -> None:
    old = judge(FLAG, _env(fastapi="0.123.4"))
    assert [s.text for s in old.symptoms] == ["AttributeError", "HTTP 500"]  # plain ones too
    assert [s.text for s in judge(FLAG, _env(fastapi="0.165.0")).symptoms] == [
        "TypeError",
        "HTTP 500",
    ]
    assert judge(FLAG, _env()).state == NO  # fastapi not installed
    assert judge(FLAG, _env(fastapi="?")).state == UNKNOWN


def test_a_learning_bound_as_a_whole() -> None:
    assert judge(BOUND, _env(sqlalchemy="2.1.0")).state == APPLIES
    assert judge(BOUND, _env(sqlalchemy="2.1.0")).symptoms == (Symptom("E", None),)
    assert judge(BOUND, _env(sqlalchemy="2.0.58")).state == NO
    assert judge(BOUND, _env(sqlalchemy="?")).state == UNKNOWN


def test_the_learnings_own_range_decides_over_its_symptoms_ranges() -> None:
    measured = Learning(
        "v2", "t", "c", "low", "active", "p", 1, "pydantic>=2", (Symptom("W", "pydantic>=2.5,<3"),)
    )
    early = judge(measured, _env(pydantic="2.3.0"))  # before the symptoms were measured
    assert (early.state, early.symptoms) == (APPLIES, ())
    assert judge(measured, _env(pydantic="2.6.0")).symptoms == (Symptom("W", "pydantic>=2.5,<3"),)
    assert judge(measured, _env(pydantic="1.10.21")).state == NO


def test_unbound_and_superseded_learnings_are_left_out() -> None:
    plain = Learning("plain", "t", "c", None, "active", "p", 1, None, (Symptom("x", None),))
    old = BOUND.__class__(**{**BOUND.__dict__, "id": "old", "status": "superseded"})
    assert [v.learning.id for v in assess([plain, old, BOUND], _env(sqlalchemy="2.1"))] == ["bound"]


def test_changes_between_two_environments() -> None:
    learnings = [FLAG, BOUND]
    before = assess(learnings, _env(fastapi="0.123.4", sqlalchemy="2.0.1"))
    after = assess(learnings, _env(fastapi="0.165.0", sqlalchemy="2.1.9"))
    assert [(c.after.learning.id, c.kind) for c in changes(before, after)] == [
        (FLAGSHIP, "symptoms"),
        ("bound", "starts"),
    ]


def test_pins_are_parsed_and_normalised() -> None:
    assert parse_pins(["FastAPI==0.165.0", "SQLAlchemy==2.1.9"]) == {
        "fastapi": "0.165.0",
        "sqlalchemy": "2.1.9",
    }


# ---------------------------------------------------------------- the command


def test_requirements_then_upgrade_changes_the_flagship_symptom(kb: Path) -> None:
    req = str(LOCKS / "requirements.txt")
    code, data = run(kb, "--from", req, "--python", "3.12")
    flagship = next(v for v in data["applies"] if v["id"] == FLAGSHIP)
    assert flagship["installed"] == {"fastapi": "0.123.4"}
    assert [s["versions"] for s in flagship["symptoms"]] == ["fastapi<0.123.5", None]
    assert code == 1 and FLAGSHIP in data["gate"]  # a critical learning applies

    code, data = run(kb, "--from", req, "--python", "3.12", "--upgrade", "fastapi==0.165.0")
    assert data["upgrade"]["pins"] == {"fastapi": {"from": "0.123.4", "to": "0.165.0"}}
    [change] = data["upgrade"]["changes"]
    assert change["id"] == FLAGSHIP and change["change"] == "symptoms"
    assert [s["versions"] for s in change["symptoms_added"]] == ["fastapi>=0.123.5"]
    assert code == 1 and data["gate"] == [FLAGSHIP]


def test_an_upgrade_that_changes_no_critical_learning_exits_0(kb: Path) -> None:
    req = str(LOCKS / "requirements.txt")
    code, data = run(kb, "--from", req, "--upgrade", "sqlalchemy==2.1.9", "--python", "3.12")
    kinds = {c["id"]: c["change"] for c in data["upgrade"]["changes"]}
    assert kinds["sqlalchemy-2-1-asyncio-needs-greenlet-extra"] == "starts"
    assert kinds["postgresql-url-defaults-to-psycopg2"] == "stops"
    assert kinds["sqlalchemy-async-lazy-load-missing-greenlet"] == "symptoms"
    assert code == 0 and data["gate"] == []


def test_no_critical_learning_applies_exit_0(kb: Path) -> None:
    code, data = run(kb, "--from", str(LOCKS / "pylock.toml"))
    assert code == 0 and data["counts"]["critical"] == 0
    ids = {v["id"] for v in data["applies"]}
    assert "pytest-asyncio-event-loop-fixture-removed" in ids  # pytest-asyncio 1.2.0


def test_the_fixture_environment_through_the_cli(kb: Path) -> None:
    code, data = run(kb, "--env", str(LOCKS / "env"))
    assert data["environment"]["python"] == "3.12.11"
    by_id = {v["id"]: v for v in data["applies"]}
    assert by_id[FLAGSHIP]["installed"] == {"fastapi": "0.165.0"}
    assert "sqlalchemy-2-1-asyncio-needs-greenlet-extra" in by_id
    assert code == 1


def test_text_output_lists_each_learning_with_its_symptom(kb: Path) -> None:
    result = cli(
        "--root", str(kb), "applies", "--from", str(LOCKS / "poetry.lock"), "--python", "3.12"
    )
    assert result.code == 1
    assert f"{FLAGSHIP}  " in result.out
    assert "    on fastapi 0.165.0:\n      TypeError: '_AsyncGeneratorContextManager'" in result.out
    assert "kbtool applies: " in result.err and "python 3.12 (--python)" in result.err


def test_constraints_pin_only_what_the_requirements_name(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("celery>=5.3\n--constraint=c.txt\n")
    (tmp_path / "c.txt").write_text("celery==5.4.0\nredis==5.2.1\n")
    env = read_lockfile(tmp_path / "requirements.txt", "3.11.7")
    assert env.packages == {"celery": "5.4.0"}
    assert env.notes == ()
    assert "redis" not in read_lockfile(LOCKS / "requirements.txt", "3.11.7").packages


def test_a_planted_environment_with_huge_metadata_is_refused(tmp_path: Path) -> None:
    dist = tmp_path / "site-packages" / "evil-1.0.dist-info"
    dist.mkdir(parents=True)
    with (dist / "METADATA").open("wb") as f:
        f.write(b"Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n")
        f.truncate(5 << 20)
    with pytest.raises(ConfigError, match="larger than 4 MiB"):
        from_path(tmp_path / "site-packages")


def test_unknown_versions_are_listed_apart(kb: Path, tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("fastapi>=0.100\npydantic==2.14.4\n")
    req = str(tmp_path / "requirements.txt")
    code, data = run(kb, "--from", req, "--python", "3.12")
    assert FLAGSHIP in {v["id"] for v in data["unknown"]}
    assert FLAGSHIP not in {v["id"] for v in data["applies"]}
    assert code == 0  # a critical learning that may apply does not fail the run
    text = cli("--root", str(kb), "applies", "--from", req, "--python", "3.12")
    assert f"{FLAGSHIP}  " in text.out
    assert "may apply on fastapi (version unknown): a version is unknown" in text.out
