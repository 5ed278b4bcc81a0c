"""``kbtool edit``: ``$EDITOR`` at an entry's line, validated when the editor closes."""

from __future__ import annotations

from pathlib import Path

from kbtool.cli.options import Opt

DOC = """Open $EDITOR (or $VISUAL) at the entry's line, then validate its file when the editor
closes (exit 1 on findings). Works on an entry in a file that cannot be read, too."""

OPTS = (
    Opt("entry_id", (), "The entry to edit.", metavar="ID", required=True, complete="entry-id"),
)


def run(*, root: str | Path | None, entry_id: str) -> int:
    from kbtool.cli.editor import edit_and_validate, editor_command
    from kbtool.cli.output import config_at, notice
    from kbtool.errors import UsageError
    from kbtool.search.unreadable import find_id_in_unreadable
    from kbtool.show import locate

    editor_command()
    config = config_at(root)
    try:
        found = locate(config, entry_id, notice=notice)
        rel, line = found[0].path, found[0].line
    except UsageError:
        broken = find_id_in_unreadable(config, entry_id)
        if not broken:
            raise
        rel, line = broken[0]
    return edit_and_validate(config, config.root / rel, line)
