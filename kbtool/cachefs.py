"""The cache folder (``.kbtool/`` by default) and the files in it, treated as hostile.

A pull request can commit anything into the cache folder: forged caches, links to files
elsewhere, a FIFO, a folder where a file should be. The rules, all kept here:

- The cache folder is a real folder inside the KB root: no path component from the root
  down is a symbolic link, and no component is a version-control folder (``.git``, ``.hg``,
  ``.svn``). :func:`cache_folder` checks (and creates) it; anything else means no cache.
- Files in it are read with :func:`read_cache_file`: ``O_NOFOLLOW``, regular files only,
  capped. Writes go through :func:`kbtool.atomic.atomic_write` (a new file renamed over the
  name: a link there is replaced, never followed).
- Every cache whose content can change a verdict is signed with :func:`seal` and read back
  with :func:`unseal` (HMAC-SHA256 with a secret in the user's own cache folder,
  ``$XDG_CACHE_HOME/kbtool/cache-secret``, which never travels with the repository).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from kbtool.confine import read_regular

TYPE_CHECKING = False  # typing is imported for the type checker only (start-up)
if TYPE_CHECKING:
    from typing import Any

VCS_DIRS = frozenset({".git", ".hg", ".svn", ".bzr", "_darcs", "CVS"})
MAC_SIZE = 32
IGNORE_TEXT = b"# kbtool's cache: derived files, never commit them\n*\n"


#: The size of the secret kbtool writes; a shorter one (an empty file) is guessable.
SECRET_BYTES = 32


def secret(root: Path) -> bytes | None:
    """This user's cache-signing secret (created on first use); None when it cannot be, or
    when the knowledge base at ``root`` could have supplied it: a secret inside the root
    (a CI job that keeps ``XDG_CACHE_HOME`` in the workspace reads one the pull request
    committed), a link, anything but a regular file, or one shorter than kbtool writes."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kbtool"
    path = base / "cache-secret"
    try:
        base.resolve().relative_to(root.resolve())
        return None  # the repository's own file: it signs nothing
    except ValueError:
        pass
    except (OSError, RuntimeError):
        return None
    if os.path.lexists(path):
        found = read_cache_file(path, 4096)
        return found if found is not None and len(found) >= SECRET_BYTES else None
    try:
        base.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(os.urandom(SECRET_BYTES))
        return path.read_bytes()
    except OSError:
        return None


def sign(key: bytes, body: bytes) -> bytes:
    """HMAC-SHA256 of ``body`` (RFC 2104, as ``hmac.new(key, body, "sha256")``), written out
    over the small built-in SHA-256: ``hmac`` loads OpenSSL's ``_hashlib``, which costs a
    search's start-up more than the rest of the freshness check (a test holds the two equal)."""
    sha256 = _sha256()
    if len(key) > _BLOCK:
        key = sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    inner = sha256(key.translate(_IPAD) + body).digest()
    digest: bytes = sha256(key.translate(_OPAD) + inner).digest()
    return digest


_BLOCK = 64  # SHA-256's block size
_IPAD = bytes(b ^ 0x36 for b in range(256))
_OPAD = bytes(b ^ 0x5C for b in range(256))


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data`` in hex, without loading OpenSSL (see :func:`_sha256`)."""
    digest: str = _sha256()(data).hexdigest()
    return digest


def _sha256() -> Callable[[bytes], Any]:
    """SHA-256 without OpenSSL when the interpreter has its own (``_sha256``, ``_sha2`` from
    Python 3.12), else hashlib's."""
    for name in ("_sha256", "_sha2"):
        try:
            found: Callable[[bytes], Any] = __import__(name).sha256
        except (ImportError, AttributeError):
            continue
        return found
    import hashlib

    return hashlib.sha256


def seal(key: bytes, body: bytes) -> bytes:
    """``body`` followed by its signature."""
    return body + sign(key, body)


def unseal(key: bytes, blob: bytes | None) -> bytes | None:
    """The body of a sealed blob, or None when the signature does not match."""
    if blob is None or len(blob) <= MAC_SIZE:
        return None
    body, mac = blob[:-MAC_SIZE], blob[-MAC_SIZE:]
    return body if _compare_digest()(mac, sign(key, body)) else None


def _compare_digest() -> Callable[[bytes, bytes], bool]:
    """A constant-time compare: ``hmac.compare_digest`` is ``_operator._compare_digest``,
    taken from there so that reading a cache does not load OpenSSL (``hmac`` imports
    ``_hashlib``: a few ms of ``kbtool show``); hmac's own when that name is gone."""
    try:
        from _operator import _compare_digest

        found: Callable[[bytes, bytes], bool] = _compare_digest
    except ImportError:
        import hmac

        found = hmac.compare_digest
    return found


def vcs_component(root: Path, folder: Path) -> str | None:
    """The version-control folder name in ``folder``'s path below ``root``, if any."""
    try:
        parts = folder.relative_to(root).parts
    except ValueError:
        return None
    return next((p for p in parts if p in VCS_DIRS or p.lower() in VCS_DIRS), None)


def unsafe_reason(root: Path, folder: Path) -> str | None:
    """Why ``folder`` cannot be the cache folder (None when it can, or does not exist yet)."""
    try:
        parts = folder.relative_to(root).parts
    except ValueError:
        return "it is outside the knowledge base root"
    if not parts:
        return "it is the knowledge base root itself"
    if (name := vcs_component(root, folder)) is not None:
        return f"it is inside the version-control folder {name}"
    here = root
    for part in parts:
        here = here / part
        try:
            info = os.lstat(here)
        except FileNotFoundError:
            return None
        except OSError as exc:
            return f"{here.name}: {exc.strerror or exc}"
        if stat.S_ISLNK(info.st_mode):
            return f"{here.relative_to(root)} is a symbolic link"
        if not stat.S_ISDIR(info.st_mode):
            return f"{here.relative_to(root)} is not a folder"
    return None


def cache_folder(root: Path, folder: Path, *, create: bool) -> Path | None:
    """``folder`` when it is safe to use as the cache (created, with its ``.gitignore``,
    when ``create``); None when it is unsafe, missing (and not created) or not writable."""
    if unsafe_reason(root, folder) is not None:
        return None
    if not folder.is_dir():
        if not create:
            return None
        try:
            _make_dirs(root, folder)
        except OSError:
            return None
        if unsafe_reason(root, folder) is not None:  # raced with a link
            return None
    if create:
        ignore = folder / ".gitignore"
        if not os.path.lexists(ignore):
            from kbtool.atomic import atomic_write

            try:  # noqa: SIM105 - contextlib stays off the start-up path
                atomic_write(ignore, IGNORE_TEXT)
            except OSError:
                pass
    return folder


def _make_dirs(root: Path, folder: Path) -> None:
    here = root
    for part in folder.relative_to(root).parts:
        here = here / part
        try:  # noqa: SIM105 - contextlib stays off the start-up path
            here.mkdir(0o755)
        except FileExistsError:
            pass
        if not stat.S_ISDIR(os.lstat(here).st_mode):
            raise NotADirectoryError(str(here))


def read_cache_file(path: Path, limit: int) -> bytes | None:
    """A regular file's bytes (not through a link, at most ``limit``); None otherwise."""
    try:
        return read_regular(path, limit)
    except OSError:
        return None


def is_plain_file_or_absent(path: Path) -> bool:
    """True when ``path`` is a regular file (not a link) or does not exist."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except FileNotFoundError:
        return True
    except OSError:
        return False
