"""Markdown fix reports: parse them, link them with entries both ways, import them as entries.

Nothing is imported here: import the module you need, so start-up stays cheap.
"""
