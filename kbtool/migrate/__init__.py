"""Migrate legacy learnings and fix reports into the canonical format (``kbtool migrate``).

Nothing is imported here: import the module you need, so start-up stays cheap.
"""
