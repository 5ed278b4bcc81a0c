"""Lock and requirements files → :class:`~kbtool.applies.environment.Environment`.

Read with the standard library only (``tomllib``, ``json``) and ``packaging`` for names,
specifiers and markers; nothing is executed, installed or fetched. Every file is hostile:
each is read capped (:data:`MAX_BYTES`), without following a link at its end; a file that
is not what its name says is a :class:`~kbtool.errors.ConfigError` (exit 3) naming the file
and the problem; a package entry that makes no sense is skipped with a note.

- ``requirements*.txt`` (any ``*.txt`` or ``*.in``; rye's ``requirements*.lock``; ``pip
  freeze`` output): ``name==version`` lines are pins; a wheel's or sdist's file name (a
  path, a URL, ``name @ URL``) gives its version; other requirements (ranges, VCS URLs
  with ``#egg=name``) are known projects of unknown version; ``-r``/``-c`` includes are
  followed when they stay inside the project (:func:`_project_root`), a URL include is not
  fetched; options (``--hash``, ``-i``…) are ignored; ``conda list --export`` lines
  (``name=version=build``) are pins too.
- ``uv.lock``, ``poetry.lock``, ``pdm.lock``, ``pylock.toml`` / ``pylock.*.toml`` (PEP
  751): each ``[[package]]`` / ``[[packages]]`` name and version; markers are evaluated for
  the interpreter (an ``extra`` in one may be chosen; poetry 2's markers per group: any);
  the markers of a uv.lock and a poetry 1.x lock are on their edges
  (:mod:`kbtool.applies.depgraph`).
- ``Pipfile.lock``: the ``default`` and ``develop`` sections' ``==`` versions.
- Manifests and conda files (:mod:`kbtool.applies.manifests`): ``pyproject.toml``,
  ``setup.cfg``, ``Pipfile``, ``*.json`` (``pip list --format=json``), conda's
  ``environment.yml`` (any ``*.yml``/``*.yaml``), ``conda-lock.yml`` and ``@EXPLICIT``
  lists (``*.lock`` otherwise).

A file written in UTF-16 (``pip freeze >`` in Windows PowerShell 5) is read by its BOM.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kbtool.applies.environment import Environment
from kbtool.errors import ConfigError, UsageError
from kbtool.versionspec import NAME_RE, UNKNOWN, canonical

MAX_BYTES = 16 << 20  # one lock file
MAX_PACKAGES = 100_000
MAX_INCLUDES = 64  # requirements files read through -r / -c
MAX_NOTES = 50
# one requirement, its options (--hash=…) removed: packaging's parser takes seconds on a
# line of megabytes (a marker of 400,000 clauses: 20 s); real ones are under 1,000
MAX_REQUIREMENT = 8192
KINDS = (
    "requirements",
    "uv.lock",
    "poetry.lock",
    "pdm.lock",
    "pylock",
    "Pipfile.lock",
    "pyproject.toml",
    "setup.cfg",
    "Pipfile",
    "pip list",
    "conda",
    "conda-lock",
    "conda explicit",
)
READABLE = (
    "requirements*.txt, uv.lock, poetry.lock, pdm.lock, pylock.toml, Pipfile.lock, "
    "pyproject.toml, setup.cfg, Pipfile, pip list JSON, conda environment.yml or conda-lock.yml"
)


def kind_of(path: Path) -> str:
    """Which reader a file name asks for; UsageError when none does. (A ``*.json`` file is
    ``pip list`` output or a Pipfile.lock by its content: :func:`read_lockfile` tells.)"""
    name = path.name
    lower = name.lower()
    if name in ("uv.lock", "poetry.lock", "pdm.lock", "Pipfile.lock", "Pipfile"):
        return name
    if name in ("pyproject.toml", "setup.cfg"):
        return name
    if re.fullmatch(r"pylock(\.[^.]+)?\.toml", name):
        return "pylock"
    if lower.endswith((".txt", ".in")) or re.fullmatch(r"requirements.*\.lock", lower):
        return "requirements"
    if re.fullmatch(r"(.*[.-])?conda-lock\.ya?ml", lower):
        return "conda-lock"
    if lower.endswith((".yml", ".yaml")):
        return "conda"
    if lower.endswith(".lock"):
        return "conda explicit"  # conda-lock's conda-linux-64.lock, conda list --explicit
    if lower.endswith(".json"):
        return "pip list"
    raise UsageError(f"{path}: not a file kbtool can read versions from ({READABLE})")


def read_lockfile(path: Path, python: str, python_source: str = "") -> Environment:
    """The environment a lock or requirements file describes, for interpreter ``python``
    (used for markers and for learnings bound to ``python``; ``python_source`` says where
    that version comes from)."""
    from kbtool.applies import manifests

    kind = kind_of(path)
    reader = _Reader(path, kind, python, python_source)
    if kind == "requirements":
        reader.requirements(path, _project_root(path), [path.resolve()])
    elif kind == "Pipfile.lock":
        reader.pipfile_lock(_json(path))
    elif kind == "pip list":
        data = _json(path, object)
        if isinstance(data, dict):  # a Pipfile.lock by another name
            reader.kind = "Pipfile.lock"
            reader.pipfile_lock(data)
        else:
            manifests.pip_list(reader, data)
    elif kind in ("uv.lock", "poetry.lock", "pdm.lock", "pylock"):
        reader.toml_packages(_toml(path))
    else:
        manifests.read(reader, kind)
    return reader.environment()


def _project_root(path: Path) -> Path:
    """The folder includes may reach: the project the file belongs to (the nearest of its
    folder and the two above it holding ``.git``, ``pyproject.toml``, ``setup.py`` or
    ``setup.cfg``, as ``requirements/dev.txt`` including ``../constraints.txt``), else the
    file's own folder."""
    folder = path.absolute().parent
    for candidate in (folder, *list(folder.parents)[:2]):
        if any(
            (candidate / m).exists() for m in (".git", "pyproject.toml", "setup.py", "setup.cfg")
        ):
            return candidate
    return folder


def _read(path: Path) -> str:
    from kbtool.confine import NotRegular, TooLarge, read_regular

    try:
        data = read_regular(path, MAX_BYTES)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except NotRegular:
        raise ConfigError(f"{path}: not a regular file (a link or a device is not read)") from None
    except TooLarge:
        raise ConfigError(f"{path}: larger than {MAX_BYTES >> 20} MiB") from None
    except OSError as exc:
        import errno

        if exc.errno == errno.ELOOP:
            raise ConfigError(f"{path}: a link; not followed (name the file itself)") from None
        raise ConfigError(f"{path}: {exc.strerror or exc}") from None
    return _decode(path, data)


def _decode(path: Path, data: bytes) -> str:
    """UTF-8 (a BOM dropped), or UTF-16 when a BOM says so: ``pip freeze > requirements.txt``
    in Windows PowerShell 5 writes UTF-16 LE."""
    encoding = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        name = "UTF-16" if encoding == "utf-16" else "UTF-8"
        raise ConfigError(f"{path}: not {name} text (byte {exc.start})") from None


def _toml(path: Path) -> dict[str, Any]:
    from kbtool.simpletoml import load

    try:
        return load(_read(path))
    except ValueError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def _json(path: Path, top: type = dict) -> Any:
    """The JSON document, whose top must be a ``top`` (``object``: an object or an array)."""
    try:
        data = json.loads(_read(path))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply") from None
    if top is dict and not isinstance(data, dict):
        raise ConfigError(f"{path}: not a Pipfile.lock (the top is not an object)")
    if not isinstance(data, (dict, list)):
        raise ConfigError(f"{path}: neither pip list output nor a Pipfile.lock")
    return data


class _Reader:
    def __init__(self, path: Path, kind: str, python: str, python_source: str) -> None:
        from packaging.markers import default_environment

        self.path = path
        self.kind = kind
        self.python = python
        self.python_source = python_source
        self.marker_env: dict[str, str] = {k: str(v) for k, v in default_environment().items()}
        release = python.split(".")
        self.marker_env["python_version"] = ".".join(release[:2])
        self.marker_env["python_full_version"] = python
        self.found: dict[str, set[str]] = {}
        self.names: dict[str, str] = {}
        self.notes: list[str] = []
        self.packages = 0
        self.constraints: dict[str, str] = {}  # canonical name -> the version a -c file pins
        self.unpinned: dict[str, str] = {}  # canonical name -> the note to give
        self.judged: dict[str, bool] = {}  # marker -> whether it holds

    def note(self, text: str) -> None:
        if len(self.notes) < MAX_NOTES:
            self.notes.append(text)
        elif len(self.notes) == MAX_NOTES:
            self.notes.append("… more notes left out")

    def full(self) -> bool:
        """Whether :data:`MAX_PACKAGES` are read: the rest is not parsed (noted once)."""
        if self.packages >= MAX_PACKAGES:
            self.add(None, UNKNOWN, "")
            return True
        return False

    def add(self, name: object, version: object, where: str) -> None:
        if self.packages >= MAX_PACKAGES:
            if self.packages == MAX_PACKAGES:
                self.note(f"more than {MAX_PACKAGES} packages: the rest not read")
                self.packages += 1
            return
        if not isinstance(name, str) or not NAME_RE.fullmatch(name):
            self.note(f"{where}: no valid package name, skipped")
            return
        if version is not UNKNOWN and not _valid_version(version):
            self.note(f"{where}: {name}: version {str(version)[:40]!r} is not PEP 440, unknown")
            version = UNKNOWN
        self.packages += 1
        key = canonical(name)
        self.names.setdefault(key, name)
        self.found.setdefault(key, set()).add(str(version))

    def marker_holds(self, marker: object, where: str) -> bool:
        """Whether a package's marker holds for the interpreter: with one of the extras it
        names, if any (an optional package may be installed); poetry 2's table of markers,
        one per dependency group, when any holds. True when it cannot be judged (noted)."""
        if isinstance(marker, dict):
            values = [m for m in marker.values() if isinstance(m, str)]
            return not values or any(self.marker_holds(m, where) for m in values)
        if not isinstance(marker, str) or not marker.strip():
            return True
        if marker in self.judged:  # a uv.lock repeats its edges' markers thousands of times
            return self.judged[marker]
        from packaging.markers import InvalidMarker, Marker

        try:
            fit = self.holds(Marker(marker), where)
        except InvalidMarker:
            self.note(f"{where}: marker {marker[:60]!r} not understood: the package is kept")
            fit = True
        if len(self.judged) < 10_000:
            self.judged[marker] = fit
        return fit

    def holds(self, marker: Any, where: str) -> bool:
        """A parsed marker against the interpreter, each extra it names tried in turn. A
        lock file's marker (PEP 751: ``'gpu' in extras``, ``'dev' in dependency_groups``)
        holds with every extra and group it names chosen: any may be installed."""
        from packaging.markers import UndefinedEnvironmentName

        text = str(marker)
        extras = re.findall(r"""extra\s*==\s*['"]([^'"]+)['"]""", text)
        try:
            if re.search(r"\b(extras|dependency_groups)\b", text):
                chosen = _CHOSEN.findall(text)
                sets = {
                    "extras": frozenset(n for n, k in chosen if k == "extras"),
                    "dependency_groups": frozenset(n for n, k in chosen if k != "extras"),
                }
                return bool(marker.evaluate({**self.marker_env, **sets}, "lock_file"))
            return any(marker.evaluate({**self.marker_env, "extra": e}) for e in ["", *extras])
        except (UndefinedEnvironmentName, TypeError):  # TypeError: packaging before 25
            self.note(f"{where}: marker {str(marker)[:60]!r} not understood: the package is kept")
            return True

    # ---- requirements.txt

    def requirements(
        self, path: Path, root: Path, chain: list[Path], constraints: bool = False
    ) -> None:
        """Read a requirements file (``constraints``: a ``-c`` file, whose pins only give
        versions to projects the requirements name without pinning them)."""
        from kbtool.applies import manifests

        text = _read(path)
        if len(chain) == 1 and re.search(r"^@EXPLICIT\s*$", text, re.M):
            self.kind = "conda explicit"  # conda list --explicit > spec-file.txt
            manifests.conda_explicit(self, text)
            return
        if len(chain) == 1 and manifests.COLUMNS_HEADER.search(text):
            manifests.columns(self, text)  # pip list > packages.txt, conda list > …
            return
        shown = _shown(path, root)
        for number, line in _logical_lines(text):
            if self.full():
                break
            where = f"{shown}:{number}"
            if line.startswith(("-r", "--requirement", "-c", "--constraint")):
                self.include(line, path, root, chain, where, constraints)
                continue
            editable = re.match(r"(-e|--editable)(\s+|=)", line)
            if editable:
                target = line[editable.end() :].strip()
                if not constraints and not self.url_line(target, where):
                    self.note(f"{where}: an editable without #egg=name, skipped: {target[:60]!r}")
                continue
            if line.startswith("-"):
                continue  # -i, --hash on its own line, --no-binary…: not a version
            line = re.split(r"\s+--?[a-z]", line, maxsplit=1)[0]  # trailing --hash=…
            conda = _CONDA_SPEC.fullmatch(line)
            if conda and not constraints:  # conda list --export: name=version=build
                if conda["name"] == "python":
                    self.stated_python(conda["version"])
                else:
                    manifests.add_conda(self, conda["name"], conda["version"], where)
                continue
            self.requirement(line, where, constraints)

    def requirement(self, line: str, where: str, constraints: bool = False) -> None:
        """One PEP 508 requirement (or a URL or path): a pin, a file's version, or a project
        of unknown version (``constraints``: remembered only as a version for later)."""
        from packaging.requirements import InvalidRequirement, Requirement

        if self.full():
            return
        if len(line) > MAX_REQUIREMENT:
            self.note(f"{where}: longer than {MAX_REQUIREMENT} characters, skipped")
            return
        try:
            req = Requirement(line)
        except InvalidRequirement:
            if not constraints and not self.url_line(line, where):
                self.note(f"{where}: not a requirement, skipped: {line[:60]!r}")
            return
        if req.marker is not None and not self.holds(req.marker, where):
            return
        pinned = [s for s in req.specifier if s.operator in ("==", "===")]
        pin = None
        if req.url is not None:
            pin = _file_version(req.url, req.name)
        elif len(pinned) == 1 and not pinned[0].version.endswith(".*"):
            pin = pinned[0].version
        if constraints:
            if pin is not None and _valid_version(pin):
                self.constraints.setdefault(canonical(req.name), pin)
        elif pin is not None:
            self.add(req.name, pin, where)
        else:
            spec = str(req.specifier) or ("a URL" if req.url else "no version")
            self.unpinned.setdefault(
                canonical(req.name),
                f"{where}: {req.name} is not pinned ({spec[:40]}): version unknown",
            )
            self.add(req.name, UNKNOWN, where)

    def stated_python(self, version: str) -> None:
        """The interpreter version the file itself states (conda's ``python=3.11.9``): it
        replaces the assumed one, but never ``--python``."""
        if self.python_source == "--python" or not _valid_version(version):
            return
        self.python = version
        self.python_source = self.path.name
        self.marker_env["python_version"] = ".".join(version.split(".")[:2])
        self.marker_env["python_full_version"] = version
        self.judged.clear()

    def url_line(self, target: str, where: str) -> bool:
        """A requirement given as a URL or a path (``-e git+https://…#egg=name``, a wheel's
        path): its project, with the version its file name gives, else unknown. False when
        the line names no project (``-e .``, a folder)."""
        found = _file_version(target)
        egg = re.search(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)", target)
        if isinstance(found, tuple):
            self.add(found[0], found[1], where)
        elif egg:
            self.add(egg.group(1), UNKNOWN, where)
        else:  # a local folder (-e ., rye's -e file:., -e /src/tool, -e .[dev]): no project
            local = target.removeprefix("file:")
            return local.startswith((".", "/")) or ("://" not in local and "/" in local)
        return True

    def include(
        self, line: str, path: Path, root: Path, chain: list[Path], where: str, constraints: bool
    ) -> None:
        constraints = constraints or line.startswith(("-c", "--constraint"))
        target = re.sub(r"^(-r|--requirement|-c|--constraint)[\s=]*", "", line).strip()
        if not target:
            self.note(f"{where}: an include without a file name")
            return
        if re.match(r"[a-z][a-z0-9+.-]*://", target):
            self.note(f"{where}: includes {target[:80]!r}, a URL: not fetched")
            return
        included = (path.absolute().parent / target).resolve()
        if not included.is_relative_to(root.resolve()):
            raise ConfigError(
                f"{where}: includes {target!r}, outside the project of the first file "
                f"({root}); not read"
            )
        if included in chain or len(chain) >= MAX_INCLUDES:
            raise ConfigError(f"{where}: includes {target!r} again (a cycle, or too many)")
        chain.append(included)
        self.requirements(included, root, chain, constraints)

    # ---- uv.lock, poetry.lock, pylock.toml

    def toml_packages(self, data: dict[str, Any]) -> None:
        key = "packages" if self.kind == "pylock" else "package"
        if self.kind == "uv.lock" and key not in data and "distribution" in data:
            key = "distribution"  # uv 0.2 (before August 2024) wrote [[distribution]]
        packages = data.get(key, [])
        if not isinstance(packages, list):
            raise ConfigError(f"{self.path}: [[{key}]] is not an array of tables")
        reached = None
        if self.kind in ("uv.lock", "poetry.lock"):
            from kbtool.applies import depgraph

            if self.kind == "uv.lock":
                reached = depgraph.uv_installed(packages, self, self.path.name)
            else:
                reached = depgraph.poetry_installed(
                    packages, self, self.path.name, self.beside("pyproject.toml")
                )
        for number, package in enumerate(packages, 1):
            where = f"{self.path.name} {key}[{number}]"
            if not isinstance(package, dict):
                self.note(f"{where}: not a table, skipped")
                continue
            if reached is not None and number - 1 not in reached:
                continue  # not installed here: only a failing marker's edge leads to it
            markers = package.get("marker" if self.kind in ("pylock", "pdm.lock") else "markers")
            if self.kind == "uv.lock":
                forks = package.get("resolution-markers")
                if (
                    isinstance(forks, list)
                    and forks
                    and not any(self.marker_holds(m, where) for m in forks)
                ):
                    continue
            elif not self.marker_holds(markers, where):
                continue
            version = package.get("version")
            if version is None:  # pylock: an archive, a directory or VCS; uv: a dynamic one
                version = _pylock_file_version(package) or UNKNOWN
            self.add(package.get("name"), version, where)

    def beside(self, name: str) -> dict[str, Any] | None:
        """The TOML file ``name`` in the lock file's folder, None when there is none or it
        cannot be read (noted: the lock is then read without it)."""
        path = self.path.with_name(name)
        if not path.is_file():
            return None
        try:
            return _toml(path)
        except (ConfigError, UsageError) as exc:
            self.note(f"{name} beside {self.path.name} not read: {str(exc)[:80]}")
            return None

    # ---- Pipfile.lock

    def pipfile_lock(self, data: dict[str, Any]) -> None:
        for section in ("default", "develop"):
            packages = data.get(section, {})
            if not isinstance(packages, dict):
                raise ConfigError(f"{self.path}: {section!r} is not an object")
            for name, package in packages.items():
                where = f"{self.path.name} {section}.{str(name)[:40]}"
                if not isinstance(package, dict):
                    self.note(f"{where}: not an object, skipped")
                    continue
                if not self.marker_holds(package.get("markers"), where):
                    continue
                version = package.get("version")
                if isinstance(version, str) and version.startswith("=="):
                    self.add(name, version[2:], where)
                else:  # a VCS, a path, or a file whose name may give the version
                    target = package.get("file") or package.get("path")
                    found = _file_version(target, str(name)) if isinstance(target, str) else None
                    self.add(name, found or UNKNOWN, where)

    def environment(self) -> Environment:
        for key, note in self.unpinned.items():
            if key in self.constraints and self.found.get(key) == {UNKNOWN}:
                self.found[key] = {self.constraints[key]}
            else:
                self.note(note)
        packages: dict[str, str] = {}
        for key, versions in self.found.items():
            known = sorted(versions - {UNKNOWN})
            if len(known) == 1:
                packages[key] = known[0]
            elif len(known) > 1:
                self.note(f"{self.names[key]}: several versions locked ({', '.join(known)})")
                packages[key] = UNKNOWN
            else:
                packages[key] = UNKNOWN
        return Environment(
            str(self.path),
            self.kind,
            packages,
            self.python,
            self.python_source,
            dict(self.names),
            tuple(self.notes),
        )


# a PEP 751 marker's choice: 'gpu' in extras, 'dev' not in dependency_groups
_CHOSEN = re.compile(r"""['"]([^'"]+)['"]\s+(?:not\s+)?in\s+(extras|dependency_groups)""")

# conda list --export / conda env export --no-builds: name=version[=build] (one "=")
_CONDA_SPEC = re.compile(r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)=(?P<version>[^=\s]+)(=[^=\s]+)?")


def _file_version(url: str, name: str | None = None) -> Any:
    """The (project, version) a wheel's or an sdist's file name at the end of ``url`` gives;
    with ``name``, that version when the file is that project's, else None."""
    from urllib.parse import unquote, urlsplit

    from packaging.utils import (
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )

    if len(url) > 2000:
        return None
    base = unquote(urlsplit(url).path if "://" in url else url.split("#")[0]).rstrip("/")
    base = base.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    try:
        if base.endswith(".whl"):
            project, version, *_ = parse_wheel_filename(base)
        elif base.endswith((".tar.gz", ".zip")):
            project, version = parse_sdist_filename(base)
        else:
            return None
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None
    if name is None:
        return project, str(version)
    return str(version) if canonical(name) == project else None


def _pylock_file_version(package: dict[str, Any]) -> str | None:
    """A pylock package without ``version``: its archive's, sdist's or wheel's file name."""
    name = package.get("name")
    if not isinstance(name, str):
        return None
    files = [package.get("archive"), package.get("sdist")]
    wheels = package.get("wheels")
    if isinstance(wheels, list):
        files.extend(wheels[:1])
    for file in files:
        if isinstance(file, dict):
            target = file.get("url") or file.get("path") or file.get("name")
            if isinstance(target, str) and (found := _file_version(target, name)):
                return str(found)
    return None


def _valid_version(version: object) -> bool:
    from packaging.version import InvalidVersion, Version

    if not isinstance(version, str) or len(version) > 100:
        return False
    try:
        Version(version)
    except InvalidVersion:
        return False
    return True


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.absolute().relative_to(root))
    except ValueError:
        return str(path)


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, text) of each requirement line: comments removed, ``\\``
    continuations joined, blank lines dropped. A generator: a reader that has read enough
    stops here."""
    pending = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = re.sub(r"(^|\s)#.*$", "", raw).rstrip()
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = (pending + line).strip()
        pending = ""
        if line:
            yield start, line
    if pending.strip():
        yield start, pending.strip()
