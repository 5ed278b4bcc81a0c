"""Lock and requirements files → :class:`~kbtool.applies.environment.Environment`.

Read with the standard library only (``tomllib``, ``json``) and ``packaging`` for names,
specifiers and markers; nothing is executed, installed or fetched. Every file is hostile:
each is read capped (:data:`MAX_BYTES`), without following a link at its end; a file that
is not what its name says is a :class:`~kbtool.errors.ConfigError` (exit 3) naming the file
and the problem; a package entry that makes no sense is skipped with a note.

- ``requirements*.txt`` (any ``*.txt``): ``name==version`` lines are pins; other
  requirements are known projects of unknown version; ``-r``/``-c`` includes are followed
  when they stay inside the first file's folder; options (``--hash``, ``-i``…) are ignored.
- ``uv.lock``, ``poetry.lock``, ``pylock.toml`` / ``pylock.*.toml`` (PEP 751): each
  ``[[package]]`` / ``[[packages]]`` name and version; markers are evaluated for the
  interpreter's version.
- ``Pipfile.lock``: the ``default`` and ``develop`` sections' ``==`` versions.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from kbtool.applies.environment import Environment
from kbtool.errors import ConfigError, UsageError
from kbtool.versionspec import NAME_RE, UNKNOWN, canonical

MAX_BYTES = 16 << 20  # one lock file
MAX_PACKAGES = 100_000
MAX_INCLUDES = 64  # requirements files read through -r / -c
MAX_NOTES = 50
KINDS = ("requirements", "uv.lock", "poetry.lock", "pylock", "Pipfile.lock")


def kind_of(path: Path) -> str:
    """Which reader a file name asks for; UsageError when none does."""
    name = path.name
    if name == "uv.lock":
        return "uv.lock"
    if name == "poetry.lock":
        return "poetry.lock"
    if name == "Pipfile.lock":
        return "Pipfile.lock"
    if re.fullmatch(r"pylock(\.[^.]+)?\.toml", name):
        return "pylock"
    if name.endswith((".txt", ".in")):
        return "requirements"
    raise UsageError(
        f"{path}: not a file kbtool can read versions from (requirements*.txt, uv.lock, "
        "poetry.lock, pylock.toml, Pipfile.lock)"
    )


def read_lockfile(path: Path, python: str, python_source: str = "") -> Environment:
    """The environment a lock or requirements file describes, for interpreter ``python``
    (used for markers and for learnings bound to ``python``; ``python_source`` says where
    that version comes from)."""
    kind = kind_of(path)
    reader = _Reader(path, kind, python, python_source)
    if kind == "requirements":
        reader.requirements(path, path.absolute().parent, [path.resolve()])
    elif kind == "Pipfile.lock":
        reader.pipfile_lock(_json(path))
    else:
        reader.toml_packages(_toml(path))
    return reader.environment()


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
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None


def _toml(path: Path) -> dict[str, Any]:
    from kbtool.simpletoml import load

    try:
        return load(_read(path))
    except ValueError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(_read(path))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: not a Pipfile.lock (the top is not an object)")
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

    def note(self, text: str) -> None:
        if len(self.notes) < MAX_NOTES:
            self.notes.append(text)
        elif len(self.notes) == MAX_NOTES:
            self.notes.append("… more notes left out")

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
        """Whether a package's marker holds for the interpreter (True when it cannot be
        judged: an ``extra`` marker, or one that does not parse, noted)."""
        if marker is None or marker == "":
            return True
        from packaging.markers import InvalidMarker, Marker, UndefinedEnvironmentName

        if not isinstance(marker, str):
            return True
        try:
            return bool(Marker(marker).evaluate({**self.marker_env, "extra": ""}))
        except (InvalidMarker, UndefinedEnvironmentName):
            self.note(f"{where}: marker {marker[:60]!r} not understood: the package is kept")
            return True

    # ---- requirements.txt

    def requirements(
        self, path: Path, root: Path, chain: list[Path], constraints: bool = False
    ) -> None:
        """Read a requirements file (``constraints``: a ``-c`` file, whose pins only give
        versions to projects the requirements name without pinning them)."""
        from packaging.requirements import InvalidRequirement, Requirement

        text = _read(path)
        shown = _shown(path, root)
        for number, line in _logical_lines(text):
            where = f"{shown}:{number}"
            if line.startswith(("-r", "--requirement", "-c", "--constraint")):
                self.include(line, path, root, chain, where, constraints)
                continue
            if line.startswith("-"):
                continue  # -e, -i, --hash on its own line, --no-binary…: not a version
            line = re.split(r"\s+--?[a-z]", line, maxsplit=1)[0]  # trailing --hash=…
            try:
                req = Requirement(line)
            except InvalidRequirement:
                self.note(f"{where}: not a requirement, skipped: {line[:60]!r}")
                continue
            if req.marker is not None and not req.marker.evaluate({**self.marker_env, "extra": ""}):
                continue
            pinned = [s for s in req.specifier if s.operator in ("==", "===")]
            pin = None
            if req.url is None and len(pinned) == 1 and not pinned[0].version.endswith(".*"):
                pin = pinned[0].version
            if constraints:
                if pin is not None and _valid_version(pin):
                    self.constraints.setdefault(canonical(req.name), pin)
            elif pin is not None:
                self.add(req.name, pin, where)
            else:
                spec = str(req.specifier) or "no version"
                self.unpinned.setdefault(
                    canonical(req.name),
                    f"{where}: {req.name} is not pinned ({spec[:40]}): version unknown",
                )
                self.add(req.name, UNKNOWN, where)

    def include(
        self, line: str, path: Path, root: Path, chain: list[Path], where: str, constraints: bool
    ) -> None:
        constraints = constraints or line.startswith(("-c", "--constraint"))
        target = re.sub(r"^(-r|--requirement|-c|--constraint)[\s=]*", "", line).strip()
        if not target:
            self.note(f"{where}: an include without a file name")
            return
        included = (path.absolute().parent / target).resolve()
        if not included.is_relative_to(root.resolve()):
            raise ConfigError(
                f"{where}: includes {target!r}, outside the folder of the first file "
                f"({root}); not read"
            )
        if included in chain or len(chain) >= MAX_INCLUDES:
            raise ConfigError(f"{where}: includes {target!r} again (a cycle, or too many)")
        chain.append(included)
        self.requirements(included, root, chain, constraints)

    # ---- uv.lock, poetry.lock, pylock.toml

    def toml_packages(self, data: dict[str, Any]) -> None:
        key = "packages" if self.kind == "pylock" else "package"
        packages = data.get(key, [])
        if not isinstance(packages, list):
            raise ConfigError(f"{self.path}: [[{key}]] is not an array of tables")
        for number, package in enumerate(packages, 1):
            where = f"{self.path.name} {key}[{number}]"
            if not isinstance(package, dict):
                self.note(f"{where}: not a table, skipped")
                continue
            markers = package.get("marker" if self.kind == "pylock" else "markers")
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
            if version is None:
                version = UNKNOWN  # pylock: a directory or VCS package; uv: a dynamic one
            self.add(package.get("name"), version, where)

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
                else:
                    self.add(name, UNKNOWN, where)

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


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, text) of each requirement line: comments removed, ``\\``
    continuations joined, blank lines dropped."""
    out: list[tuple[int, str]] = []
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
            out.append((start, line))
    if pending.strip():
        out.append((start, pending.strip()))
    return out
