"""Worker processes that parse XML files for an index build, while the main process writes.

Each worker is started isolated (``python -I``: no user site, no ``PYTHON*`` variables, no
script folder on ``sys.path``), in ``/``, with a minimal environment, and reads only the
files it is told to, each through :mod:`kbtool.safexml` like any other read. Tasks and
results travel as :mod:`marshal` data (plain tuples, strings and numbers) over its pipes;
results are taken in the order the files were given, so a build is the same whatever the
timing.
"""

from __future__ import annotations

import contextlib
import gc
import marshal
import os
import queue
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kbtool.config import Config
    from kbtool.search.indexread import FileData, Todo

#: Files sent to a worker ahead of the one the writer waits for (each answer is ~100 KB at
#: 50 entries a file: this bounds the memory of answers waiting to be written).
AHEAD = 12
#: An answer's length, before it.
FRAME = struct.Struct("<Q")
ENVIRONMENT = {"PATH": os.defpath, "LC_ALL": "C.UTF-8"}


class Workers:
    """``n`` parsing processes; :meth:`read` yields each file's data in ``todo``'s order and
    stops early (having yielded a prefix) if a worker dies."""

    def __init__(self, config: Config, n: int):
        self.config = config
        self.procs: list[subprocess.Popen[bytes]] = []
        self.threads: list[threading.Thread] = []
        command = [sys.executable, "-I", "-m", "kbtool.search.indexworker"]
        command += [str(config.root), str(config.max_file_bytes)]
        for _ in range(n):
            self.procs.append(
                subprocess.Popen(
                    command,
                    cwd="/",
                    env=ENVIRONMENT,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                )
            )

    def read(self, todo: Sequence[Todo]) -> Iterator[FileData]:
        """Each file's data, in ``todo``'s order. A thread a worker takes its answers off
        its pipe as soon as they are written (an answer is larger than a pipe's buffer: a
        worker waiting for the writer to read would idle while the writer inserts)."""
        from kbtool.search.indexread import FileData, Rows, Stat

        n = len(self.procs)
        answers: list[queue.Queue[Any]] = [queue.Queue() for _ in range(n)]
        for proc, answer in zip(self.procs, answers, strict=True):
            thread = threading.Thread(target=_drain, args=(proc.stdout, answer), daemon=True)
            thread.start()
            self.threads.append(thread)
        sent = 0

        def send_until(end: int) -> None:
            nonlocal sent
            while sent < min(end, len(todo)):
                rel, path, stat = todo[sent]
                pipe = self.procs[sent % n].stdin
                assert pipe is not None
                marshal.dump((rel, path, stat.size, stat.mtime_ns), pipe)
                pipe.flush()
                sent += 1

        try:
            for i in range(len(todo)):
                send_until(i + 1 + AHEAD * n)
                got = answers[i % n].get()
                if got is None:
                    return  # the worker died: the caller reads what is left itself
                rel, size, mtime, digest, error, rows = got
                yield FileData(rel, Stat(size, mtime), digest, error, Rows(*rows))
        except (ValueError, TypeError, OSError):
            return

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        for proc in self.procs:
            if proc.stdin is not None:
                with contextlib.suppress(OSError):
                    proc.stdin.close()
        for proc in self.procs:
            if exc[0] is not None:
                proc.kill()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for thread in self.threads:  # each ends at its worker's end of output
            thread.join()
        for proc in self.procs:
            if proc.stdout is not None:
                proc.stdout.close()


def _drain(pipe: IO[bytes] | None, answers: queue.Queue[Any]) -> None:
    """Move a worker's answers from its pipe to ``answers``; None when it ends or fails.
    Each answer is framed by its length and read whole: ``marshal.load`` on a file reads
    it item by item, a method call each (13× the CPU of ``marshal.loads`` at 100 KB)."""
    try:
        while pipe is not None:
            head = pipe.read(FRAME.size)
            if len(head) < FRAME.size:
                break
            (size,) = FRAME.unpack(head)
            data = pipe.read(size)
            if len(data) < size:
                break
            answers.put(marshal.loads(data))  # noqa: S302 - our child
    except (EOFError, ValueError, TypeError, OSError):
        pass
    answers.put(None)


def serve(root: Path, max_bytes: int, tasks: IO[bytes], results: IO[bytes]) -> None:
    """Read each file named on ``tasks``; write its data to ``results``."""
    from kbtool.search.indexread import Stat, read_file

    while True:
        try:
            rel, path, size, mtime = marshal.load(tasks)  # noqa: S302 - our parent
        except EOFError:
            return
        data = read_file(root, max_bytes, path, rel, Stat(size, mtime))
        plain: Any = (
            data.rel,
            data.stat.size,
            data.stat.mtime_ns,
            data.sha256,
            data.error,
            tuple(data.rows),
        )
        answer = marshal.dumps(plain)
        results.write(FRAME.pack(len(answer)) + answer)
        results.flush()


def main() -> None:
    gc.disable()  # a file's objects form no cycles: reference counting frees them all
    serve(Path(sys.argv[1]), int(sys.argv[2]), sys.stdin.buffer, sys.stdout.buffer)


if __name__ == "__main__":
    main()
