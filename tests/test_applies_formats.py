"""kbtool applies on the files real projects hold beyond the five lock files: each reader's
edges (tests/test_applies_corpus.py reads whole files as the tools write them), hostile
inputs for the new readers, and the verdicts through the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers_cli import cli

from kbtool.applies import lockfiles
from kbtool.applies.lockfiles import kind_of, read_lockfile
from kbtool.errors import ConfigError, UsageError

HERE = Path(__file__).resolve().parent
BUNDLED = HERE.parent / "learnings"
FLAGSHIP = "async-context-manager-dependency-injection"


def _read(tmp_path: Path, name: str, text: str | bytes, python: str = "3.11.7") -> dict:  # type: ignore[type-arg]
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    env = read_lockfile(path, python)
    return {"packages": env.packages, "notes": env.notes, "python": env.python, "env": env}


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("requirements.lock", "requirements"),  # rye
        ("requirements-dev.lock", "requirements"),
        ("pdm.lock", "pdm.lock"),
        ("pyproject.toml", "pyproject.toml"),
        ("setup.cfg", "setup.cfg"),
        ("Pipfile", "Pipfile"),
        ("environment.yml", "conda"),
        ("env-dev.yaml", "conda"),
        ("conda-lock.yml", "conda-lock"),
        ("app.conda-lock.yml", "conda-lock"),
        ("conda-linux-64.lock", "conda explicit"),
        ("packages.json", "pip list"),
    ],
)
def test_kind_of_knows_each_file_real_projects_hold(name: str, kind: str) -> None:
    assert kind_of(Path(name)) == kind


def test_kind_of_still_refuses_what_it_cannot_read() -> None:
    for name in ("setup.py", "Cargo.toml", "package-lock"):
        with pytest.raises(UsageError, match="not a file kbtool can read"):
            kind_of(Path(name))


# ---------------------------------------------------------------- requirements


def test_utf16_with_a_bom_is_read(tmp_path: Path) -> None:
    text = "\ufeffDjango==4.2.13\r\nasgiref==3.8.1\r\n"
    for encoding in ("utf-16-le", "utf-16-be"):
        got = _read(tmp_path / encoding, "requirements.txt", text.encode(encoding))
        assert got["packages"] == {"django": "4.2.13", "asgiref": "3.8.1"}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("-e git+https://github.com/org/Some_Lib.git@abc#egg=Some_Lib", {"some-lib": "?"}),
        ("git+https://github.com/org/lib.git@v1#egg=lib&subdirectory=py", {"lib": "?"}),
        ("./dist/tool-1.4.0+local-py3-none-any.whl", {"tool": "1.4.0+local"}),
        ("https://example.com/pkgs/Foo_Bar-2.0.post1.tar.gz", {"foo-bar": "2.0.post1"}),
        ("foo @ https://example.com/foo-3.1.0-py3-none-any.whl", {"foo": "3.1.0"}),
        ("foo @ https://example.com/other-3.1.0-py3-none-any.whl", {"foo": "?"}),
        ("foo @ git+https://github.com/org/foo.git@v1", {"foo": "?"}),
        ("numpy=1.26.4=py311h08b1b3b_0", {"numpy": "1.26.4"}),  # conda list --export
        ("-e .", {}),
        ("-e .[dev]", {}),
        ("-e file:.", {}),  # rye
        ("-e file:///home/dev/src/tool", {}),
    ],
)
def test_urls_paths_and_editables_name_their_project(
    tmp_path: Path, line: str, expected: dict[str, str]
) -> None:
    got = _read(tmp_path, "requirements.txt", line + "\n")
    assert got["packages"] == expected
    if not expected:
        assert got["notes"] == ()  # the project itself: nothing to say


def test_an_extra_marker_may_hold(tmp_path: Path) -> None:
    got = _read(
        tmp_path,
        "requirements.txt",
        'uvloop==0.21.0 ; extra == "standard" and sys_platform != "win32"\n'
        'pywin32==306 ; extra == "win" and sys_platform == "win32"\n',
    )
    assert got["packages"] == {"uvloop": "0.21.0"}


def test_a_url_include_is_not_fetched_and_the_rest_is_read(tmp_path: Path) -> None:
    got = _read(
        tmp_path,
        "requirements.txt",
        "-c https://raw.githubusercontent.com/apache/airflow/constraints-2.9.1/c.txt\n"
        "apache-airflow==2.9.1\n",
    )
    assert got["packages"] == {"apache-airflow": "2.9.1"}
    assert any("a URL: not fetched" in n for n in got["notes"])


def test_includes_reach_the_project_not_beyond(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "requirements").mkdir(parents=True)
    (project / "constraints.txt").write_text("redis==5.0.4\n")
    (project / "requirements" / "base.txt").write_text("redis\n-c ../constraints.txt\n")
    with pytest.raises(ConfigError, match="outside the project"):
        read_lockfile(project / "requirements" / "base.txt", "3.11.7")  # no project marker
    (project / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    env = read_lockfile(project / "requirements" / "base.txt", "3.11.7")
    assert env.packages == {"redis": "5.0.4"}
    (tmp_path / "secret.txt").write_text("x==1\n")
    (project / "requirements" / "base.txt").write_text("-r ../../secret.txt\n")
    with pytest.raises(ConfigError, match="outside the project"):
        read_lockfile(project / "requirements" / "base.txt", "3.11.7")


def test_reading_stops_at_the_package_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lockfiles, "MAX_PACKAGES", 2)
    got = _read(tmp_path, "requirements.txt", "a==1\nb==1\nnot a requirement !!\nc==1\n")
    assert got["packages"] == {"a": "1", "b": "1"}
    assert got["notes"] == ("more than 2 packages: the rest not read",)  # line 3 never parsed


def test_a_requirement_of_megabytes_is_skipped_unparsed(tmp_path: Path) -> None:
    marker = " and ".join(['python_version > "3"'] * 2000)
    got = _read(tmp_path, "requirements.txt", f"ok==1\nhuge==1 ; {marker}\n")
    assert got["packages"] == {"ok": "1"}
    assert any("longer than" in n for n in got["notes"])


# ---------------------------------------------------------------- lock files


def test_pylock_extras_and_groups_markers_may_hold(tmp_path: Path) -> None:
    got = _read(
        tmp_path,
        "pylock.toml",
        '[[packages]]\nname = "pytest"\nversion = "8.3.5"\n'
        "marker = \"'dev' in dependency_groups\"\n"
        '[[packages]]\nname = "uvloop"\nversion = "0.21.0"\n'
        "marker = \"'standard' in extras and sys_platform != 'win32'\"\n"
        '[[packages]]\nname = "pywin32"\nversion = "310"\n'
        "marker = \"'win' in extras and sys_platform == 'win32'\"\n",
    )
    assert got["packages"] == {"pytest": "8.3.5", "uvloop": "0.21.0"}
    assert got["notes"] == ()


UV_LOCK = """version = 1
[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }
dependencies = [
    { name = "anyio" },
    { name = "pywin32", marker = "sys_platform == 'win32'" },
]
[package.optional-dependencies]
gpu = [{ name = "torch" }]
[package.dev-dependencies]
dev = [{ name = "pytest" }]
[[package]]
name = "anyio"
version = "4.9.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "exceptiongroup", marker = "python_full_version < '3.11'" },
    { name = "app" },
]
[[package]]
name = "exceptiongroup"
version = "1.3.0"
source = { registry = "https://pypi.org/simple" }
[[package]]
name = "pywin32"
version = "310"
source = { registry = "https://pypi.org/simple" }
[[package]]
name = "torch"
version = "2.7.1"
source = { registry = "https://pypi.org/simple" }
[[package]]
name = "pytest"
version = "8.3.5"
source = { registry = "https://pypi.org/simple" }
"""


def test_a_uv_lock_is_walked_from_the_workspace_over_edges_that_hold(tmp_path: Path) -> None:
    got = _read(tmp_path, "uv.lock", UV_LOCK)  # Linux, CPython 3.11.7; a cycle back to app
    assert got["packages"] == {
        "app": "0.1.0",
        "anyio": "4.9.0",
        "torch": "2.7.1",
        "pytest": "8.3.5",
    }
    got = _read(tmp_path / "old", "uv.lock", UV_LOCK, python="3.10.4")
    assert got["packages"]["exceptiongroup"] == "1.3.0"
    no_root = UV_LOCK.replace('source = { editable = "." }', "")
    assert "pywin32" in _read(tmp_path / "bare", "uv.lock", no_root)["packages"]  # all read


def test_poetry_markers_per_group_hold_when_any_does(tmp_path: Path) -> None:
    got = _read(
        tmp_path,
        "poetry.lock",
        '[[package]]\nname = "colorama"\nversion = "0.4.6"\n'
        'markers = {main = "sys_platform == \\"win32\\"", dev = "python_version >= \\"3.8\\""}\n'
        '[[package]]\nname = "pywin32"\nversion = "310"\n'
        'markers = {main = "sys_platform == \\"win32\\""}\n',
    )
    assert got["packages"] == {"colorama": "0.4.6"}


#: A poetry 1.x lock (lock-version 2.0): no markers on packages, only on the edges.
POETRY_1_LOCK = """\
[[package]]
name = "click"
version = "8.1.7"
[package.dependencies]
colorama = {version = "*", markers = "platform_system == \\"Windows\\""}

[[package]]
name = "colorama"
version = "0.4.6"

[[package]]
name = "pytest"
version = "8.2.2"
[package.dependencies]
exceptiongroup = {version = ">=1.0.0rc8", markers = "python_version < \\"3.11\\""}
iniconfig = "*"

[[package]]
name = "exceptiongroup"
version = "1.2.1"

[[package]]
name = "iniconfig"
version = "2.0.0"

[[package]]
name = "pywin32"
version = "306"

[metadata]
lock-version = "2.0"
"""


def test_a_poetry_1_lock_is_walked_from_its_pyproject(tmp_path: Path) -> None:
    """Markers on edges only: the packages reached from pyproject.toml's requirements over
    edges whose markers hold (Linux, Python 3.11.7); without a pyproject, all of them."""
    every = _read(tmp_path / "alone", "poetry.lock", POETRY_1_LOCK)["packages"]
    assert set(every) == {"click", "colorama", "pytest", "exceptiongroup", "iniconfig", "pywin32"}
    pyproject = (
        '[tool.poetry.dependencies]\npython = "^3.11"\nclick = "^8"\n'
        'pywin32 = {version = "*", platform = "win32"}\n'
        '[tool.poetry.group.dev.dependencies]\npytest = "^8"\n'
    )
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "pyproject.toml").write_text(pyproject)
    got = _read(tmp_path / "project", "poetry.lock", POETRY_1_LOCK)["packages"]
    assert got == {"click": "8.1.7", "pytest": "8.2.2", "iniconfig": "2.0.0"}
    # named by the project itself, colorama is installed whatever click's edge says
    pep621 = '[project]\ndependencies = ["click>=8", "colorama"]\n'
    (tmp_path / "pep621").mkdir()
    (tmp_path / "pep621" / "pyproject.toml").write_text(pep621)
    got = _read(tmp_path / "pep621", "poetry.lock", POETRY_1_LOCK)["packages"]
    assert got == {"click": "8.1.7", "colorama": "0.4.6"}


def test_a_broken_pyproject_beside_a_poetry_lock_is_noted(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.poetry\n")
    got = _read(tmp_path, "poetry.lock", POETRY_1_LOCK)
    assert len(got["packages"]) == 6
    assert any("pyproject.toml beside poetry.lock not read" in n for n in got["notes"])


def test_pdm_lock_markers_are_read(tmp_path: Path) -> None:
    got = _read(
        tmp_path,
        "pdm.lock",
        '[[package]]\nname = "tomli"\nversion = "2.0.1"\nmarker = "python_version < \\"3.11\\""\n'
        '[[package]]\nname = "Pillow"\nversion = "10.4.0"\n',
    )
    assert got["packages"] == {"pillow": "10.4.0"}


def test_a_pylock_archive_and_a_pipfile_lock_file_give_their_version(tmp_path: Path) -> None:
    got = _read(
        tmp_path,
        "pylock.toml",
        '[[packages]]\nname = "vendored"\n'
        'archive = { url = "https://example.com/vendored-3.1.0.tar.gz" }\n',
    )
    assert got["packages"] == {"vendored": "3.1.0"}
    lock = {"default": {"mylib": {"file": "https://e.com/mylib-0.3.0-py3-none-any.whl"}}}
    assert _read(tmp_path, "Pipfile.lock", json.dumps(lock))["packages"] == {"mylib": "0.3.0"}


def test_a_json_file_is_pip_list_or_a_pipfile_lock(tmp_path: Path) -> None:
    listed = [{"name": "Foo_Bar", "version": "1!2.0"}, {"name": "x"}, "junk"]
    got = _read(tmp_path, "pip.json", json.dumps(listed))
    assert got["packages"] == {"foo-bar": "1!2.0", "x": "?"}
    lock = {"default": {"django": {"version": "==4.2"}}}
    assert _read(tmp_path, "lock.json", json.dumps(lock))["packages"] == {"django": "4.2"}
    with pytest.raises(ConfigError, match=r"neither pip list output nor a Pipfile\.lock"):
        _read(tmp_path, "n.json", "3")


# ---------------------------------------------------------------- manifests


def test_a_manifest_names_projects_and_pins_only_exact_versions(tmp_path: Path) -> None:
    got = _read(
        tmp_path,
        "pyproject.toml",
        "[project]\ndependencies = ['a>=1', 'b==2.0', 'c; python_version < \"3\"']\n"
        "[tool.poetry.dependencies]\npython = '^3.11'\nd = '1.5'\ne = '^1.5'\n"
        "f = { version = '==3', markers = 'sys_platform == \"win32\"' }\n"
        "[tool.poetry.group.dev.dependencies]\ng = { git = 'https://x/g.git' }\n"
        "[tool.uv]\ndev-dependencies = ['h==1.0']\n"
        "[tool.pdm.dev-dependencies]\ntest = ['i>=2', '-e file:///${PROJECT_ROOT}/lib']\n",
    )
    expected = {"a": "?", "b": "2.0", "d": "1.5", "e": "?", "g": "?", "h": "1.0", "i": "?"}
    assert got["packages"] == expected


def test_setup_cfg_that_is_not_ini_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"not a setup\.cfg"):
        _read(tmp_path, "setup.cfg", "install_requires = x\n")


# ---------------------------------------------------------------- conda


def test_conda_states_the_python_unless_python_is_given(tmp_path: Path) -> None:
    text = (
        "dependencies:\n  - numpy=1.26.4\n  - python=3.12.4\n"
        "  - pip:\n    - tomli==2.0.1 ; python_version < '3.11'\n"
    )
    got = _read(tmp_path, "environment.yml", text)
    assert got["python"] == "3.12.4" and got["packages"] == {"numpy": "1.26.4"}
    env = read_lockfile(tmp_path / "environment.yml", "3.10.4", "--python")
    assert env.python == "3.10.4" and env.packages == {"numpy": "1.26.4", "tomli": "2.0.1"}


@pytest.mark.parametrize(
    ("spec", "written", "exported"),
    [
        ("numpy=1.26", "?", "1.26"),  # conda's fuzzy "=": any 1.26.x, unless exported
        ("numpy=1", "?", "1"),
        ("numpy=1.26.4", "1.26.4", "1.26.4"),  # three parts: 1.26.4 and its post-releases
        ("numpy==1.26", "1.26", "1.26"),  # "==" is exact
        ("numpy=1.26=py311h_0", "1.26", "1.26"),  # a build string: the package file itself
        ("numpy 1.26 py311h_0", "1.26", "1.26"),
        ("numpy=1.26.*", "?", "?"),
        ("numpy>=1.26", "?", "?"),
    ],
)
def test_a_conda_single_equals_is_a_range_unless_exported(
    tmp_path: Path, spec: str, written: str, exported: str
) -> None:
    by_hand = _read(tmp_path, "environment.yml", f"dependencies:\n  - {spec}\n")
    assert by_hand["packages"] == {"numpy": written}
    # conda env export writes "=" and the version installed, beside the env's prefix
    text = f"name: x\ndependencies:\n  - {spec}\nprefix: /opt/conda/envs/x\n"
    assert _read(tmp_path, "environment.yml", text)["packages"] == {"numpy": exported}


def test_conda_packages_are_also_read_under_their_pypi_names(tmp_path: Path) -> None:
    text = "dependencies:\n  - pytorch::pytorch=2.3.1\n  - matplotlib-base=3.8.4\n  - six=1.16.0\n"
    got = _read(tmp_path, "environment.yml", text)["packages"]
    assert got == {
        "pytorch": "2.3.1",
        "torch": "2.3.1",
        "matplotlib-base": "3.8.4",
        "matplotlib": "3.8.4",
        "six": "1.16.0",
    }
    listed = "# Name  Version  Build  Channel\npytorch  2.3.1  py3.11_cuda12.1_0  pytorch\n"
    assert _read(tmp_path, "conda.txt", listed)["packages"]["torch"] == "2.3.1"
    explicit = (
        "@EXPLICIT\nhttps://conda.anaconda.org/pytorch/linux-64/pytorch-2.3.1-py3.11_0.tar.bz2\n"
    )
    assert _read(tmp_path, "spec-file.txt", explicit)["packages"]["torch"] == "2.3.1"
    # pip list names are PyPI's already: no second name is made up
    pip_listed = "Package    Version\n---------- -------\npytorch    1.0.2\n"
    assert _read(tmp_path, "packages.txt", pip_listed)["packages"] == {"pytorch": "1.0.2"}


def test_conda_lock_reads_this_platforms_packages(tmp_path: Path) -> None:
    entries = [("numpy", "2.0.0", "linux-64"), ("numpy", "1.26.4", "osx-arm64")]
    text = "version: 1\npackage:\n" + "".join(
        f"- name: {n}\n  version: {v}\n  manager: conda\n  platform: {p}\n" for n, v, p in entries
    )
    reader = lockfiles._Reader(tmp_path / "conda-lock.yml", "conda-lock", "3.12.4", "")
    from kbtool.applies import manifests

    reader.marker_env.update(sys_platform="darwin", platform_machine="arm64")
    (tmp_path / "conda-lock.yml").write_text(text)
    manifests.read(reader, "conda-lock")
    assert reader.environment().packages == {"numpy": "1.26.4"}
    reader = lockfiles._Reader(tmp_path / "conda-lock.yml", "conda-lock", "3.12.4", "")
    reader.marker_env.update(sys_platform="win32", platform_machine="AMD64")
    manifests.read(reader, "conda-lock")  # not locked for Windows: both, so unknown
    assert reader.environment().packages == {"numpy": "?"}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("environment.yml", "a: [" * 50_000, "not valid YAML|nested too deeply"),
        ("environment.yml", "- a\n- b\n", "the top is not a mapping"),
        ("conda-lock.yml", "package: !!python/object:os.system {}\n", "not valid YAML"),
        ("conda-linux-64.lock", "https://x/numpy-1.0-0.conda\n", "no @EXPLICIT"),
        ("pyproject.toml", "a = " + "[" * 100_000, "nested too deeply"),
        (".pre-commit-config.yaml", "repos:\n  - repo: local\n", "not a conda environment"),
    ],
)
def test_hostile_manifests_are_clear_errors(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        _read(tmp_path, name, content)


def test_a_text_file_is_read_by_what_wrote_it(tmp_path: Path) -> None:
    explicit = "# platform: linux-64\n@EXPLICIT\nhttps://r/linux-64/numpy-1.26.4-py311_0.conda\n"
    assert _read(tmp_path, "spec-file.txt", explicit)["packages"] == {"numpy": "1.26.4"}
    listed = "Package    Version\n---------- -------\nFoo_Bar    1!2.0\n"
    assert _read(tmp_path, "packages.txt", listed)["packages"] == {"foo-bar": "1!2.0"}
    conda = "# Name   Version   Build  Channel\npython   3.12.4   h_0\nnumpy  2.0.0  py_0  pypi\n"
    got = _read(tmp_path, "conda.txt", conda)
    assert got["packages"] == {"numpy": "2.0.0"} and got["python"] == "3.12.4"


def test_a_yaml_file_too_large_to_parse_quickly_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kbtool.applies import manifests

    monkeypatch.setattr(manifests, "MAX_YAML_BYTES", 1000)
    with pytest.raises(ConfigError, match="of YAML"):
        _read(tmp_path, "conda-lock.yml", "version: 1\n" + "# padding\n" * 200)


def test_an_alias_bomb_is_not_expanded(tmp_path: Path) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    lines.append("dependencies: *i")
    assert _read(tmp_path, "environment.yml", "\n".join(lines))["packages"] == {}


# ---------------------------------------------------------------- verdicts


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bundled")
    shutil.copytree(BUNDLED, root / "learnings")
    return root


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("pip.json", '[{"name": "FastAPI", "version": "0.123.4"}]'),
        ("environment.yml", "dependencies:\n  - python=3.12.4\n  - pip:\n    - fastapi==0.123.4\n"),
        ("pyproject.toml", "[project]\ndependencies = ['fastapi==0.123.4']\n"),
        ("requirements.lock", "-e file:.\nfastapi==0.123.4\n    # via app\n"),
    ],
)
def test_the_flagship_learning_applies_from_each_new_kind(
    kb: Path, tmp_path: Path, name: str, text: str
) -> None:
    (tmp_path / name).write_text(text)
    result = cli("--root", str(kb), "applies", "-f", "json", "--from", str(tmp_path / name))
    assert result.code == 1, result.err  # a critical learning applies
    data = json.loads(result.out)
    flagship = next(v for v in data["applies"] if v["id"] == FLAGSHIP)
    assert list(flagship["installed"].values()) == ["0.123.4"]
    if name == "environment.yml":
        assert data["environment"]["python"] == "3.12.4"
        assert data["environment"]["python_source"] == "environment.yml"
