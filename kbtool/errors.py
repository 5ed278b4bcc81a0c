"""Fatal conditions. Findings are values (``Diagnostic``), never exceptions."""

from __future__ import annotations


class KbError(Exception):
    """Base of every error kbtool raises on purpose; carries the process exit code.

    The library names values, not command-line flags: where a message is about one of a
    function's parameters it writes the parameter's name in braces and lists it in
    ``params`` (``UsageError("{baseline} b.json: no such file", params=("baseline",))``).
    ``str()`` shows the bare name (``baseline b.json: …``); the CLI sets :attr:`words` from
    its option table so the same error reads ``--baseline b.json: …``.
    """

    exit_code = 3

    def __init__(self, message: object = "", *, params: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.params = params
        self.words: dict[str, str] = {}  # parameter name → how the surface spells it

    def __str__(self) -> str:
        text = super().__str__()
        for name in self.params:
            text = text.replace("{" + name + "}", self.words.get(name, name))
        return text


class UsageError(KbError):
    """The call itself is wrong: unknown id, bad option value, missing argument (exit 2)."""

    exit_code = 2


class ConfigError(KbError):
    """No knowledge base found, or its configuration is invalid (exit 3)."""

    exit_code = 3


class UnsafePathError(KbError):
    """A path would leave the knowledge base root (exit 3)."""

    exit_code = 3


class ConcurrentChangeError(KbError):
    """A file changed on disk while kbtool was rewriting it; nothing was written (exit 3)."""

    exit_code = 3


class NothingMatchedError(KbError):
    """An error text matched no entry: ``plan --match`` exits as ``kbtool match`` does (1)."""

    exit_code = 1
