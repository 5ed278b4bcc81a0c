"""Validate a knowledge base: well-formedness (KB1xx), the XSD (KB2xx), semantics (KB3xx).

Library use::

    from kbtool.config import load_config
    from kbtool.validate import validate

    result = validate(load_config())      # ValidationResult
    for d in result.diagnostics:          # sorted by path, line, col, code
        print(d.format())

Each file is read and parsed with :mod:`kbtool.safexml`, validated against the bundled
``spec/learning.xsd`` and checked by the per-file checks; the results are cached per file
(content hash + kbtool version + XSD hash + the set of checks) in ``config.cache_dir``.
Then the KB-wide checks run on the *facts* of every file (cached or fresh), so an unchanged
knowledge base is re-validated without parsing any XML.

Plug-in interface (KB4xx links, KB5xx detectors, …)
====================================================

A plug-in is a module in ``kbtool/validate/checks/`` (any ``*.py`` there; it may be a
two-line shim importing the real module from elsewhere). The engine imports every module in
that folder, in name order, before validating; importing registers its checks. Keep the
module's top level light (no pydantic, jinja2, rich, markdown-it at import time): import
heavy libraries inside the check functions.

There are two kinds of checks, both plain functions registered with a decorator:

**Per-file checks** run once per XML file whose root is ``<specification>`` (even when the
XSD reported errors: check defensively, an element may be missing). Their findings *and*
the facts they record are cached with the file, so they must depend only on the file's bytes,
its path relative to the KB root and the configuration — not on other files, the clock or the
file system (put such checks in a KB-wide check that reads the facts)::

    from kbtool.validate import FileContext, file_check

    @file_check
    def detector_examples(ctx: FileContext) -> None:
        for entry in ctx.root.iterfind("learnings/learning"):
            for det in entry.iterfind("detectors/detector"):
                if ...:
                    ctx.report(det, "KB501", "detector matches none of its examples")
                    # or ctx.report(det, "KB502", "…", attr="pattern")   (column of the attribute)
                    # or ctx.report(12, "KB503", "…")                   (a line number)
        ctx.facts["detectors"] = {...}   # JSON-serialisable; read by KB-wide checks

``FileContext`` holds ``config``, ``path`` (absolute), ``rel`` (POSIX path relative to the KB
root), ``data`` (the bytes), ``root`` (the parsed lxml root element), ``schema_valid`` and
``facts`` (a dict saved in the cache; use your own top-level key). Per-file checks may run
in a worker process. They run on every file, so keep them cheap: ``ctx.may_contain(b"<x")``
tells from the raw bytes, without walking the tree, that a file has no ``<x>`` at all.

**KB-wide checks** run on every validation, after all files, from facts only. They must be
fast (they also run when everything came from the cache) and may read other files (e.g. the
Markdown fix reports, through ``kbtool.safexml.read_capped``)::

    from kbtool.validate import KbContext, kb_check

    @kb_check
    def reports_link_back(kb: KbContext) -> None:
        by_id = kb.entries_by_id()                  # id -> [EntryFacts], all files
        for entry in kb.entries:                    # EntryFacts: id, file, line, col, title,
            for ref in entry.refs:                  #   category, date, status, review_by,
                if ref.kind == "fix-report":        #   refs [Ref(kind, target, line, col)]
                    target = kb.resolve_href(entry.file, ref.target)   # Path or None
                    ...
                    kb.report(entry.file.rel, ref.line, ref.col, "KB401", "…")
        for f in kb.files:                          # FileFacts: rel, path, facts, …
            f.facts.get("detectors")
        kb.report(kb.config.reports_dir / "x.md", 3, 1, "KB402", "…")   # any file in the KB

``KbContext.report`` takes a POSIX path relative to the KB root or an absolute ``Path``.
``kb.today`` is the date to judge against; ``kb.use_cache`` is False under ``--no-cache``
(a check with a cache of its own must then neither read nor write it).
When the user names PATHs, the KB-wide checks still see the facts of the whole learnings
folder (ids must be unique across the KB), but only findings inside the named files/folders
are shown.

Every code a check emits needs a page ``kbtool/docs/codes/KBnnn.md`` (see CONTRIBUTING.md);
its ``severity:`` line sets the finding's severity. A check that raises does not stop the
run: the exception is recorded in ``ValidationResult.internal_errors`` (exit 3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kbtool.validate.context import EntryFacts, FileContext, FileFacts, KbContext, Ref
from kbtool.validate.registry import file_check, kb_check

if TYPE_CHECKING:
    from kbtool.validate.engine import ValidationResult, validate

__all__ = [
    "EntryFacts",
    "FileContext",
    "FileFacts",
    "KbContext",
    "Ref",
    "ValidationResult",
    "file_check",
    "kb_check",
    "validate",
]


def __getattr__(name: str) -> Any:
    if name in ("validate", "ValidationResult"):
        from kbtool.validate import engine

        return getattr(engine, name)
    raise AttributeError(name)
