"""Per-file validation results, cached by content hash in ``<cache_dir>/validate.cache``.

The cache is valid only for the same kbtool version, Python, XSD, set of checks and
configuration. Its bytes are signed (HMAC-SHA256) with a secret kept in the user's cache
folder (``$XDG_CACHE_HOME/kbtool/cache-secret``), and only a cache whose signature matches
is unmarshalled: a ``.kbtool/`` folder that arrives with a pull request can neither make a
broken file look clean nor feed ``marshal`` hostile bytes. A missing, corrupt or foreign
cache is ignored and rewritten. Without a usable secret nothing is cached.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import marshal
import os
import sys
import time
from pathlib import Path
from typing import Any

from kbtool import __version__, cachefs
from kbtool.config import Config
from kbtool.resources import xsd_path
from kbtool.validate import registry
from kbtool.validate.context import CachedFile

FORMAT = 3
# A file whose (inode, size, mtime, ctime) are unchanged is served without reading it, but
# only when it was last modified this long before the cache was written: an edit within the
# file system's timestamp granularity of the read that filled the cache cannot hide.
RACY_NS = 2_000_000_000
FILE_NAME = "validate.cache"
#: A cache bigger than this is not read (a forged one could be any size).
MAX_CACHE_BYTES = 64 * 1024 * 1024


def _code_stamp() -> str:
    """Sizes and mtimes of kbtool's modules: a check edited in a source checkout invalidates
    the cache without a version bump (about a millisecond)."""
    package = Path(__file__).resolve().parent.parent
    stamps = []
    for folder, _, names in os.walk(package):
        for name in sorted(names):
            if name.endswith(".py"):
                try:
                    info = os.stat(os.path.join(folder, name))  # noqa: PTH116, PTH118
                except OSError:
                    continue
                stamps.append(f"{name}:{info.st_size}:{info.st_mtime_ns}")
    return ";".join(sorted(stamps))


def _library_stamp() -> str:
    """The versions of the libraries a file's results come from: libxml2 and lxml (parsing,
    the schema) and ``regex`` (whether a detector's pattern compiles, KB506). ``regex`` is
    found, not imported: most runs never compile a pattern."""
    from lxml import etree

    parts = [repr(etree.LXML_VERSION), repr(etree.LIBXML_VERSION)]
    spec = importlib.util.find_spec("regex")
    if spec is not None and spec.origin:
        try:
            info = Path(spec.origin).stat()
        except OSError:
            pass
        else:
            parts.append(f"{spec.origin}:{info.st_size}:{info.st_mtime_ns}")
    return ";".join(parts)


def cache_key(config: Config) -> tuple[bytes, str] | None:
    """(secret, key): the key covers everything a file's results depend on besides its
    bytes and path."""
    secret = cachefs.secret(config.root)
    if secret is None:
        return None
    digest = hashlib.sha256()
    try:
        digest.update(xsd_path().read_bytes())
    except OSError:
        return None
    settings = json.dumps(config.raw, sort_keys=True, default=str)
    digest.update(_code_stamp().encode())
    for part in (
        str(FORMAT),
        __version__,
        sys.version,
        registry.signature(),
        _library_stamp(),
        settings,
        str(config.max_file_bytes),
    ):
        digest.update(b"\0" + part.encode())
    return secret, digest.hexdigest()


class Cache:
    def __init__(
        self,
        path: Path,
        secret: bytes,
        key: str,
        files: dict[str, Any],
        written_ns: int = 0,
        root: Path | None = None,
    ) -> None:
        self.path = path
        self.secret = secret
        self.key = key
        self.files = files
        self.written_ns = written_ns
        self.dirty = False
        self.root = root  # the KB root: the cache folder must be safe inside it to be written

    @classmethod
    def open(cls, config: Config) -> Cache | None:
        """The cache of this KB (empty when absent or unusable); None when caching is off."""
        if cachefs.unsafe_reason(config.root, config.cache_dir) is not None:
            return None  # a linked, misplaced or VCS cache folder: no cache at all
        found = cache_key(config)
        if found is None:
            return None
        secret, key = found
        path = config.cache_dir / FILE_NAME
        files: dict[str, Any] = {}
        written = 0
        body = cachefs.unseal(secret, cachefs.read_cache_file(path, MAX_CACHE_BYTES))
        try:
            data = marshal.loads(body) if body is not None else None  # noqa: S302 - signed
            if isinstance(data, dict) and data.get("key") == key:
                stored = data.get("files")
                files = stored if isinstance(stored, dict) else {}
                written = data.get("written", 0)
        except (ValueError, EOFError, TypeError):
            pass
        written = written if isinstance(written, int) else 0
        return cls(path, secret, key, files, written, config.root)

    def _row(self, rel: str) -> dict[str, Any] | None:
        row = self.files.get(rel)
        if (
            isinstance(row, dict)
            and isinstance(row.get("h"), str)
            and isinstance(row.get("f"), list)
            and isinstance(row.get("x"), dict)
            and isinstance(row.get("p"), bool)
        ):
            return row
        return None

    def by_stat(self, rel: str, stat: list[int]) -> tuple[str, CachedFile] | None:
        """(digest, result) of a file whose stat is unchanged since it was cached."""
        row = self._row(rel)
        if row is None or row.get("s") != stat or stat[2] >= self.written_ns - RACY_NS:
            return None
        return row["h"], CachedFile(row["f"], row["x"], row["p"])

    def get(self, rel: str, digest: str, stat: list[int] | None = None) -> CachedFile | None:
        """The result of a file with these bytes (recording its new stat)."""
        row = self._row(rel)
        if row is None or row["h"] != digest:
            return None
        if stat is not None and (row.get("s") != stat or stat[2] >= self.written_ns - RACY_NS):
            row["s"] = stat  # rewritten now, the stat can be trusted next time
            self.dirty = True
        return CachedFile(row["f"], row["x"], row["p"])

    def put(self, rel: str, digest: str, result: CachedFile, stat: list[int] | None) -> None:
        self.files[rel] = {
            "h": digest,
            "f": result.findings,
            "x": result.facts,
            "p": result.parsed,
            "s": stat,
        }
        self.dirty = True

    def save(self) -> None:
        """Write the cache if it changed; a cache that cannot be written is skipped."""
        if not self.dirty:
            return
        from kbtool.atomic import atomic_write

        if (
            self.root is None
            or cachefs.cache_folder(self.root, self.path.parent, create=True) is None
        ):
            return
        with contextlib.suppress(OSError):
            body = marshal.dumps({"key": self.key, "files": self.files, "written": time.time_ns()})
            atomic_write(self.path, cachefs.seal(self.secret, body))
