"""Render the site into a folder, deterministically, rewriting only what changed.

A manifest (``.kbtool-site.json`` in the output folder) records, for every file the build
wrote, the hash of its inputs (the template set and the page's own data) and of its bytes.
A page whose input hash is unchanged and whose file still has the recorded bytes is neither
rendered nor written; every other file is written only when its bytes differ. Files of an
earlier build that this one no longer makes (a removed entry's page) are deleted; nothing
else in the folder is touched.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from kbtool.config import Config
from kbtool.errors import UnsafePathError, UsageError
from kbtool.site.safehtml import highlight, inline, markdown

MANIFEST = ".kbtool-site.json"
MANIFEST_VERSION = 1
SITE_TITLE = "Learnings"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'"
)
# What a build may write or delete: its own names only, whatever a manifest says (search
# files were .json before format 2: a rebuild removes them).
_OWN_PATH = re.compile(
    r"^(?:index\.html|graph\.html|tags\.html|[et]/[a-z0-9][a-z0-9-]{0,95}\.html|"
    r"static/[a-z0-9-]+\.(?:css|js|svg)|search/[a-z0-9/_-]{1,64}\.js(?:on)?)$"
)
_FOLDERS = ("e", "t", "static", "search", *(f"search/{x}" for x in ("t", "d", "s", "m", "v", "i")))


@dataclass
class BuildResult:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    entries: int = 0
    skipped: list[str] = field(default_factory=list)

    @property
    def files(self) -> int:
        return len(self.written) + self.unchanged


def _package() -> Any:
    return files("kbtool.site")


@lru_cache(maxsize=1)
def _environment() -> Any:
    from jinja2 import DictLoader, Environment

    loader = DictLoader(
        {
            item.name: item.read_text(encoding="utf-8")
            for item in (_package() / "templates").iterdir()
            if item.name.endswith(".j2")
        }
    )
    env = Environment(
        loader=loader,
        autoescape=True,
        keep_trailing_newline=True,
        trim_blocks=False,
    )
    env.filters["inline"] = inline
    env.filters["highlight"] = highlight
    env.filters["markdown"] = markdown
    return env


@lru_cache(maxsize=1)
def _templates_digest() -> str:
    """What every page depends on besides its data: the templates, static files and the
    site's code (a new kbtool release rebuilds every page), and Pygments' version."""
    from pygments import __version__ as pygments_version

    h = hashlib.sha256(f"pygments {pygments_version}\0".encode())
    items = [i for i in _package().iterdir() if i.name.endswith(".py")]
    for folder in ("templates", "static"):
        items += list((_package() / folder).iterdir())
    for item in sorted(items, key=lambda i: (i.parent.name, i.name)):
        h.update(item.name.encode() + b"\0" + item.read_bytes() + b"\0")
    return h.hexdigest()


def static_files() -> dict[str, bytes]:
    """The site's stylesheets and scripts (``static/``), the code theme included."""
    from kbtool.site.safehtml import highlight_css

    out = {
        f"static/{item.name}": item.read_bytes()
        for item in (_package() / "static").iterdir()
        if item.name.endswith((".css", ".js", ".svg"))
    }
    out["static/code.css"] = highlight_css().encode("utf-8")
    return dict(sorted(out.items()))


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _check_folders(out: Path) -> None:
    """Refuse an output folder, or a folder of the site in it, that is a symbolic link (a
    committed ``_site/e -> /somewhere`` would make the build write there)."""
    for rel in ("", *_FOLDERS):
        path = out / rel if rel else out
        if path.is_symlink():
            raise UnsafePathError(f"{path}: is a symbolic link; the site is not written there")
        if path.exists() and not path.is_dir():
            raise UsageError(f"{path}: is not a folder")


class _Writer:
    def __init__(self, out: Path, result: BuildResult) -> None:
        self.out = out
        self.result = result
        self.old = self._read_manifest()
        self.new: dict[str, list[str]] = {}

    def _read_manifest(self) -> dict[str, list[str]]:
        path = self.out / MANIFEST
        try:
            if path.is_symlink() or not path.is_file() or path.stat().st_size > 64 << 20:
                return {}
            raw = json.loads(path.read_bytes())
        except (OSError, ValueError):
            return {}
        if not isinstance(raw, dict) or raw.get("version") != MANIFEST_VERSION:
            return {}
        entries = raw.get("files")
        if not isinstance(entries, dict):
            return {}
        return {
            k: v
            for k, v in entries.items()
            if isinstance(k, str)
            and _OWN_PATH.match(k)
            and isinstance(v, list)
            and len(v) == 2
            and all(isinstance(x, str) for x in v)
        }

    def unchanged(self, rel: str, key: str) -> bool:
        """Whether ``rel`` was built from the same inputs and still has the bytes it got."""
        old = self.old.get(rel)
        if old is None or old[0] != key:
            return False
        path = self.out / rel
        try:
            return not path.is_symlink() and _digest(path.read_bytes()) == old[1]
        except OSError:
            return False

    def fresh(self, rel: str, key: str) -> bool:
        """Keep ``rel`` as it is when it is :meth:`unchanged`."""
        if not self.unchanged(rel, key):
            return False
        self.new[rel] = self.old[rel]
        self.result.unchanged += 1
        return True

    def write(self, rel: str, key: str, data: bytes) -> None:
        assert _OWN_PATH.match(rel), rel
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink():
            path.unlink()
        if _replace(path, data):
            self.result.written.append(rel)
        else:
            self.result.unchanged += 1
        self.new[rel] = [key, _digest(data)]

    def finish(self) -> None:
        from kbtool.atomic import atomic_write

        for rel in sorted(set(self.old) - set(self.new)):
            path = self.out / rel
            if path.is_file() and not path.is_symlink():
                path.unlink()
                self.result.removed.append(rel)
        manifest = {"version": MANIFEST_VERSION, "files": dict(sorted(self.new.items()))}
        text = json.dumps(manifest, indent=0, sort_keys=True, separators=(",", ":"))
        atomic_write(self.out / MANIFEST, text.encode("utf-8") + b"\n")


def _replace(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` through a temporary file and a rename (a reader never sees
    half a page); False when the bytes were already there. Unlike kbtool.atomic.atomic_write
    there is no fsync per file: the site is derived output, and at 10k entries the two
    fsyncs a file were most of the build's time on a busy disk. The manifest, written last
    with atomic_write, is what a rebuild trusts, and it checks each file's bytes anyway."""
    import os
    import tempfile

    try:
        if path.is_file() and path.read_bytes() == data:
            return False
    except OSError:
        pass
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        Path(tmp).chmod(0o644)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def build_site(config: Config, out: Path, *, title: str = SITE_TITLE) -> BuildResult:
    """Build the KB's site into ``out`` (created when missing)."""
    from kbtool.site.collect import SEVERITY_ORDER, collect
    from kbtool.site.pages import all_pages
    from kbtool.site.searchindex import index_files

    out = out.absolute()
    if out == config.root or config.root.is_relative_to(out):
        raise UsageError(f"{out}: the site cannot be written over the knowledge base")
    if out.is_relative_to(config.learnings_dir):
        raise UsageError(f"{out}: the site cannot be written inside the learnings folder")
    _check_folders(out)
    out.mkdir(parents=True, exist_ok=True)
    data = collect(config)
    result = BuildResult(entries=len(data.entries), skipped=data.skipped)
    writer = _Writer(out, result)
    common = {
        "site_title": title,
        "csp": CSP,
        "entry_count": len(data.entries),
        "severities": SEVERITY_ORDER,
    }
    env = _environment()
    base = _templates_digest()
    for rel, template, ctx in all_pages(data):
        full = {**common, **ctx}
        key = _digest((base + template + _canonical(full)).encode("utf-8"))
        if writer.fresh(rel, key):
            continue
        html = env.get_template(template).render(**full)
        writer.write(rel, key, html.encode("utf-8"))
    for rel, blob in static_files().items():
        key = _digest(blob)
        if not writer.fresh(rel, key):
            writer.write(rel, key, blob)
    # The search index depends on every entry: rebuilt only when one of them changed.
    index_key = _digest((base + _canonical([[e.id, e.data] for e in data.entries])).encode())
    kept = [rel for rel in writer.old if rel.startswith("search/")]
    if kept and all(writer.unchanged(rel, index_key) for rel in kept):
        for rel in kept:
            writer.fresh(rel, index_key)
    else:
        for rel, blob in index_files(data).items():
            writer.write(rel, index_key, blob)
    writer.finish()
    result.written.sort()
    return result


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
