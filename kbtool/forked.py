"""Work a forked child process does while this one goes on: the machine's second core.

For a fixed piece of work that mostly waits on the kernel, such as the search index's
freshness check (one ``stat`` a file: 20,000 at a million entries), while the command reads
the index beside it. A thread cannot do that in CPython: each system call gives the GIL back
and must wait up to the switch interval to retake it while the other thread runs Python.

The child shares nothing it could use by mistake: it closes every file descriptor but its
end of the pipe first (an inherited lock or database stays the parent's alone), never
returns into the caller's code and leaves through ``os._exit`` (no buffered output written
twice, no exit handlers). Where forking is not safe or cannot pay (no ``fork``, threads
running, one core), :meth:`Forked.start` answers None and the caller does the work itself.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing is imported for the type checker only (start-up)
if TYPE_CHECKING:
    from collections.abc import Callable

_LENGTH = 8  # the answer's length in bytes, little-endian, before the answer


class Forked:
    """A child process computing one ``bytes`` answer; :meth:`result` waits for it."""

    __slots__ = ("_fd", "_frozen", "_pid")

    def __init__(self, pid: int, fd: int, frozen: bool = False) -> None:
        self._pid, self._fd, self._frozen = pid, fd, frozen

    @classmethod
    def start(cls, work: Callable[[], bytes], keep: tuple[int, ...] = ()) -> Forked | None:
        """Run ``work`` in a forked child, which keeps the file descriptors ``keep`` open
        (and no other); None when this process should run it itself."""
        if not can_fork():
            return None
        read, write = os.pipe()
        frozen = _freeze()
        try:
            pid = os.fork()
        except OSError:  # out of processes or memory: do the work here
            os.close(read)
            os.close(write)
            _thaw(frozen)
            return None
        if pid == 0:  # pragma: no cover - the child (coverage does not follow it)
            _child(work, write, keep)
        os.close(write)
        return cls(pid, read, frozen)

    def result(self) -> bytes | None:
        """The child's answer (waiting for it), or None when it failed or was cut short."""
        if self._fd < 0:
            return None
        chunks = []
        try:
            while chunk := os.read(self._fd, 1 << 20):
                chunks.append(chunk)
        except OSError:
            chunks = []
        finally:
            self._close()
        data = b"".join(chunks)
        if len(data) < _LENGTH or int.from_bytes(data[:_LENGTH], "little") != len(data) - _LENGTH:
            return None
        return data[_LENGTH:]

    def abandon(self) -> None:
        """Stop the child without its answer (the caller no longer needs it)."""
        if self._fd >= 0:
            try:  # noqa: SIM105 - no contextlib on the search's start-up path
                os.kill(self._pid, 9)  # SIGKILL: the work has no state to leave behind
            except OSError:
                pass
            self._close()

    def _close(self) -> None:
        os.close(self._fd)
        self._fd = -1
        _thaw(self._frozen)
        self._frozen = False
        try:  # noqa: SIM105 - as above
            os.waitpid(self._pid, 0)  # no zombie left behind
        except ChildProcessError:
            pass


def can_fork() -> bool:
    """Whether forking here is safe and can pay: POSIX ``fork``, no other thread running
    (a forked child gets only the calling thread, and locks others held stay held), and a
    second core this process may run on."""
    if not hasattr(os, "fork") or cores() < 2:
        return False
    threading = sys.modules.get("threading")
    return threading is None or threading.active_count() == 1


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _freeze() -> bool:
    """Keep the collector off the objects both processes hold while the child runs: a
    collection writes to every object it walks, and each page written is copied (a few
    ms of a search at 1M entries). False, and nothing done, when the caller froze its own."""
    import gc

    if gc.get_freeze_count():
        return False
    gc.freeze()
    return True


def _thaw(frozen: bool) -> None:
    if frozen:
        import gc

        gc.unfreeze()


def _child(  # pragma: no cover - in the child
    work: Callable[[], bytes], fd: int, keep: tuple[int, ...]
) -> None:
    code = 1
    try:
        start = 0  # nothing of the parent's but these: no lock, no database
        for open_fd in sorted({fd, *keep}):
            os.closerange(start, open_fd)
            start = open_fd + 1
        os.closerange(start, _max_fd())
        data = work()
        answer = memoryview(len(data).to_bytes(_LENGTH, "little") + data)
        while answer:
            answer = answer[os.write(fd, answer) :]
        code = 0
    except BaseException:  # noqa: S110 - the parent sees a short answer and does the work
        pass
    finally:
        os._exit(code)


def _max_fd() -> int:
    try:
        return os.sysconf("SC_OPEN_MAX")
    except (AttributeError, OSError, ValueError):
        return 1024
