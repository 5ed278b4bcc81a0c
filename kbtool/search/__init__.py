"""Find entries: the SQLite FTS5 index, query conversion, ranking, error matching, and the
search-side commands (``search``, ``match``, ``list``, ``stats``); ``show`` is
:mod:`kbtool.show`.

Nothing is imported here: import the module you need, so start-up stays cheap.
"""
