"""``kbtool init``: make a folder a knowledge base, keeping whatever is already there.

Creates what is missing of: ``kbtool.toml`` (the settings, commented), ``learnings/``,
``learnings/reports/``, a ``.gitignore`` line for kbtool's cache (``.kbtool/``), and a
``.pre-commit-config.yaml`` that runs ``kbtool validate`` (only when the folder has none:
an existing one is never edited; :data:`PRE_COMMIT_SNIPPET` is then printed to add by
hand). With ``example``, one example entry in ``learnings/example.xml`` that validates clean,
with a detector, so that ``kbtool scan`` has something to find.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CACHE_IGNORE = ".kbtool/"

KBTOOL_TOML = """\
# kbtool settings (every key is optional; these are the defaults).
# learnings = "learnings"           # the category files (*.xml)
# reports = "learnings/reports"     # Markdown fix reports
# templates = ""                    # your Jinja2 templates' folder, searched before kbtool's
# cache = ".kbtool"                 # derived files (search index, validation cache)
# max-file-bytes = 1048576          # larger files are refused
"""

PRE_COMMIT_SNIPPET = """\
repos:
  - repo: local
    hooks:
      - id: kbtool-validate
        name: kbtool validate
        entry: kbtool validate
        language: system
        files: (^|/)learnings/.*\\.xml$
        pass_filenames: false
"""

EXAMPLE_ENTRY = {
    "title": "Mutable default argument shared between calls",
    "category": "Example",
    "description": "A list given as a parameter's default is created once, when the function "
    "is defined, so every call that appends to it changes the same list.",
    "symptom": "AssertionError: assert ['a', 'b'] == ['b']",
    "cause": "Default values are evaluated once, at definition time.",
    "step": "Default to None and create the list inside the function.",
    "code": "def add(item, items=None):\n    items = [] if items is None else items\n"
    "    items.append(item)\n    return items",
}
#: The example entry's detector: ``kbtool scan`` finds the mistake in your code.
EXAMPLE_DETECTOR = """<detector kind="regex">
  <message>A mutable default argument is shared by every call: default to None</message>
  <files>**/*.py</files>
  <pattern>^\\s*(?:async\\s+)?def\\s+\\w+\\([^)]*=\\s*(?:\\[\\]|\\{\\}|list\\(\\)|dict\\(\\))</pattern>
  <example kind="bad" path="app.py">def add(item, items=[]): ...</example>
  <example kind="good" path="app.py">def add(item, items=None): ...</example>
</detector>"""


@dataclass(frozen=True)
class Step:
    path: Path
    action: str  # created | exists | appended | kept


def init_kb(folder: Path, *, example: bool = False) -> list[Step]:
    """Make ``folder`` a knowledge base; return what was done to each path, in order."""
    from kbtool.atomic import atomic_write

    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    steps: list[Step] = []

    def write_new(path: Path, text: str) -> None:
        if path.exists():
            steps.append(Step(path, "exists"))
        else:
            atomic_write(path, text.encode("utf-8"))
            steps.append(Step(path, "created"))

    write_new(folder / "kbtool.toml", KBTOOL_TOML)
    for sub in (folder / "learnings", folder / "learnings" / "reports"):
        steps.append(Step(sub, "exists" if sub.is_dir() else "created"))
        sub.mkdir(exist_ok=True)
    ignore = folder / ".gitignore"
    lines = ignore.read_text(encoding="utf-8").splitlines() if ignore.is_file() else []
    if any(line.strip().strip("/") == CACHE_IGNORE.strip("/") for line in lines):
        steps.append(Step(ignore, "exists"))
    else:
        text = "\n".join([*lines, "# kbtool's cache (derived files)", CACHE_IGNORE]) + "\n"
        atomic_write(ignore, text.encode("utf-8"))
        steps.append(Step(ignore, "appended" if lines else "created"))
    hooks = folder / ".pre-commit-config.yaml"
    if hooks.exists():
        steps.append(Step(hooks, "kept"))
    else:
        write_new(hooks, PRE_COMMIT_SNIPPET)
    if example:
        steps.append(_example(folder))
    return steps


def _example(folder: Path) -> Step:
    import datetime as dt

    from kbtool.config import load_config
    from kbtool.kbwrite import add_learning, kb_ids, make_id
    from kbtool.model import CodeBlock, Learning, Severity, Symptom
    from kbtool.model import Step as SolutionStep

    config = load_config(root=folder)
    e = EXAMPLE_ENTRY
    taken = kb_ids(config)
    learning = Learning(
        id=make_id(e["title"], taken),
        severity=Severity.LOW,
        title=e["title"],
        date=dt.date.today(),
        category=e["category"],
        description=e["description"],
        tags=["example"],
        symptoms=[Symptom(text=e["symptom"])],
        root_causes=[e["cause"]],
        solution=[SolutionStep(text=e["step"], code=[CodeBlock(text=e["code"], lang="python")])],
        detectors=[EXAMPLE_DETECTOR],
    )
    write = add_learning(config, learning, taken=taken)
    return Step(write.path, "created" if write.created else "appended")
