"""Scan a unified diff: the detectors' findings on the lines it adds.

Library use::

    result = scan_diff(config, diff_text)      # DiffScan(findings, files, problems)

Each file the diff touches is scanned in its new version: the file in the working tree when
the diff is already applied there (every added and context line stands where the diff says;
scanned in place, so its imports resolve), else the lines the diff carries, at their line
numbers, with blank lines for what it leaves out, in a temporary folder under its own
relative path (a new file is complete; a hunk of a changed file may not parse as Python,
which is then a KB510 problem and only the regex detectors see it). Findings on an added
line are kept as "added"; findings on a context line of a hunk as "context" (changing an
import can make an unchanged line below it wrong); the rest of the file is not reported.
Nothing outside the KB root is read; a diff path that leaves it (``..``, an absolute path)
is refused.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from kbtool.config import Config
from kbtool.diagnostics import Diagnostic
from kbtool.errors import UsageError
from kbtool.scan.scanner import Finding, ScanResult, load_detectors, scan

MAX_DIFF_FILES = 200
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass
class NewSide:
    """What a diff says about one file's new version."""

    path: str  # relative, POSIX
    lines: dict[int, str] = field(default_factory=dict)  # line number → text (added or context)
    added: set[int] = field(default_factory=set)
    new_file: bool = False


@dataclass
class DiffScan:
    findings: list[tuple[str, str, Finding]]  # (path in the diff, added | context, finding)
    files: list[str]
    problems: list[Diagnostic]
    detectors: int  # that ran


def _diff_path(raw: str) -> str | None:
    """``b/src/x.py`` → ``src/x.py``; None for /dev/null."""
    name = raw.split("\t", 1)[0].strip()
    if name == "/dev/null":
        return None
    if name.startswith(("a/", "b/")):
        name = name[2:]
    return name


def _checked(name: str) -> str:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts or "\0" in name:
        raise UsageError(f"diff path {name!r}: must be relative and stay inside the project")
    return path.as_posix()


def parse_diff(text: str) -> list[NewSide]:
    """The new side of every file in a unified diff (``git diff`` or ``diff -u``) that adds
    lines. A hunk runs for as many old and new lines as its header says."""
    sides: list[NewSide] = []
    current: NewSide | None = None
    new_file = False
    line_no = old_left = new_left = 0
    for raw in text.splitlines():
        if (old_left > 0 or new_left > 0) and current is not None:
            tag, body = raw[:1], raw[1:]
            if tag == "\\":  # "\ No newline at end of file"
                continue
            if tag in (" ", ""):
                current.lines[line_no] = body
                line_no, old_left, new_left = line_no + 1, old_left - 1, new_left - 1
                continue
            if tag == "-":
                old_left -= 1
                continue
            if tag == "+":
                current.lines[line_no] = body
                current.added.add(line_no)
                line_no, new_left = line_no + 1, new_left - 1
                continue
            old_left = new_left = 0  # a hunk shorter than its header said
        if raw.startswith("--- "):
            new_file = raw[4:].split("\t", 1)[0].strip() == "/dev/null"
            current = None
        elif raw.startswith("+++ "):
            name = _diff_path(raw[4:])
            current = None
            if name is not None:
                current = NewSide(_checked(name), new_file=new_file)
                sides.append(current)
                if len(sides) > MAX_DIFF_FILES:
                    raise UsageError(f"the diff touches more than {MAX_DIFF_FILES} files")
        elif current is not None and (hunk := _HUNK.match(raw)):
            line_no = int(hunk.group(3))
            old_left = int(hunk.group(2)) if hunk.group(2) is not None else 1
            new_left = int(hunk.group(4)) if hunk.group(4) is not None else 1
    return [s for s in sides if s.added]


def _applied(side: NewSide, root: Path, max_bytes: int) -> bool:
    """True when the working tree's file is the diff's new side (the diff is applied)."""
    from kbtool.confine import located_inside, read_regular

    on_disk = root / side.path
    if not located_inside(on_disk, root) or not on_disk.is_file():
        return False
    try:
        disk = read_regular(on_disk, max_bytes).decode("utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return False
    return all(n <= len(disk) and disk[n - 1] == text for n, text in side.lines.items())


def _new_text(side: NewSide) -> str:
    """The diff's lines at their line numbers, blank lines for what it leaves out."""
    last = max(side.lines) if side.lines else 0
    return "\n".join(side.lines.get(n, "") for n in range(1, last + 1)) + "\n"


def _where(finding: Finding, side: NewSide) -> str | None:
    """ "added" when the finding touches an added line, "context" when it lies in a hunk
    (a changed import can make an unchanged line wrong), else None."""
    lines = range(finding.line, max(finding.line, finding.end_line) + 1)
    if any(n in side.added for n in lines):
        return "added"
    if any(n in side.lines for n in lines):
        return "context"
    return None


def scan_diff(config: Config, diff: str, *, max_bytes: int | None = None) -> DiffScan:
    """Findings in the hunks of ``diff`` (see the module docstring). UsageError when the
    text holds no added line."""
    sides = parse_diff(diff)
    if not sides:
        raise UsageError("the diff adds no lines: give a unified diff (git diff, diff -u)")
    limit = max_bytes or config.max_file_bytes
    root = config.root.resolve()
    applied = [s for s in sides if _applied(s, root, limit)]
    kept: list[tuple[str, str, Finding]] = []
    problems: list[Diagnostic] = []
    detectors = load_detectors(config)
    if applied:  # scanned where they are: imports resolve against the rest of the project
        result = scan(
            config, [root / s.path for s in applied], gitignore=False, detectors=detectors
        )
        _keep(result, root, {s.path: s for s in applied}, kept)
        problems += result.problems
    rest = [s for s in sides if s not in applied]
    if rest:
        with tempfile.TemporaryDirectory(prefix="kbtool-diff-") as tmp:
            base = Path(tmp).resolve()
            for side in rest:
                target = base / side.path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(_new_text(side), encoding="utf-8")
            result = scan(config, [base], gitignore=False, detectors=detectors)
            _keep(result, base, {s.path: s for s in rest}, kept)
            problems += [
                Diagnostic(_relative_to(p.path, base), p.line, p.col, p.code, p.message, p.severity)
                for p in result.problems
            ]
    problems = sorted(set(problems))  # the detectors' own problems come with each scan
    return DiffScan(kept, [s.path for s in sides], problems, len(detectors[0]))


def _keep(
    result: ScanResult, base: Path, sides: dict[str, NewSide], out: list[tuple[str, str, Finding]]
) -> None:
    for finding in result.findings:
        try:
            rel = finding.abs_path.resolve().relative_to(base).as_posix()
        except ValueError:
            continue
        side = sides.get(rel)
        where = _where(finding, side) if side is not None else None
        if where is not None:
            out.append((rel, where, finding))


def _relative_to(shown: str, base: Path) -> str:
    """A problem's path with the temporary folder taken off."""
    marker = base.name + "/"
    return shown.split(marker, 1)[1] if marker in shown else shown
