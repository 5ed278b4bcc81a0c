"""The versions an environment runs: project name → version, and the interpreter's.

:func:`installed` reads the running interpreter's environment (``importlib.metadata``);
:func:`from_path` another environment without running it: a site-packages folder (its
``*.dist-info`` / ``*.egg-info`` metadata), a virtual environment's folder (``pyvenv.cfg``)
or its python executable. Lock files are read by :mod:`kbtool.applies.lockfiles`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from kbtool.applies.lookup import this_python
from kbtool.errors import ConfigError, UsageError
from kbtool.versionspec import NAME_RE, PYTHON, UNKNOWN, canonical

MAX_DISTRIBUTIONS = 20_000  # distributions read from one folder
MAX_METADATA_BYTES = 4 << 20  # one METADATA file of another environment


@dataclass(frozen=True)
class Environment:
    """What a project runs. ``packages`` maps canonical names to a version, or to
    :data:`~kbtool.versionspec.UNKNOWN` when the source names the project without pinning
    it. ``notes`` say what was skipped or guessed (shown to the user, never fatal)."""

    source: str  # "installed", or the path or folder read
    kind: str  # installed, environment, or a lock file's kind (kbtool.applies.lockfiles.KINDS)
    packages: dict[str, str]
    python: str | None  # the interpreter's version; None: not known
    python_source: str = ""  # where ``python`` comes from
    names: dict[str, str] = field(default_factory=dict)  # canonical → as written
    notes: tuple[str, ...] = ()

    def lookup(self, key: str) -> str | None:
        """The version of a canonical project name, None when absent (see versionspec)."""
        if key == PYTHON:
            return self.python or UNKNOWN
        return self.packages.get(key)

    def display(self, key: str) -> str:
        return self.names.get(key, key)

    def upgraded(self, pins: dict[str, str]) -> Environment:
        """This environment with ``pins`` (canonical name → version) in place."""
        packages = dict(self.packages)
        python = self.python
        names = dict(self.names)
        for key, version in pins.items():
            if key == PYTHON:
                python = version
            else:
                packages[key] = version
                names.setdefault(key, key)
        return replace(self, packages=packages, python=python, names=names)


def parse_pins(values: list[str]) -> dict[str, str]:
    """``NAME==VERSION`` values (``--upgrade fastapi==0.165.0``) → canonical name → version."""
    from packaging.version import InvalidVersion, Version

    pins: dict[str, str] = {}
    for value in values:
        name, sep, version = value.partition("==")
        name, version = name.strip(), version.strip()
        if not sep or not NAME_RE.fullmatch(name):
            raise UsageError(f"upgrade {value!r}: expected NAME==VERSION, e.g. fastapi==0.165.0")
        try:
            Version(version)
        except InvalidVersion:
            raise UsageError(f"upgrade {value!r}: {version!r} is not a PEP 440 version") from None
        pins[canonical(name)] = version
    return pins


def installed() -> Environment:
    """The environment kbtool itself runs in (``importlib.metadata`` over ``sys.path``)."""
    from importlib.metadata import distributions

    packages, names, notes = _read_distributions(distributions())
    return Environment(
        "installed",
        "installed",
        packages,
        this_python(),
        "this interpreter",
        names,
        tuple(notes),
    )


def from_path(path: Path) -> Environment:
    """Another environment, read without running anything: a site-packages folder, a
    virtual environment's folder, or a python executable inside one."""
    from importlib.metadata import distributions

    site, python, python_source = _locate(path)
    _check_metadata_sizes(site)
    packages, names, notes = _read_distributions(distributions(path=[str(site)]))
    if python is None:
        python, python_source = this_python(), "this interpreter; the environment does not say"
    return Environment(
        str(site), "environment", packages, python, python_source, names, tuple(notes)
    )


def _check_metadata_sizes(site: Path) -> None:
    """importlib.metadata reads a distribution's METADATA whole: refuse a folder where one
    is larger than :data:`MAX_METADATA_BYTES` (a planted environment), or that holds more
    distributions than :data:`MAX_DISTRIBUTIONS`."""
    count = 0
    for folder in site.iterdir():
        if folder.suffix not in (".dist-info", ".egg-info"):
            continue
        count += 1
        if count > MAX_DISTRIBUTIONS:
            raise ConfigError(f"{site}: more than {MAX_DISTRIBUTIONS} distributions; not read")
        for name in ("METADATA", "PKG-INFO"):
            try:
                size = (folder / name).stat().st_size
            except OSError:
                continue
            if size > MAX_METADATA_BYTES:
                raise ConfigError(
                    f"{folder / name}: larger than {MAX_METADATA_BYTES >> 20} MiB; not read"
                )


def _locate(path: Path) -> tuple[Path, str | None, str]:
    """(site-packages folder, python version or None, where that version comes from)."""
    if not path.exists():
        raise UsageError(f"environment {path}: no such file or folder")
    if path.is_file():  # a python executable: bin/python → the environment above bin/
        path = path.parent.parent
    if _has_metadata(path):
        return path, _version_from_folder(path), f"the folder name {path.parent.name}"
    cfg = path / "pyvenv.cfg"
    python = _pyvenv_version(cfg) if cfg.is_file() else None
    found = [
        *sorted(path.glob("lib/python3*/site-packages")),
        *sorted(path.glob("Lib/site-packages")),  # Windows
        *sorted(path.glob("lib/python3*/dist-packages")),  # Debian's system Python
    ]
    if not found:
        raise UsageError(
            f"environment {path}: neither a site-packages folder nor a virtual environment "
            "(no *.dist-info, no lib/python3.*/site-packages)"
        )
    site = found[-1]
    if python is None:
        return site, _version_from_folder(site), f"the folder name {site.parent.name}"
    return site, python, "pyvenv.cfg"


def _has_metadata(folder: Path) -> bool:
    return folder.is_dir() and any(
        p.suffix in (".dist-info", ".egg-info") for p in folder.iterdir()
    )


def _version_from_folder(site: Path) -> str | None:
    match = re.fullmatch(r"python(3\.\d+)", site.parent.name)
    return match.group(1) if match else None


def _pyvenv_version(cfg: Path) -> str | None:
    from kbtool.confine import read_regular

    try:
        text = read_regular(cfg, 64 * 1024).decode("utf-8", "replace")
    except OSError as exc:
        raise ConfigError(f"{cfg}: {exc.strerror or exc}") from None
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() in ("version_info", "version"):
            match = re.match(r"\s*(\d+\.\d+(?:\.\d+)?)", value)
            if match:
                return match.group(1)
    return None


def _read_distributions(dists: object) -> tuple[dict[str, str], dict[str, str], list[str]]:
    from collections.abc import Iterable

    packages: dict[str, str] = {}
    names: dict[str, str] = {}
    notes: list[str] = []
    assert isinstance(dists, Iterable)
    for count, dist in enumerate(dists):
        if count >= MAX_DISTRIBUTIONS:
            notes.append(f"more than {MAX_DISTRIBUTIONS} distributions: the rest not read")
            break
        try:
            name = dist.metadata["Name"]
            version = dist.version
        except (OSError, UnicodeDecodeError, KeyError):
            continue
        if not isinstance(name, str) or not NAME_RE.fullmatch(name) or not version:
            continue
        key = canonical(name)
        if key in packages:  # the first on the path wins, as for imports
            continue
        packages[key] = str(version)
        names[key] = name
    return packages, names, notes
