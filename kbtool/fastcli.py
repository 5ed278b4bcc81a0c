"""Moved: the options live in :mod:`kbtool.cli.options`, the fast path in
:mod:`kbtool.cli.fast`. Kept so that a feature's ``command.py`` written against the old
name (``from kbtool.fastcli import Opt``) still imports; new code imports
``kbtool.cli.options``."""

from kbtool.cli.options import Opt, format_opt

__all__ = ["Opt", "format_opt"]
