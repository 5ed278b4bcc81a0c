"""Reproductions behind learnings/pytest.xml.

Documentation of how each symptom text was measured; not part of the test run. Each case
writes a tiny test module into a temporary folder and runs pytest on it:

    pip install pytest pytest-asyncio 'sqlalchemy[asyncio]' aiosqlite
    python tests/repro/pytest_pitfalls.py CASE

Measured with CPython 3.11.7 and two stacks: pytest 8.3.5 + pytest-asyncio 0.24.0, and
pytest 9.2.0 + pytest-asyncio 1.5.0.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

CASES: dict[str, tuple[str, list[str]]] = {
    # pytest-async-test-without-plugin
    #   pytest 9.2.0: Failed: async def functions are not natively supported.
    #   pytest 8.3.5: PytestUnhandledCoroutineWarning: async def functions are not natively
    #                 supported and have been skipped. ...
    "no_plugin": (
        """
        async def test_fetch():
            assert 1 + 1 == 3  # never runs
        """,
        ["-p", "no:asyncio"],
    ),
    # pytest-scope-mismatch
    #   ScopeMismatch: You tried to access the function scoped fixture tmp_path with a
    #   session scoped request object. Requesting fixture stack: ...
    "scope_mismatch": (
        """
        import pytest

        @pytest.fixture(scope="session")
        def database_file(tmp_path):
            return tmp_path / "test.db"

        def test_uses_db(database_file):
            assert database_file.name == "test.db"
        """,
        [],
    ),
    # pytest-asyncio-event-loop-fixture-removed
    #   pytest-asyncio 1.5.0: E       fixture 'event_loop' not found
    #   pytest-asyncio 0.24.0: passes, with PytestDeprecationWarning: test_uses_loop is
    #   asynchronous and explicitly requests the "event_loop" fixture. ...
    "event_loop": (
        """
        import asyncio
        import pytest

        @pytest.mark.asyncio
        async def test_uses_loop(event_loop):
            assert event_loop is asyncio.get_running_loop()
        """,
        [],
    ),
    # pytest-asyncio-event-loop-fixture-removed (a custom override)
    #   pytest-asyncio 0.24.0: passes, with DeprecationWarning: The event_loop fixture
    #   provided by pytest-asyncio has been redefined in ...
    #   pytest-asyncio 1.5.0: the override is an ordinary fixture now, not the loop the test
    #   runs in: AssertionError (assert <_UnixSelectorEventLoop running=False ...> is ...)
    "event_loop_override": (
        """
        import asyncio
        import pytest

        @pytest.fixture(scope="session")
        def event_loop():
            loop = asyncio.new_event_loop()
            yield loop
            loop.close()

        @pytest.mark.asyncio
        async def test_uses_loop(event_loop):
            assert event_loop is asyncio.get_running_loop()
        """,
        [],
    ),
    # pytest-asyncio-strict-mode-async-fixture
    #   pytest 9.2.0: Failed: 'test_query' requested an async fixture 'client', with no
    #                 plugin or hook that handled it. ...
    #   pytest 8.3.5: the test receives an async generator object
    "strict_fixture": (
        """
        import pytest

        @pytest.fixture
        async def client():
            yield {"connected": True}

        @pytest.mark.asyncio
        async def test_query(client):
            assert client["connected"]
        """,
        [],
    ),
    # pytest-asyncio-session-fixture-loop-scope
    #   RuntimeError: ... attached to a different loop / bound to a different event loop
    "loop_scope": (
        """
        import asyncio
        import pytest
        import pytest_asyncio

        @pytest_asyncio.fixture(scope="session")
        async def ready():
            event = asyncio.Event()
            try:
                await asyncio.wait_for(event.wait(), 0.01)  # binds the Event to this loop
            except (asyncio.TimeoutError, TimeoutError):
                pass
            return event

        @pytest.mark.asyncio
        async def test_first(ready):
            ready.set()
            await ready.wait()

        @pytest.mark.asyncio
        async def test_second(ready):
            ready.clear()
            try:
                await asyncio.wait_for(ready.wait(), 0.01)
            except (asyncio.TimeoutError, TimeoutError):
                pass
        """,
        [],
    ),
    # pytest-asyncio-session-fixture-loop-scope, the fix: one loop for fixture and tests
    "loop_scope_fixed": (
        """
        import asyncio
        import pytest
        import pytest_asyncio

        @pytest_asyncio.fixture(scope="session", loop_scope="session")
        async def ready():
            event = asyncio.Event()
            try:
                await asyncio.wait_for(event.wait(), 0.01)
            except (asyncio.TimeoutError, TimeoutError):
                pass
            return event

        @pytest.mark.asyncio(loop_scope="session")
        async def test_first(ready):
            ready.set()
            await ready.wait()

        @pytest.mark.asyncio(loop_scope="session")
        async def test_second(ready):
            ready.clear()
            try:
                await asyncio.wait_for(ready.wait(), 0.01)
            except (asyncio.TimeoutError, TimeoutError):
                pass
        """,
        [],
    ),
}


def main(case: str) -> int:
    source, extra = CASES[case]
    with tempfile.TemporaryDirectory() as folder:
        test_file = Path(folder) / f"test_{case}.py"
        test_file.write_text(textwrap.dedent(source))
        return subprocess.call(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                *extra,
                str(test_file),
            ],
            cwd=folder,
        )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
