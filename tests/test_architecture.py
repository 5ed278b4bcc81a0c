"""Rules of the code base that a reviewer would otherwise have to remember."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "kbtool"
MODULES = sorted(PACKAGE.rglob("*.py"))
PARSE_CALLS = {"fromstring", "parse", "XML", "iterparse", "XMLParser"}


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imported_roots(tree: ast.Module) -> set[str]:
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_the_package_is_found() -> None:
    assert len(MODULES) > 30


def test_only_cli_imports_typer_or_click() -> None:
    offenders = [
        str(p.relative_to(PACKAGE))
        for p in MODULES
        if p.relative_to(PACKAGE).as_posix() != "cli/typerapp.py"
        and _imported_roots(_tree(p)) & {"typer", "click"}
    ]
    assert offenders == []


def test_every_lxml_parse_goes_through_the_hardened_parser() -> None:
    """``etree.fromstring/parse/XML/iterparse`` always get an explicit parser, and only
    ``safexml`` builds parsers."""
    offenders = []
    for path in MODULES:
        for node in ast.walk(_tree(path)):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "etree"
                and node.func.attr in PARSE_CALLS
            ):
                continue
            where = f"{path.relative_to(PACKAGE)}:{node.lineno}"
            if node.func.attr == "XMLParser":
                if path.name != "safexml.py":
                    offenders.append(f"{where} builds its own parser")
            elif len(node.args) < 2 and not any(k.arg == "parser" for k in node.keywords):
                offenders.append(f"{where} parses with lxml's default parser")
    assert offenders == []


def test_no_module_enables_recovery_or_xinclude() -> None:
    offenders = []
    for path in MODULES:
        for node in ast.walk(_tree(path)):
            enables = (
                isinstance(node, ast.keyword)
                and node.arg in {"recover", "huge_tree"}
                and not (isinstance(node.value, ast.Constant) and node.value.value is False)
            )
            if enables:
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
            if isinstance(node, ast.Attribute) and node.attr in {"xinclude", "XInclude"}:
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno} uses XInclude")
    assert offenders == []
