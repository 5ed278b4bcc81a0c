"""Files that name a project's dependencies without being a Python lock file: manifests
(``pyproject.toml``, ``setup.cfg``, ``Pipfile``), ``pip list --format=json`` output, and
conda's files (``environment.yml``, ``conda-lock.yml``, ``@EXPLICIT`` lists).

Each fills a :class:`kbtool.applies.lockfiles._Reader` (one home for names, versions,
markers and notes). A manifest's ranges are not versions: a project it names is known, of
unknown version, unless pinned exactly (``==1.0``; poetry's bare ``1.0``). Conda's
``name=1.2.3=build``, ``name==1.2`` and ``name 1.2.3 build`` are pins. A single ``=`` is conda's
fuzzy match (``numpy=1.26`` is ``1.26.*``): a pin when the version has three parts or more,
or when the file is ``conda env export``'s (it has a ``prefix:``: the versions installed),
else a range, so of unknown version. The file's ``python`` is the interpreter's version
(unless ``--python`` says otherwise). Conda package names are kept as written, and where a
conda package is known by another name on PyPI (``pytorch`` is ``torch``) it is read under
that name too (:data:`CONDA_PYPI_NAMES`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from kbtool.applies.poetry import poetry_marker, poetry_tables
from kbtool.errors import ConfigError
from kbtool.versionspec import UNKNOWN

if TYPE_CHECKING:
    from kbtool.applies.lockfiles import _Reader

MAX_ITEMS = 100_000  # dependencies read from one list
# YAML is slow to parse even with libyaml (a 13 MiB conda-lock.yml: 45 s on a busy machine);
# a real conda-lock.yml of three platforms is about 1 MiB
MAX_YAML_BYTES = 4 << 20

# a conda match spec: [channel::]name, then =version[=build], ==version, "version build",
# or a range (unknown)
_CONDA = re.compile(
    r"(?:[A-Za-z0-9_./:-]+::)?(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)"
    r"(?:(?P<op>==?|\s+)(?P<version>[0-9][^=\s,|<>!*]*)(?P<build>[=\s]\S+)?|(?P<rest>.*))"
)

#: Conda packages whose project is published on PyPI under another name (conda-forge's and
#: the pytorch channel's names): a learning names the PyPI project.
CONDA_PYPI_NAMES = {
    "pytorch": "torch",
    "pytorch-cpu": "torch",
    "pytorch-gpu": "torch",
    "matplotlib-base": "matplotlib",
    "py-opencv": "opencv-python",
    "msgpack-python": "msgpack",
    "pytables": "tables",
    "py-xgboost": "xgboost",
    "py-lightgbm": "lightgbm",
    "python-graphviz": "graphviz",
    "python-kubernetes": "kubernetes",
    "tensorflow-base": "tensorflow",
}


def add_conda(reader: _Reader, name: str, version: str, where: str) -> None:
    """A conda package: under its conda name, and its PyPI name when that differs."""
    reader.add(name, version, where)
    pypi = CONDA_PYPI_NAMES.get(name.lower())
    if pypi and pypi != name.lower():
        reader.add(pypi, version, where)


def read(reader: _Reader, kind: str) -> None:
    from kbtool.applies.lockfiles import _read, _toml

    if kind == "pyproject.toml":
        pyproject(reader, _toml(reader.path))
    elif kind == "Pipfile":
        pipfile(reader, _toml(reader.path))
    elif kind == "setup.cfg":
        setup_cfg(reader, _read(reader.path))
    elif kind == "conda":
        conda_environment(reader, _yaml(reader))
    elif kind == "conda-lock":
        conda_lock(reader, _yaml(reader))
    elif kind == "conda explicit":
        conda_explicit(reader, _read(reader.path))


def _yaml(reader: _Reader) -> dict[str, Any]:
    import yaml

    from kbtool.applies.lockfiles import _read

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    text = _read(reader.path)
    if len(text) > MAX_YAML_BYTES:
        raise ConfigError(f"{reader.path}: larger than {MAX_YAML_BYTES >> 20} MiB of YAML")
    try:
        data = yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        raise ConfigError(f"{reader.path}: not valid YAML ({str(exc)[:200]})") from None
    except RecursionError:
        raise ConfigError(f"{reader.path}: nested too deeply") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{reader.path}: not a conda file (the top is not a mapping)")
    return data


def _items(value: object) -> list[Any]:
    return value[:MAX_ITEMS] if isinstance(value, list) else []


def _strings(reader: _Reader, values: object, where: str) -> None:
    for value in _items(values):
        if isinstance(value, str):
            reader.requirement(value.strip(), where)


# ---- pip list --format=json


def pip_list(reader: _Reader, data: list[Any]) -> None:
    for number, item in enumerate(_items(data), 1):
        where = f"{reader.path.name} [{number}]"
        if isinstance(item, dict):
            reader.add(item.get("name"), item.get("version", UNKNOWN), where)
        else:
            reader.note(f"{where}: not an object with name and version, skipped")


# ---- pyproject.toml, Pipfile, setup.cfg


def pyproject(reader: _Reader, data: dict[str, Any]) -> None:
    """PEP 621 ``[project]`` dependencies and optional dependencies, PEP 735
    ``[dependency-groups]``, uv's and pdm's ``dev-dependencies``, and poetry's
    ``[tool.poetry]`` dependency tables."""
    name = reader.path.name
    project = data.get("project")
    if isinstance(project, dict):
        _strings(reader, project.get("dependencies"), f"{name} dependencies")
        optional = project.get("optional-dependencies")
        if isinstance(optional, dict):
            for extra, values in optional.items():
                _strings(reader, values, f"{name} optional-dependencies.{extra}")
    groups = data.get("dependency-groups")
    if isinstance(groups, dict):
        for group, values in groups.items():
            _strings(reader, values, f"{name} dependency-groups.{group}")
    tool = data.get("tool")
    if isinstance(tool, dict):  # before PEP 735: uv's and pdm's own dev dependency lists
        uv, pdm = tool.get("uv"), tool.get("pdm")
        if isinstance(uv, dict):
            _strings(reader, uv.get("dev-dependencies"), f"{name} tool.uv.dev-dependencies")
        dev = pdm.get("dev-dependencies") if isinstance(pdm, dict) else None
        if isinstance(dev, dict):
            for group, values in dev.items():
                _strings(reader, values, f"{name} tool.pdm.dev-dependencies.{group}")
    for table in poetry_tables(data):
        _poetry_table(reader, table, f"{name} tool.poetry")


def _poetry_table(reader: _Reader, table: dict[str, Any], where: str) -> None:
    for project, spec in list(table.items())[:MAX_ITEMS]:
        if project == "python":
            continue
        if isinstance(spec, dict):
            if not reader.marker_holds(poetry_marker(spec), where):
                continue
            spec = spec.get("version")
        if isinstance(spec, list):  # several constraints, one per marker: not one version
            spec = None
        version = _exact(spec)
        reader.add(project, version or UNKNOWN, f"{where} {project}")


def _exact(spec: object) -> str | None:
    """The version a poetry or Pipfile constraint pins exactly (``1.0``, ``==1.0``)."""
    if not isinstance(spec, str):
        return None
    match = re.fullmatch(r"\s*(?:==)?\s*([0-9][A-Za-z0-9.+!_-]*)\s*", spec)
    return match.group(1) if match else None


def pipfile(reader: _Reader, data: dict[str, Any]) -> None:
    for section in ("packages", "dev-packages"):
        table = data.get(section)
        if not isinstance(table, dict):
            continue
        for project, spec in list(table.items())[:MAX_ITEMS]:
            where = f"Pipfile {section}.{str(project)[:40]}"
            if isinstance(spec, dict):
                if not reader.marker_holds(spec.get("markers"), where):
                    continue
                spec = spec.get("version")
            version = _exact(spec) if isinstance(spec, str) and spec.startswith("==") else None
            reader.add(project, version or UNKNOWN, where)


def setup_cfg(reader: _Reader, text: str) -> None:
    import configparser

    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        raise ConfigError(f"{reader.path}: not a setup.cfg ({str(exc)[:200]})") from None
    fields = []
    if parser.has_option("options", "install_requires"):
        fields.append(("install_requires", parser.get("options", "install_requires")))
    if parser.has_section("options.extras_require"):
        fields += [(f"extras_require.{k}", v) for k, v in parser.items("options.extras_require")]
    for field, value in fields:
        for line in value.splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                reader.requirement(line, f"setup.cfg {field}")


# ---- conda


def conda_environment(reader: _Reader, data: dict[str, Any]) -> None:
    """``environment.yml``: conda match specs, and pip's requirement lines under ``pip:``."""
    name = reader.path.name
    if not isinstance(data.get("dependencies"), list):
        raise ConfigError(f"{reader.path}: not a conda environment file (no dependencies list)")
    exported = "prefix" in data  # conda env export: each "=" gives the version installed
    dependencies = _items(data.get("dependencies"))
    for value in dependencies:  # the interpreter first: the markers of the rest need it
        spec = _CONDA.fullmatch(value.strip()) if isinstance(value, str) else None
        if spec and spec["name"] == "python" and spec["version"]:
            reader.stated_python(spec["version"])
    for number, value in enumerate(dependencies, 1):
        where = f"{name} dependencies[{number}]"
        if isinstance(value, dict):
            for line in _items(value.get("pip")):
                if isinstance(line, str):
                    _pip_line(reader, line.strip(), f"{where} pip")
        elif isinstance(value, str):
            _conda_spec(reader, value.strip(), where, exported)


def _conda_spec(reader: _Reader, text: str, where: str, exported: bool) -> None:
    spec = _CONDA.fullmatch(text)
    if spec is None:
        reader.note(f"{where}: not a conda package spec, skipped: {text[:60]!r}")
    elif spec["name"] != "python":
        version = spec["version"]
        fuzzy = spec["op"] == "=" and not spec["build"] and not exported
        if version and fuzzy and len(version.split(".")) < 3:
            version = None  # numpy=1.26: any 1.26.x
        add_conda(reader, spec["name"], version or UNKNOWN, where)


def _pip_line(reader: _Reader, line: str, where: str) -> None:
    editable = re.match(r"(-e|--editable)(\s+|=)", line)
    if editable:
        reader.url_line(line[editable.end() :].strip(), where)
    elif line.startswith("-"):
        if line.startswith(("-r", "--requirement", "-c", "--constraint")):
            reader.note(f"{where}: includes {line[:60]!r}: not read (name that file itself)")
    elif line:
        reader.requirement(line, where)


_PLATFORMS = {
    ("linux", "x86_64"): "linux-64",
    ("linux", "aarch64"): "linux-aarch64",
    ("linux", "ppc64le"): "linux-ppc64le",
    ("darwin", "x86_64"): "osx-64",
    ("darwin", "arm64"): "osx-arm64",
    ("win32", "AMD64"): "win-64",
    ("win32", "ARM64"): "win-arm64",
}


def conda_lock(reader: _Reader, data: dict[str, Any]) -> None:
    """``conda-lock.yml`` (version 1): the packages of this machine's platform when the
    file locks it, else of every platform (versions that differ are then unknown)."""
    packages = [p for p in _items(data.get("package")) if isinstance(p, dict)]
    here = _PLATFORMS.get(
        (reader.marker_env["sys_platform"], reader.marker_env["platform_machine"])
    )
    if here not in {p.get("platform") for p in packages}:
        reader.note(
            f"{reader.path.name}: no package for this platform ({here}): all platforms read"
        )
        here = None
    chosen = [p for p in packages if here is None or p.get("platform") == here]
    pythons = {p.get("version") for p in chosen if p.get("name") == "python"}
    if len(pythons) == 1:
        reader.stated_python(str(pythons.pop()))
    for number, package in enumerate(chosen, 1):
        if package.get("name") != "python":
            version = package.get("version")
            where = f"{reader.path.name} package[{number}]"
            name = package.get("name")
            version = UNKNOWN if version is None else str(version)
            if isinstance(name, str):
                add_conda(reader, name, version, where)
            else:
                reader.add(name, version, where)


# pip list's header ("Package  Version", then dashes) and conda list's ("# Name  Version …")
COLUMNS_HEADER = re.compile(r"^(?:Package\s+Version\b.*\n-+\s+-+|#\s*Name\s+Version\b)", re.M)


def columns(reader: _Reader, text: str) -> None:
    """``pip list`` (``name version [location]``) or ``conda list`` (``name version build
    [channel]``) output saved to a file: a project and its version a line."""
    conda = re.search(r"^#\s*(?:Name\s|packages in environment)", text, re.M) is not None
    for number, line in enumerate(text.splitlines()[: MAX_ITEMS * 2], 1):
        fields = line.split()
        if len(fields) < 2 or line.startswith("#") or set(fields[0]) <= {"-"}:
            continue
        if fields[:2] == ["Package", "Version"]:
            continue
        where = f"{reader.path.name}:{number}"
        if fields[0] == "python" and fields[1][:1].isdigit():
            reader.stated_python(fields[1])
        elif conda:
            add_conda(reader, fields[0], fields[1], where)
        else:
            reader.add(fields[0], fields[1], where)


def conda_explicit(reader: _Reader, text: str) -> None:
    """An ``@EXPLICIT`` list (``conda list --explicit``, conda-lock's ``*.lock``): one
    package URL a line, ``…/name-version-build.conda``."""
    if "@EXPLICIT" not in text:
        raise ConfigError(f"{reader.path}: not a conda @EXPLICIT list (no @EXPLICIT line)")
    for number, line in enumerate(text.splitlines()[: MAX_ITEMS * 2], 1):
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("@"):
            continue
        base = line.rsplit("/", 1)[-1]
        base = re.sub(r"\.(conda|tar\.bz2)$", "", base)
        parts = base.rsplit("-", 2)
        where = f"{reader.path.name}:{number}"
        if len(parts) != 3:
            reader.note(f"{where}: not a conda package URL, skipped")
        elif parts[0] == "python":
            reader.stated_python(parts[1])
        else:
            add_conda(reader, parts[0], parts[1], where)
