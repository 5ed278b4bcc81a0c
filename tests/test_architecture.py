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
    """Only ``kbtool/cli.py`` (or the package ``kbtool/cli/`` it becomes)."""
    offenders = [
        str(p.relative_to(PACKAGE))
        for p in MODULES
        if p.relative_to(PACKAGE).as_posix() != "cli/typerapp.py"
        and _imported_roots(_tree(p)) & {"typer", "click"}
    ]
    assert offenders == []


def _in_cli(path: Path) -> bool:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] in ("cli", "cli.py")


def test_one_line_rule() -> None:
    """A source line becomes an int in one place: ``kbtool.xmlnodes.line_of``."""
    offenders = [
        f"{p.relative_to(PACKAGE)}:{node.lineno}"
        for p in MODULES
        if p.name != "xmlnodes.py"
        for node in ast.walk(_tree(p))
        if isinstance(node, ast.Attribute) and node.attr == "sourceline"
    ]
    assert offenders == [], "use kbtool.xmlnodes.line_of: " + ", ".join(offenders)


def test_xml_is_parsed_by_lxml_or_by_lightxml_through_safexml() -> None:
    """The standard library's XML parsers appear only in ``kbtool.lightxml``, and only
    ``kbtool.safexml`` (which refuses DTDs first) calls it."""
    offenders = []
    for path in MODULES:
        for node in ast.walk(_tree(path)):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            where = f"{path.relative_to(PACKAGE)}:{getattr(node, 'lineno', 0)}"
            stdlib_xml = any(  # its parsers; xml.sax.saxutils only escapes text
                (n == "xml" or n.startswith("xml.")) and n != "xml.sax.saxutils" for n in names
            )
            if stdlib_xml and path.name != "lightxml.py":
                offenders.append(f"{where} imports {names}")
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "parse"
                and isinstance(node.value, ast.Name)
                and node.value.id == "lightxml"
                and path.name != "safexml.py"
            ):
                offenders.append(f"{where} calls lightxml.parse")
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


# ------------------------------------------------------------------ layers (CONTRIBUTING.md)

CORE, FEATURE, ACTION, OUTPUT, SURFACE = 1, 2, 3, 4, 5
LAYER_NAMES = {
    CORE: "core",
    FEATURE: "features",
    ACTION: "actions",
    OUTPUT: "output",
    SURFACE: "surfaces",
}

#: Every module of kbtool and its layer. A package entry covers the modules inside it; a
#: longer name overrides a shorter one. A module this table does not name fails the test.
LAYERS: dict[str, int] = {
    # core: the format, the knowledge base on disk, safety, values every layer passes around
    "kbtool": CORE,  # kbtool/__init__.py
    "kbtool.atomic": CORE,
    "kbtool.cachefs": CORE,
    "kbtool.codes": CORE,
    "kbtool.collector": CORE,
    "kbtool.config": CORE,
    "kbtool.confine": CORE,
    "kbtool.dates": CORE,
    "kbtool.diagnostics": CORE,
    "kbtool.entry_xml": CORE,
    "kbtool.entryview": CORE,
    "kbtool.errors": CORE,
    "kbtool.fields": CORE,
    "kbtool.forked": CORE,
    "kbtool.ids": CORE,
    "kbtool.isolation": CORE,
    "kbtool.kb": CORE,
    "kbtool.model": CORE,
    "kbtool.hrefs": CORE,
    "kbtool.lightxml": CORE,
    "kbtool.records": CORE,
    "kbtool.resources": CORE,
    "kbtool.safexml": CORE,
    "kbtool.simpletoml": CORE,
    "kbtool.term": CORE,
    "kbtool.textsafe": CORE,
    "kbtool.cicommands": CORE,
    "kbtool.versionspec": CORE,
    "kbtool.wording": CORE,
    "kbtool.xmlnodes": CORE,
    # features: each does one job over the core and returns values
    "kbtool.applies": FEATURE,
    "kbtool.export": FEATURE,
    "kbtool.fmt": FEATURE,
    "kbtool.fromerror": FEATURE,
    "kbtool.kbinit": FEATURE,
    "kbtool.kbwrite": FEATURE,
    "kbtool.render": FEATURE,
    "kbtool.reports": FEATURE,
    "kbtool.scan": FEATURE,
    "kbtool.search": FEATURE,
    "kbtool.site": FEATURE,
    "kbtool.validate": FEATURE,
    # actions: one command's work that joins several features
    "kbtool.authoring": ACTION,  # import-report (then validate), report new, new
    "kbtool.migrate": ACTION,  # legacy folders, and their fix reports through authoring
    "kbtool.selection": ACTION,  # entries chosen by search or match, then rendered
    "kbtool.show": ACTION,  # an entry, with backlinks from the index and the report graph
    # output: findings and results printed (text, json, github, sarif, junit)
    "kbtool.reporters": OUTPUT,
    # surfaces: what a person or a program talks to
    "kbtool.__main__": SURFACE,
    "kbtool.cli": SURFACE,  # kbtool/cli.py, and the package kbtool/cli/ it becomes
    "kbtool.completion": SURFACE,
    "kbtool.helpcache": SURFACE,
    "kbtool.mcp": SURFACE,
}

#: Known exceptions, each with the issue or branch that removes it. Keep it empty.
ALLOWED_UPWARD: dict[tuple[str, str], str] = {}


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> int | None:
    """The layer of a module: its own entry or its closest package's."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        found = LAYERS.get(".".join(parts[:n]))
        if found is not None and (n > 1 or module == "kbtool"):
            return found
    return None


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def _is_module(name: str) -> bool:
    path = PACKAGE.parent / name.replace(".", "/")
    return path.is_dir() or path.with_suffix(".py").is_file()


def _kbtool_imports(path: Path, tree: ast.Module | None = None) -> list[tuple[int, str, list[str]]]:
    """(line, module, names) of each run-time import of a kbtool module (lazy ones too;
    ``if TYPE_CHECKING:`` blocks left out)."""
    tree = tree or _tree(path)
    skip = _type_checking_lines(tree)
    here = _module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    out: list[tuple[int, str, list[str]]] = []
    for node in ast.walk(tree):
        if getattr(node, "lineno", 0) in skip:
            continue
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name, []) for a in node.names if a.name.startswith("kbtool")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            if module.split(".")[0] != "kbtool":
                continue
            names = [a.name for a in node.names]
            # "from kbtool.search import index": the module kbtool.search.index
            subs = [f"{module}.{n}" for n in names if _is_module(f"{module}.{n}")]
            if subs:
                out += [(node.lineno, s, []) for s in subs]
            else:
                out.append((node.lineno, module, names))
    return out


def test_every_module_has_a_layer() -> None:
    missing = [
        f"{_module_name(p)} ({p.relative_to(PACKAGE.parent)})"
        for p in MODULES
        if layer_of(_module_name(p)) is None
    ]
    assert missing == [], (
        "modules without a layer: add each to LAYERS in tests/test_architecture.py "
        "(and to the layer map in CONTRIBUTING.md): " + ", ".join(missing)
    )


def upward_imports(path: Path, tree: ast.Module | None = None) -> list[str]:
    """The imports of ``path`` that reach a higher layer, as messages."""
    here = _module_name(path)
    mine = layer_of(here)
    out: list[str] = []
    for line, module, _ in _kbtool_imports(path, tree):
        theirs = layer_of(module)
        if mine is None or theirs is None or theirs <= mine:
            continue
        if (here, module) not in ALLOWED_UPWARD:
            out.append(
                f"{path.relative_to(PACKAGE.parent)}:{line}: {here} ({LAYER_NAMES[mine]}) "
                f"imports {module} ({LAYER_NAMES[theirs]})"
            )
    return out


def test_no_layer_imports_a_higher_one() -> None:
    upward = [message for path in MODULES for message in upward_imports(path)]
    assert upward == [], "\n".join(upward)


def _feature(module: str) -> str:
    """The feature a module belongs to (``kbtool.search.index`` → ``kbtool.search``)."""
    return ".".join(module.split(".")[:2])


def test_features_do_not_import_each_others_private_names() -> None:
    offenders = []
    for path in MODULES:
        here = _module_name(path)
        if layer_of(here) != FEATURE:
            continue
        for line, module, names in _kbtool_imports(path):
            if layer_of(module) != FEATURE or _feature(module) == _feature(here):
                continue
            private = [n for n in names if n.startswith("_")]
            private += [p for p in module.split(".") if p.startswith("_") and p != "__init__"]
            if private:
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {module} {private}")
    assert offenders == [], "\n".join(offenders)


def two_way_imports(paths: list[Path], trees: dict[Path, ast.Module] | None = None) -> list[str]:
    """Pairs of top-level modules or packages (``kbtool.search``, ``kbtool.show``) that
    import each other, lazily or not: each pair is a tangle one of them should not need."""
    edges: dict[tuple[str, str], str] = {}
    for path in paths:
        here = _module_name(path)
        for line, module, _ in _kbtool_imports(path, (trees or {}).get(path)):
            pair = (_feature(here), _feature(module))
            if pair[0] != pair[1]:
                edges.setdefault(pair, f"{path.relative_to(PACKAGE.parent)}:{line}")
    return sorted(
        f"{a} <-> {b}: {edges[a, b]} and {edges[b, a]}"
        for a, b in edges
        if a < b and (b, a) in edges
    )


def test_no_two_packages_import_each_other() -> None:
    assert two_way_imports(MODULES) == []


def test_the_two_way_rule_catches_a_lazy_import_back() -> None:
    """``kbtool.show`` imports ``kbtool.search``; a lazy import of ``show`` inside search
    (as ``search/show.py`` once was, importing ``reports``) is reported with both places."""
    index = PACKAGE / "search" / "index.py"
    code = _tree(index)
    code.body.append(ast.parse("def f():\n    from kbtool.show import locate\n").body[0])
    found = two_way_imports(MODULES, {index: code})
    assert len(found) == 1 and found[0].startswith("kbtool.search <-> kbtool.show: ")
    assert "kbtool/search/index.py:" in found[0] and "kbtool/show.py:" in found[0]


def test_only_the_mcp_surface_imports_the_mcp_sdk() -> None:
    offenders = [
        str(p.relative_to(PACKAGE))
        for p in MODULES
        if not _module_name(p).startswith("kbtool.mcp") and "mcp" in _imported_roots(_tree(p))
    ]
    assert offenders == []


def test_the_layer_rule_catches_an_upward_import() -> None:
    """The checker itself: a core module importing a feature (lazily) is reported, a
    TYPE_CHECKING import is not."""
    code = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from kbtool.render.context import EntryCtx\n"
        "def f():\n"
        "    from kbtool.search import index\n"
    )
    found = upward_imports(PACKAGE / "fields.py", ast.parse(code))
    assert found == [
        "kbtool/fields.py:5: kbtool.fields (core) imports kbtool.search.index (features)"
    ]
    assert layer_of("kbtool.cli.commands.search") == SURFACE
    assert layer_of("kbtool.reporters.scan") == OUTPUT and layer_of("kbtool.scan.ignore") == FEATURE
    assert layer_of("kbtool.newthing") is None
