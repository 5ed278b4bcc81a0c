"""Reading hand-written legacy learnings: decode, repair, find records, map fields.

The stages, one module each: ``decode`` (bytes → text, explicit encodings only),
``repair`` (lexical repair before a strict parse, every change recorded), ``records``
(which elements are records, envelopes or catalogues), ``vocabulary`` (what legacy names
mean) and ``fields`` (one record → the fields of a canonical entry, the rest kept as extras).
``kbtool.migrate.learnings`` runs them over a folder and writes category files.
"""
