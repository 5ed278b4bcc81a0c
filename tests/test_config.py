"""Configuration: finding the KB root and reading [tool.kbtool] / kbtool.toml."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kbtool.config import load_config
from kbtool.errors import ConfigError


def test_root_from_kbtool_toml_in_a_parent(tmp_path: Path) -> None:
    (tmp_path / "kbtool.toml").write_text('learnings = "kb"\nreports = "kb/reports"\n')
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    config = load_config(deep)
    assert config.root == tmp_path.resolve()
    assert config.learnings_dir == tmp_path.resolve() / "kb"
    assert config.reports_dir == tmp_path.resolve() / "kb" / "reports"
    assert config.source == tmp_path / "kbtool.toml"


def test_root_from_pyproject_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.kbtool]\nmax-file-bytes = 2048\n'
    )
    config = load_config(tmp_path)
    assert config.max_file_bytes == 2048
    assert config.learnings_dir == tmp_path.resolve() / "learnings"


def test_pyproject_without_table_is_not_a_root(tmp_path: Path) -> None:
    (tmp_path / "learnings").mkdir()
    inner = tmp_path / "pkg"
    inner.mkdir()
    (inner / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert load_config(inner).root == tmp_path.resolve()


def test_learnings_folder_alone_marks_the_root(tmp_path: Path) -> None:
    (tmp_path / "learnings").mkdir()
    assert load_config(tmp_path / "learnings").root == tmp_path.resolve()


def test_unknown_key_is_an_error_naming_the_known_ones(tmp_path: Path) -> None:
    (tmp_path / "kbtool.toml").write_text('learning = "kb"\n')
    with pytest.raises(
        ConfigError, match=r"unknown key\(s\) learning \(did you mean learnings\?\); known keys"
    ):
        load_config(tmp_path)


def test_folder_outside_the_root_is_refused(tmp_path: Path) -> None:
    (tmp_path / "kbtool.toml").write_text('learnings = "../elsewhere"\n')
    with pytest.raises(ConfigError, match="leaves the knowledge base root"):
        load_config(tmp_path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("max-file-bytes = -1\n", "positive integer"),
        ('path-map = { "a/" = 3 }\n', "path-map"),
        ("learnings = [\n", "invalid TOML"),
        # hostile: tomllib recursed until Python gave up (an "internal error"), and took
        # time as the square of a dotted key's length (this one: minutes)
        ("x = " + "[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ("x = {" + "a={" * 50_000 + "}" * 50_001, "nested too deeply"),
        ("a" + ".b" * 100_000 + " = 1\n", "line 1 has more than 400 dots"),
    ],
)
def test_bad_values_are_config_errors(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "kbtool.toml").write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path)


def test_bad_config_exits_3_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "kbtool.toml").write_text("colour = true\n")
    result = subprocess.run(
        [sys.executable, "-m", "kbtool", "list"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 3
    assert "kbtool.toml: unknown key(s) colour;" in result.stderr
    assert "Traceback" not in result.stderr
