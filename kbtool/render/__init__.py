"""Render entries to Markdown: template context, Jinja2 sandbox and child process, escaping.
Choosing what to render is :mod:`kbtool.selection`.

Nothing is imported here: import the module you need, so start-up stays cheap.
"""
