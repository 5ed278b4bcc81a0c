"""Render entries to Markdown: template context, Jinja2 sandbox and child process, escaping,
and choosing what to render (``kbtool render``, ``kbtool plan``).

Nothing is imported here: import the module you need, so start-up stays cheap.
"""
