"""``kbtool export``: the knowledge base as data other tools serve.

- :mod:`kbtool.export.records` reads the KB into export records (entry, file, line) with the
  link graph and the fix reports, reporting what it could not export;
- :mod:`kbtool.export.ndjson` writes one entry a line (docs/export.md, the line schema);
- :mod:`kbtool.export.sqlite` writes a read-only SQLite file with full-text search, and
  :mod:`kbtool.export.datasette` the Datasette metadata served beside it;
- :mod:`kbtool.cli.commands.export` is the command.

Nothing is imported here: import the module you need, so start-up stays cheap.
"""
