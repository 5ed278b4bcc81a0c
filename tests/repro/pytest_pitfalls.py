"""Reproductions behind learnings/pytest.xml.

Documentation of how each symptom text was measured; not part of the test run. Each case
writes a tiny test module into a temporary folder and runs pytest on it:

    pip install pytest pytest-asyncio
    COLUMNS=250 python tests/repro/pytest_pitfalls.py CASE

(a wide terminal, so that pytest's short test summary lines are not cut short)

Measured on 2026-11-26 with CPython 3.11.7 and two stacks, pytest 8.3.5 + pytest-asyncio
0.24.0 and pytest 9.2.0 + pytest-asyncio 1.5.0; the version boundaries below were found in a
third environment (pytest 8.4.0, 8.4.2, 9.0.0, 9.0.3, 9.1.0; pytest-asyncio 0.25.0, 0.26.0,
1.0.0). Each case's comment names the entry and what it prints; the *_fixed and
loop_scope_ini cases run the fixes the entries give (they pass).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

CASES: dict[str, tuple[str, list[str]]] = {
    # pytest-async-test-without-plugin
    #   pytest 8.4.0 to 9.2.0: Failed: async def functions are not natively supported.
    #   pytest 8.3.5: 1 skipped, with PytestUnhandledCoroutineWarning: async def functions
    #                 are not natively supported and have been skipped.
    #   with @pytest.mark.asyncio and no plugin (see strict_fixture, run without the plugin):
    #                 PytestUnknownMarkWarning: Unknown pytest.mark.asyncio - is this a typo?
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
    #   pytest-asyncio 1.0.0, 1.5.0: E       fixture 'event_loop' not found
    #   pytest-asyncio 0.24.0, 0.26.0: passes, with PytestDeprecationWarning: test_uses_loop
    #   is asynchronous and explicitly requests the "event_loop" fixture. ...
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
    # pytest-asyncio-custom-event-loop-fixture (a custom override)
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
    #   pytest 8.3.5, 8.4.2: the test receives the async generator object:
    #       TypeError: 'async_generator' object is not subscriptable
    #   pytest 8.4.x adds PytestRemovedIn9Warning: 'test_query' requested an async fixture
    #       'client', with no plugin or hook that handled it. This is usually an error, ...
    #   pytest 9.0.0, 9.0.3: the same text raised as pytest.PytestRemovedIn9Warning
    #   pytest 9.1.0, 9.2.0: Failed: 'test_query' requested an async fixture 'client', with
    #       no plugin or hook that handled it. This is an error, as pytest does not ...
    #   pytest-asyncio 0.25.0 to 1.5.0 (not 0.24.0) add PytestDeprecationWarning: asyncio
    #       test 'test_query' requested async @pytest.fixture 'client' in strict mode. ...
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
    #   pytest-asyncio 0.24.0 and 1.5.0: test_second fails with
    #   RuntimeError: <asyncio.locks.Event object at 0x... [unset]> is bound to a different
    #   event loop; both also print PytestDeprecationWarning: The configuration option
    #   "asyncio_default_fixture_loop_scope" is unset.
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
    # pytest-scope-mismatch, the fix: the session-scoped factory
    "scope_mismatch_fixed": (
        """
        import pytest

        @pytest.fixture(scope="session")
        def database_file(tmp_path_factory):
            return tmp_path_factory.mktemp("db") / "test.db"

        def test_uses_db(database_file):
            assert database_file.name == "test.db"
        """,
        [],
    ),
    # pytest-asyncio-strict-mode-async-fixture, the fix: the plugin's decorator
    "strict_fixture_fixed": (
        """
        import pytest
        import pytest_asyncio

        @pytest_asyncio.fixture
        async def client():
            yield {"connected": True}

        @pytest.mark.asyncio
        async def test_query(client):
            assert client["connected"]
        """,
        [],
    ),
    # pytest-asyncio-session-fixture-loop-scope, the fix by configuration: every async
    # fixture and test on the session loop, no per-test markers. Passes on pytest-asyncio
    # 0.26.0, 1.0.0, 1.5.0; 0.24.0 and 0.25.0 have no asyncio_default_test_loop_scope.
    "loop_scope_ini": (
        """
        import asyncio
        import pytest

        @pytest.fixture(scope="session")
        async def ready():
            event = asyncio.Event()
            try:
                await asyncio.wait_for(event.wait(), 0.01)
            except (asyncio.TimeoutError, TimeoutError):
                pass
            return event

        async def test_first(ready):
            ready.set()
            await ready.wait()

        async def test_second(ready):
            ready.clear()
            try:
                await asyncio.wait_for(ready.wait(), 0.01)
            except (asyncio.TimeoutError, TimeoutError):
                pass
        """,
        [
            "-o",
            "asyncio_mode=auto",
            "-o",
            "asyncio_default_fixture_loop_scope=session",
            "-o",
            "asyncio_default_test_loop_scope=session",
        ],
    ),
    # pytest-asyncio-session-fixture-loop-scope: the session-scoped async fixture of
    # loop_scope under asyncio_default_fixture_loop_scope=function (the value
    # pytest-async-test-without-plugin and the project's own docs recommend): the fixture's
    # loop would be torn down after one test, so pytest refuses the scopes at setup.
    #   pytest-asyncio 1.5.0: ScopeMismatch: You tried to access the function scoped fixture
    #       _function_scoped_runner with a session scoped request object. Requesting
    #       fixture stack:
    #   pytest-asyncio 0.24.0: ScopeMismatch: You tried to access the function scoped
    #       fixture event_loop with a session scoped request object. Requesting fixture
    #       stack:
    "loop_scope_function_default": (
        """
        import asyncio
        import pytest
        import pytest_asyncio

        @pytest_asyncio.fixture(scope="session")
        async def ready():
            return asyncio.Event()

        @pytest.mark.asyncio
        async def test_first(ready):
            ready.set()
        """,
        ["-o", "asyncio_default_fixture_loop_scope=function"],
    ),
    # pytest-asyncio-session-fixture-loop-scope: the example the entry used to give, a
    # session-scoped aiosqlite engine shared by function-loop tests, does NOT fail (0.24.0
    # and 1.5.0: 2 passed): aiosqlite runs each connection in a thread of its own and a
    # fresh pool connection is opened in each test's loop. The bug needs an object that
    # waits on the loop it was made in (an asyncio.Event here; asyncpg connections and
    # pools, redis.asyncio and httpx clients hold such objects).
    "loop_scope_aiosqlite": (
        """
        import pytest
        import pytest_asyncio
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import create_async_engine

        @pytest_asyncio.fixture(scope="session", loop_scope="session")
        async def engine(tmp_path_factory):
            db = tmp_path_factory.mktemp("db") / "test.db"
            engine = create_async_engine(f"sqlite+aiosqlite:///{db}")
            yield engine
            await engine.dispose()

        @pytest.mark.asyncio
        async def test_first(engine):
            async with engine.connect() as conn:
                assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1

        @pytest.mark.asyncio
        async def test_second(engine):
            async with engine.connect() as conn:
                assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1
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
