"""Where the search index lives and whether its file can be trusted (see docs/security.md).

- The index goes in the cache folder when :mod:`kbtool.cachefs` finds it safe and
  writable; a read-only folder still serves an index that is there; otherwise (a cache
  folder that is a link, inside ``.git``, or cannot be created) the index is built in a
  private temporary folder for this one run, with a notice.
- ``index.db`` and its ``-wal``/``-shm``/``-journal`` companions must be regular files, not
  links (SQLite would follow a link and write wherever it points).
- An index carries an owner token: an HMAC of the KB root with the user's cache secret.
  An ``index.db`` committed with a pull request has none that matches and is rebuilt.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from kbtool import cachefs
from kbtool.config import Config

COMPANIONS = ("-wal", "-shm", "-journal")


class Place:
    """The folder holding the index for this run, and how it may be used."""

    def __init__(self, folder: Path, *, writable: bool, temporary: bool, why: str = "") -> None:
        self.folder = folder
        self.writable = writable
        self.temporary = temporary
        self.why = why

    def cleanup(self) -> None:
        if self.temporary:
            import shutil  # only for a temporary index: not on every start-up

            shutil.rmtree(self.folder, ignore_errors=True)


def temporary_place(why: str) -> Place:
    from tempfile import mkdtemp  # tempfile (and random) only when a run needs one

    return Place(Path(mkdtemp(prefix="kbtool-index-")), writable=True, temporary=True, why=why)


def choose(config: Config) -> Place:
    """The cache folder when usable, else a temporary folder (``why`` says why)."""
    reason = cachefs.unsafe_reason(config.root, config.cache_dir)
    if reason is None:
        folder = cachefs.cache_folder(config.root, config.cache_dir, create=True)
        if folder is not None:
            index = folder / "index.db"
            writable = os.access(folder, os.W_OK) and (
                not os.path.lexists(index) or os.access(index, os.W_OK)
            )
            return Place(folder, writable=writable, temporary=False)
        reason = "it cannot be created (read-only?)"
    return temporary_place(f"the cache folder cannot be used ({reason})")


def unsafe_file(path: Path) -> str:
    """Why the index file (or a companion) must not be opened ("" when it may)."""
    for candidate in (path, *(path.with_name(path.name + s) for s in COMPANIONS)):
        try:
            mode = os.lstat(candidate).st_mode
        except FileNotFoundError:
            continue
        except OSError as exc:
            return f"unreadable ({exc.strerror or exc})"
        if not stat.S_ISREG(mode):
            return f"{candidate.name} is not a regular file"
    return ""


def clear(path: Path) -> None:
    """Remove whatever sits at ``path`` (a link, a folder, a file) so a file can go there."""
    import contextlib  # off the queries' start-up

    with contextlib.suppress(FileNotFoundError):
        mode = os.lstat(path).st_mode
        if stat.S_ISDIR(mode):
            import shutil

            shutil.rmtree(path)
        else:
            path.unlink()


def owner_token(config: Config) -> str | None:
    """The token that marks an index built here by this user (None: no secret, no trust)."""
    key = cachefs.secret(config.root)
    if key is None:
        return None
    return cachefs.sign(key, b"kbtool-index\0" + os.fsencode(config.root)).hex()
