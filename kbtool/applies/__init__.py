"""``kbtool applies``: which learnings hold for the versions a project runs.

- :mod:`kbtool.applies.environment`: the versions of an environment (installed, another
  environment's site-packages, or a lock file), as an :class:`~.environment.Environment`;
- :mod:`kbtool.applies.lookup`: installed versions one project at a time (``kbtool match``
  ranks by them; light, on match's start-up path);
- :mod:`kbtool.applies.lockfiles`: requirements.txt, uv.lock, poetry.lock, pylock.toml and
  Pipfile.lock, read with the standard library only, never executed;
- :mod:`kbtool.applies.check`: learnings × environment → what applies, and what an upgrade
  changes;
- :mod:`kbtool.cli.commands.applies`: the command (text and JSON output, exit codes).

The ``versions`` values themselves are read by the core module :mod:`kbtool.versionspec`.
"""
