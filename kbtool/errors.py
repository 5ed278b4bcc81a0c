"""Fatal conditions. Findings are values (``Diagnostic``), never exceptions."""

from __future__ import annotations


class KbError(Exception):
    """Base of every error kbtool raises on purpose; carries the process exit code."""

    exit_code = 3


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
