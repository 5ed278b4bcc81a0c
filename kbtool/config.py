"""Find the knowledge base root and read its configuration.

The root is the nearest folder, walking up from the start, that has a ``kbtool.toml``,
a ``pyproject.toml`` with a ``[tool.kbtool]`` table, or a ``learnings/`` folder.
"""

from __future__ import annotations

from pathlib import Path

from kbtool.errors import ConfigError
from kbtool.records import FrozenRecord

TYPE_CHECKING = False  # typing is imported for the type checker only (start-up)
if TYPE_CHECKING:
    from typing import Any

DEFAULT_MAX_FILE_BYTES = 1024 * 1024
#: The most a repository's own configuration may raise ``max-file-bytes`` to: the file
#: arrives with the pull request, so it cannot lift the cap that bounds kbtool's memory.
#: Only the person running kbtool can, with the environment variable below.
MAX_FILE_BYTES_CEILING = 4 * 1024 * 1024
MAX_FILE_BYTES_ENV = "KBTOOL_MAX_FILE_BYTES"
KNOWN_KEYS = frozenset(
    {"learnings", "reports", "templates", "cache", "max-file-bytes", "path-map", "help-uri"}
)
#: Folders never searched for entries (kept here, off the heavier kbtool.kb, for the search
#: path).
SKIP_DIRS = {".git", ".kbtool", "node_modules", "__pycache__", ".venv"}
DEFAULT_PATH_MAP = {"SPEC/learnings/": "learnings/", "spec/learnings/": "learnings/"}


class Config(FrozenRecord):
    """Resolved settings of one knowledge base. All folders are absolute.

    A frozen value (not a dataclass, to keep ``import dataclasses`` off the search path):
    use ``config.replace(...)`` for a changed copy."""

    _fields = (
        "root",
        "learnings_dir",
        "reports_dir",
        "templates_dir",
        "cache_dir",
        "max_file_bytes",
        "path_map",
        "raw",
        "source",
    )
    root: Path
    learnings_dir: Path
    reports_dir: Path
    templates_dir: Path | None
    cache_dir: Path
    max_file_bytes: int
    path_map: dict[str, str]
    raw: dict[str, Any]
    source: Path | None

    def __init__(
        self,
        root: Path,
        learnings_dir: Path,
        reports_dir: Path,
        templates_dir: Path | None,
        cache_dir: Path,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        path_map: dict[str, str] | None = None,
        raw: dict[str, Any] | None = None,
        source: Path | None = None,
    ) -> None:
        self._set(
            root=root,
            learnings_dir=learnings_dir,
            reports_dir=reports_dir,
            templates_dir=templates_dir,
            cache_dir=cache_dir,
            max_file_bytes=max_file_bytes,
            path_map=dict(DEFAULT_PATH_MAP) if path_map is None else path_map,
            raw={} if raw is None else raw,
            source=source,
        )

    def inside(self, path: Path) -> bool:
        """True when ``path`` (resolved, links followed) lies inside the KB root."""
        try:
            path.resolve().relative_to(self.root)
        except (ValueError, OSError, RuntimeError):
            return False
        return True


#: A configuration file bigger than this is refused (it arrives with the pull request).
MAX_CONFIG_BYTES = 1024 * 1024


def _read_toml(path: Path) -> dict[str, Any]:
    from kbtool.confine import leaves

    if leaves(path, path.parent):
        raise ConfigError(f"{path}: refused: a link that leaves the knowledge base root")
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_CONFIG_BYTES + 1)
        if len(data) > MAX_CONFIG_BYTES:
            raise ConfigError(f"{path}: over {MAX_CONFIG_BYTES >> 20} MiB; not read")
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text: {exc.reason}") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    from kbtool.simpletoml import load

    try:
        return load(text)  # a two-line kbtool.toml needs no tomllib (a start-up's cost)
    except ValueError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def _table_at(folder: Path) -> tuple[dict[str, Any], Path | None] | None:
    own = folder / "kbtool.toml"
    if own.is_file():
        data = _read_toml(own)
        return data.get("tool", {}).get("kbtool", data), own
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file():
        data = _read_toml(pyproject)
        table = data.get("tool", {}).get("kbtool")
        if isinstance(table, dict):
            return table, pyproject
    if (folder / "learnings").is_dir():
        return {}, None
    return None


class NoKnowledgeBaseError(ConfigError):
    """No knowledge base contains the starting folder."""


def find_root(start: Path | None = None) -> tuple[Path, dict[str, Any], Path | None]:
    """Walk up from ``start`` to the KB root; return it, its settings table and their file."""
    here = (start or Path.cwd()).resolve()
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        found = _table_at(folder)
        if found is not None:
            table, source = found
            return folder, table, source
    raise NoKnowledgeBaseError(
        f"no knowledge base found from {here} upwards: expected kbtool.toml, "
        "a [tool.kbtool] table in pyproject.toml, or a learnings/ folder "
        "(run from inside a knowledge base, pass {root}, or make one with 'kbtool init')",
        params=("root",),
    )


class _Where:
    """Names a setting as the user wrote it: ``kbtool.toml: learnings`` or
    ``pyproject.toml: [tool.kbtool] learnings``, so an error says which file to open."""

    def __init__(self, source: Path | None) -> None:
        self.prefix = f"{source}: " if source is not None else ""
        self.table = "[tool.kbtool] " if source is None or source.name != "kbtool.toml" else ""

    def __call__(self, key: str, value: object = None) -> str:
        shown = f" = {_shown(value)}" if value is not None else ""
        return f"{self.prefix}{self.table}{key}{shown}"


def _shown(value: object) -> str:
    """A setting's value as TOML writes it (``"big"``, ``5``, ``true``), cut when long."""
    import json

    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:59] + "…"


#: The fields a ``help-uri`` template may name, each as itself (``{id}``), no more.
HELP_URI_FIELDS = ("id", "path", "line")


def _help_uri_problem(value: object) -> str | None:
    """Why a ``help-uri`` cannot be used, or None. It goes into SARIF that code-scanning
    pages show as a link, and is filled with ``str.format``: a field with an attribute, an
    index or a format spec (``{id.__class__}``, ``{id:>999999999}``) would read objects or
    allocate a gigabyte, an unknown one would fail the scan."""
    if not isinstance(value, str):
        return "expected a string"
    if not value:
        return None  # none: each entry's first http(s) reference
    import string

    from kbtool.hrefs import safe_url

    if not value.lower().startswith(("https://", "http://")) or safe_url(value) is None:
        return "expected an http(s) URL"
    try:
        parts = [(f, spec, conv) for _, f, spec, conv in string.Formatter().parse(value)]
    except ValueError as exc:
        return f"not a valid template ({exc}); write {{{{ and }}}} for braces"
    allowed = ", ".join(f"{{{name}}}" for name in HELP_URI_FIELDS)
    for field, spec, conv in parts:
        if field is not None and (field not in HELP_URI_FIELDS or spec or conv):
            return f"a template may name {allowed} only, as they are"
    return None


def _folder(root: Path, table: dict[str, Any], key: str, default: str, where: _Where) -> Path:
    value = table.get(key, default)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where(key, value)}: expected a folder, as a non-empty string")
    path = (root / value).resolve()
    try:
        path.relative_to(root)
    except ValueError as exc:
        raise ConfigError(f"{where(key, value)} leaves the knowledge base root") from exc
    return path


def _cache_folder(root: Path, table: dict[str, Any], where: _Where) -> Path:
    """The cache folder as written (links are not followed here: :mod:`kbtool.cachefs`
    refuses to use a cache folder reached through one)."""
    import os

    from kbtool.cachefs import vcs_component

    value = table.get("cache", ".kbtool")
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where('cache', value)}: expected a folder, as a non-empty string")
    folder = Path(os.path.normpath(root / value))
    if not folder.is_relative_to(root):
        raise ConfigError(f"{where('cache', value)} leaves the knowledge base root")
    if folder == root or vcs_component(root, folder) is not None:
        raise ConfigError(
            f"{where('cache', value)}: the cache folder must be a folder "
            "of its own, not the root or a version-control folder (.git, .hg, .svn)"
        )
    return folder


def file_bytes_ceiling() -> int:
    """:data:`MAX_FILE_BYTES_CEILING`, or the ``KBTOOL_MAX_FILE_BYTES`` of the environment."""
    import os

    raw = os.environ.get(MAX_FILE_BYTES_ENV, "").strip()
    if not raw:
        return MAX_FILE_BYTES_CEILING
    if not raw.isdigit() or int(raw) <= 0:
        raise ConfigError(f"{MAX_FILE_BYTES_ENV}={raw!r}: expected a positive number of bytes")
    return int(raw)


def load_config(start: Path | None = None, *, root: Path | None = None) -> Config:
    """Resolve the configuration of the KB containing ``start`` (or rooted at ``root``)."""
    if root is not None:
        root = root.resolve()
        if not root.is_dir():
            raise ConfigError(f"{{root}} {root}: not a folder", params=("root",))
        found = _table_at(root)
        table, source = found if found is not None else ({}, None)
    else:
        root, table, source = find_root(start)
    where = _Where(source)
    unknown = sorted(set(table) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(
            f"{where.prefix or f'{root}: '}unknown {where.table}key(s) "
            f"{', '.join(_with_guess(key) for key in unknown)}; "
            f"known keys: {', '.join(sorted(KNOWN_KEYS))}"
        )
    max_bytes = table.get("max-file-bytes", DEFAULT_MAX_FILE_BYTES)
    if not isinstance(max_bytes, int) or isinstance(max_bytes, bool) or max_bytes <= 0:
        raise ConfigError(
            f"{where('max-file-bytes', max_bytes)}: expected a positive integer (bytes)"
        )
    max_bytes = min(max_bytes, file_bytes_ceiling())
    path_map = dict(DEFAULT_PATH_MAP)
    extra_map = table.get("path-map", {})
    if not isinstance(extra_map, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in extra_map.items()
    ):
        raise ConfigError(
            f"{where('path-map', extra_map)}: expected a table of strings to strings, "
            'e.g. path-map = {"SPEC/learnings/" = "learnings/"}'
        )
    path_map.update(extra_map)
    help_uri = table.get("help-uri")
    if help_uri is not None:
        problem = _help_uri_problem(help_uri)
        if problem:
            raise ConfigError(f"{where('help-uri', help_uri)}: {problem}")
    templates = table.get("templates")
    return Config(
        root=root,
        learnings_dir=_folder(root, table, "learnings", "learnings", where),
        reports_dir=_folder(root, table, "reports", "learnings/reports", where),
        templates_dir=(
            _folder(root, table, "templates", "templates", where) if templates else None
        ),
        cache_dir=_cache_folder(root, table, where),
        max_file_bytes=max_bytes,
        path_map=path_map,
        raw=table,
        source=source,
    )


def _with_guess(key: str) -> str:
    """An unknown key, with the known key it is most likely a typo of."""
    import difflib

    close = difflib.get_close_matches(key, sorted(KNOWN_KEYS), n=1, cutoff=0.7)
    return f"{key} (did you mean {close[0]}?)" if close else key


def recognised(config: Config) -> bool:
    """Whether the root is a knowledge base (a kbtool.toml, a [tool.kbtool] table or a
    learnings folder), rather than a folder named by --root; nothing may be created
    (caches included) outside one."""
    return config.source is not None or config.learnings_dir.is_dir()


def require_learnings(config: Config) -> Config:
    """``config``, or ConfigError (exit 3) when its learnings folder does not exist: a
    reading command must not answer "no entries" (nor create its cache) for a KB that is
    not there."""
    if not config.learnings_dir.is_dir():
        from kbtool.textsafe import display_path

        if not recognised(config):
            raise ConfigError(
                f"{display_path(config.root)}: not a knowledge base (no kbtool.toml, no "
                "[tool.kbtool] table in pyproject.toml, no learnings/ folder); "
                f"'kbtool init {display_path(config.root)}' makes one"
            )
        raise ConfigError(
            f"no learnings folder at {display_path(config.learnings_dir)} "
            "(set 'learnings' in [tool.kbtool], or run 'kbtool init')"
        )
    return config


def folder_config(folder: Path) -> Config:
    """A configuration for a bare folder of category files outside any knowledge base:
    the folder is both the root and the learnings folder (``kbtool validate some/folder/``).
    Its cache folder is named but must not be written (nothing is created outside a KB)."""
    folder = folder.resolve()
    return Config(
        root=folder,
        learnings_dir=folder,
        reports_dir=folder / "reports",
        templates_dir=None,
        cache_dir=folder / ".kbtool",
    )
