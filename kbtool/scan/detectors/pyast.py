"""The ``python-ast`` rule language: predicates on Python syntax trees, names resolved
through imports and aliases across the modules of the scanned project.

A rule is the ``<match>`` element of a detector. Each element in it is a predicate on one
node of the tree; its children are more predicates on the same node (all must hold), except
the navigators (``arg``, ``no-arg``, ``decorator``, ``no-decorator``, ``default``, ``field``)
that test a part of the node. spec/detectors.md is the reference; in short::

    <match>
      <call callee="fastapi.Depends fastapi.Security">       a call of fastapi.Depends …
        <arg pos="0" keyword="dependency">                   … whose first argument …
          <refers-to>                                        … names a definition …
            <function>                                       … of a function …
              <decorator name="contextlib.asynccontextmanager"/>
            </function>
          </refers-to>
        </arg>
      </call>
    </match>

Names: a dotted name in a rule is the *qualified* name, after imports and aliases are
resolved: ``from fastapi import Depends as D`` makes ``D(x)`` a call of ``fastapi.Depends``;
``from .dependencies import get_session as get_db`` makes ``get_db`` refer to the definition
in the project module ``<package>.dependencies``. Names bound nowhere keep their own name
(``eval``, ``open``).
"""

from __future__ import annotations

import ast
import math
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

from kbtool.scan.detectors.globs import NamePatterns

_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_MAX_DEPTH = 12


class RuleTimeout(Exception):
    """A rule ran past its time limit on one module (see :func:`run_rules`)."""


#: When the rule being run must stop (``time.monotonic()``), looked at every
#: :data:`_CLOCK_STEPS` nodes a rule tests or walks: a pull request's entry can nest
#: ``<contains>`` (or ``<inside>``) so that a rule walks n^k nodes of a module of n.
_deadline = math.inf
_steps = 0
_CLOCK_STEPS = 1024


def _step() -> None:
    """Count one node tested or walked; past the deadline, stop the rule."""
    global _steps
    _steps += 1
    if not _steps % _CLOCK_STEPS and time.monotonic() > _deadline:
        raise RuleTimeout


# Fields that never hold a child node worth indexing: names and numbers, and the operator
# and context objects the parser shares between all places (ctx=Load(), op=Add() …).
_LEAF_FIELDS = frozenset(
    {
        "id",
        "attr",
        "arg",
        "name",
        "module",
        "level",
        "asname",
        "kind",
        "conversion",
        "is_async",
        "simple",
        "type_comment",
        "tag",
        "ctx",
        "op",
        "ops",
    }
)
_child_fields: dict[type[ast.AST], tuple[str, ...]] = {
    ast.Constant: (),
    ast.Global: (),
    ast.Nonlocal: (),
    ast.MatchSingleton: (),
}


def _learn_child_fields(kind: type[ast.AST]) -> tuple[str, ...]:
    names = tuple(f for f in kind._fields if f not in _LEAF_FIELDS)
    _child_fields[kind] = names
    return names


class RuleError(Exception):
    """A ``<match>`` rule that cannot be compiled; ``element`` is where."""

    def __init__(self, message: str, element: Any = None) -> None:
        super().__init__(message)
        self.element = element


# ------------------------------------------------------------------ modules and the project


@dataclass(eq=False)
class Module:
    """One parsed Python file of the project, indexed once for every rule."""

    name: str  # dotted module name, e.g. app.dependencies
    rel: str  # POSIX path relative to the scanned folder
    tree: ast.Module
    is_package: bool = False
    by_type: dict[type[ast.AST], list[ast.AST]] = field(default_factory=dict)
    imports: dict[str, str] = field(default_factory=dict)
    defs: dict[str, ast.AST] = field(default_factory=dict)
    aliases: dict[str, ast.expr] = field(default_factory=dict)
    # id(node) -> parent; a dict, not attributes on the nodes, so that the trees hold no
    # reference cycles and are freed as soon as the scan drops them
    parents: dict[int, ast.AST] = field(default_factory=dict)
    _scopes: dict[int, tuple[frozenset[str], dict[str, ast.AST]]] = field(default_factory=dict)
    qualnames: dict[int, str | None] = field(default_factory=dict)  # id(expr) -> qualname
    _bindings: dict[int, dict[str, list[ast.AST]]] = field(default_factory=dict)

    def parent(self, node: ast.AST) -> ast.AST | None:
        return self.parents.get(id(node))

    def ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        parent = self.parents.get(id(node))
        while parent is not None:
            _step()
            yield parent
            parent = self.parents.get(id(parent))

    @cached_property
    def local_names(self) -> frozenset[str]:
        """Every parameter name and every function or class name defined in a function:
        only these can be bound in a function scope, so only these need a look at scopes."""
        names = {a.arg for a in self.by_type.get(ast.arg, ()) if isinstance(a, ast.arg)}
        for kind in (*_FUNCS, ast.ClassDef):
            for node in self.by_type.get(kind, ()):
                if self.parents.get(id(node)) is not self.tree:
                    names.add(node.name)  # type: ignore[attr-defined]
        return frozenset(names)

    def bindings_in(self, scope: ast.AST) -> dict[str, list[ast.AST]]:
        """Name -> what binds it directly in a function (parameters as ``arg`` nodes, values
        assigned by statements, with-item context expressions) or at module level; built once
        per scope."""
        found = self._bindings.get(id(scope))
        if found is None:
            found = self._bindings[id(scope)] = {}
            args = getattr(scope, "args", None)
            if isinstance(args, ast.arguments):
                every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
                for a in every:
                    if a is not None:
                        found.setdefault(a.arg, []).append(a)
            body = getattr(scope, "body", None)
            for name, value in _binds(body if isinstance(body, list) else []):
                found.setdefault(name, []).append(value)
        return found

    def scope(self, func: ast.AST) -> tuple[frozenset[str], dict[str, ast.AST]]:
        """Parameter names and local function/class definitions of a function (cached)."""
        found = self._scopes.get(id(func))
        if found is None:
            found = self._scopes[id(func)] = (_params(func), _local_defs(func))
        return found

    @classmethod
    def build(cls, name: str, rel: str, tree: ast.Module, is_package: bool = False) -> Module:
        mod = cls(name, rel, tree, is_package)
        mod._index()
        return mod

    @property
    def package(self) -> str:
        return self.name if self.is_package else self.name.rpartition(".")[0]

    def _index(self) -> None:
        by_type, parents = self.by_type, self.parents
        stack: list[ast.AST] = [self.tree]
        push, pop, AST, fields_of = stack.append, stack.pop, ast.AST, _child_fields  # hot loop
        while stack:
            node = pop()
            kind = type(node)
            bucket = by_type.get(kind)
            if bucket is None:
                bucket = by_type[kind] = []
            bucket.append(node)
            names = fields_of.get(kind)
            if names is None:
                names = _learn_child_fields(kind)
            for name in names:
                value = getattr(node, name, None)
                if value is None:
                    continue
                if type(value) is list:
                    for item in value:
                        if isinstance(item, AST):
                            parents[id(item)] = node
                            push(item)
                elif isinstance(value, AST):
                    parents[id(value)] = node
                    push(value)
        for nodes in by_type.values():
            nodes.reverse()  # roughly source order, for stable output
        for imp in by_type.get(ast.Import, ()):
            assert isinstance(imp, ast.Import)
            for alias in imp.names:
                if alias.asname:
                    self.imports[alias.asname] = alias.name
                else:
                    top = alias.name.partition(".")[0]
                    self.imports.setdefault(top, top)
        for imp in by_type.get(ast.ImportFrom, ()):
            assert isinstance(imp, ast.ImportFrom)
            base = self._absolute(imp.module, imp.level)
            for alias in imp.names:
                if alias.name == "*":
                    continue
                target = f"{base}.{alias.name}" if base else alias.name
                self.imports[alias.asname or alias.name] = target
        for stmt in _module_level(self.tree.body):
            if isinstance(stmt, (*_FUNCS, ast.ClassDef)):
                self.defs[stmt.name] = stmt
            elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                bound = stmt.targets[0]
                if isinstance(bound, ast.Name) and isinstance(
                    stmt.value, (ast.Name, ast.Attribute)
                ):
                    self.aliases[bound.id] = stmt.value
            elif (
                isinstance(stmt, ast.AnnAssign)
                and isinstance(stmt.target, ast.Name)
                and isinstance(stmt.value, (ast.Name, ast.Attribute))
            ):
                self.aliases[stmt.target.id] = stmt.value

    def _absolute(self, module: str | None, level: int) -> str:
        if not level:
            return module or ""
        parts = self.package.split(".") if self.package else []
        if level > 1:
            parts = parts[: len(parts) - (level - 1)] if level - 1 <= len(parts) else []
        if module:
            parts.append(module)
        return ".".join(p for p in parts if p)


def _module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements at module level, looking into if/try/with blocks (not into functions)."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.If):
            yield from _module_level(stmt.body)
            yield from _module_level(stmt.orelse)
        elif isinstance(stmt, ast.Try | ast.TryStar):
            for block in (stmt.body, stmt.orelse, stmt.finalbody):
                yield from _module_level(block)
            for handler in stmt.handlers:
                yield from _module_level(handler.body)
        elif isinstance(stmt, ast.With | ast.AsyncWith):
            yield from _module_level(stmt.body)


def _local_defs(func: ast.AST) -> dict[str, ast.AST]:
    """Functions and classes defined directly in a function's body, by name."""
    body = getattr(func, "body", None)
    if not isinstance(body, list):  # a lambda
        return {}
    return {
        stmt.name: stmt for stmt in _module_level(body) if isinstance(stmt, (*_FUNCS, ast.ClassDef))
    }


def _params(func: ast.AST) -> frozenset[str]:
    args = getattr(func, "args", None)
    if not isinstance(args, ast.arguments):
        return frozenset()
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    every += [a for a in (args.vararg, args.kwarg) if a is not None]
    return frozenset(a.arg for a in every)


class Project:
    """The modules of one scan (or one example), found by dotted name."""

    def __init__(
        self,
        modules: list[Module],
        loader: Callable[[str], Module | None] | None = None,
        lazy: dict[str, Callable[[], Module | None]] | None = None,
    ) -> None:
        """``modules`` are parsed; ``lazy`` maps the names of other project modules to
        functions that parse them when a name first resolves into them; ``loader`` finds
        modules that are neither (on disk)."""
        self.modules = {m.name: m for m in modules}
        self._lazy = dict(lazy or {})
        self._by_suffix: dict[str, list[str]] = {}
        for name in (*self.modules, *self._lazy):
            parts = name.split(".")
            for i in range(1, len(parts)):
                self._by_suffix.setdefault(".".join(parts[i:]), []).append(name)
        self._loader = loader
        self._loaded: dict[str, Module | None] = {}
        #: id(a <class base> pattern) -> id(class) -> whether it has such a base
        self.base_memo: dict[int, dict[int, bool]] = {}

    def _module(self, name: str) -> Module | None:
        found = self.modules.get(name)
        if found is None and name in self._lazy:
            found = self._lazy.pop(name)()
            if found is not None:
                self.modules[name] = found
        return found

    def find_module(self, name: str) -> Module | None:
        """The module of that dotted name; else the one whose name ends with it (src layouts);
        else one the loader finds on disk (a project module that was not scanned)."""
        if name in self.modules or name in self._lazy:
            return self._module(name)
        candidates = self._by_suffix.get(name)
        if candidates:
            return self._module(min(candidates, key=lambda n: (len(n), n)))
        if self._loader is None:
            return None
        if name not in self._loaded:
            self._loaded[name] = self._loader(name)
        return self._loaded[name]

    # -- names

    def qualname(self, mod: Module, expr: ast.AST, depth: int = 0) -> str | None:
        """The qualified name an expression (a name or attribute chain) stands for."""
        if depth > _MAX_DEPTH:
            return None
        key = id(expr)
        if key in mod.qualnames:
            return mod.qualnames[key]
        found: str | None = None
        if isinstance(expr, ast.Name):
            found = self._qualname_of_name(mod, expr.id, expr, depth)
        elif isinstance(expr, ast.Attribute):
            base = self.qualname(mod, expr.value, depth + 1)
            found = f"{base}.{expr.attr}" if base else None
        else:
            return None
        if depth == 0:  # a name cut short by the depth limit is not cached
            mod.qualnames[key] = found
        return found

    def _qualname_of_name(self, mod: Module, name: str, at: ast.AST, depth: int) -> str | None:
        for scope in mod.ancestors(at) if name in mod.local_names else ():
            if isinstance(scope, (*_FUNCS, ast.Lambda)):
                params, local = mod.scope(scope)
                if name in params:
                    return None
                if name in local:
                    return f"{mod.name}.<locals>.{name}"
        if name in mod.imports:
            target = mod.imports[name]
            return target[9:] if target.startswith("builtins.") else target
        if name in mod.defs:
            return f"{mod.name}.{name}" if mod.name else name
        if name in mod.aliases:
            return self.qualname(mod, mod.aliases[name], depth + 1)
        return name

    def definition(self, mod: Module, expr: ast.AST) -> tuple[Module, ast.AST] | None:
        """The function or class definition an expression refers to, in any project module.

        A call refers to what it calls: ``save(x)`` refers to the definition of ``save``.
        """
        if isinstance(expr, ast.Call):
            expr = expr.func
        if isinstance(expr, ast.Name):
            for scope in mod.ancestors(expr) if expr.id in mod.local_names else ():
                if isinstance(scope, (*_FUNCS, ast.Lambda)):
                    params, local = mod.scope(scope)
                    if expr.id in params:
                        return None
                    if expr.id in local:
                        return mod, local[expr.id]
            return self._member(mod, [expr.id], 0)
        if isinstance(expr, ast.Attribute):
            qn = self.qualname(mod, expr)
            return self.lookup(qn) if qn else None
        return None

    def lookup(self, qualname: str, depth: int = 0) -> tuple[Module, ast.AST] | None:
        """The definition with that qualified name in a project module, following re-exports."""
        if depth > _MAX_DEPTH:
            return None
        parts = qualname.split(".")
        for i in range(len(parts) - 1, 0, -1):
            mod = self.find_module(".".join(parts[:i]))
            if mod is not None:
                return self._member(mod, parts[i:], depth)
        return None

    def _member(self, mod: Module, rest: list[str], depth: int) -> tuple[Module, ast.AST] | None:
        name, tail = rest[0], rest[1:]
        node = mod.defs.get(name)
        if node is not None:
            for attr in tail:  # Class.method
                if not isinstance(node, ast.ClassDef):
                    return None
                inner = [
                    s
                    for s in node.body
                    if isinstance(s, (*_FUNCS, ast.ClassDef)) and s.name == attr
                ]
                if not inner:
                    return None
                node = inner[-1]
            return mod, node
        if name in mod.imports:
            return self.lookup(".".join([mod.imports[name], *tail]), depth + 1)
        if name in mod.aliases and depth <= _MAX_DEPTH:
            qn = self.qualname(mod, mod.aliases[name], depth + 1)
            return self.lookup(".".join([qn, *tail]), depth + 1) if qn else None
        return None


# ------------------------------------------------------------------ predicates

# A predicate takes (project, module, node) and says whether the node satisfies it.
Pred = Callable[[Project, Module, ast.AST], bool]


def _all(preds: list[Pred]) -> Pred:
    if not preds:
        return lambda p, m, n: True
    if len(preds) == 1:
        return preds[0]
    return lambda p, m, n: all(f(p, m, n) for f in preds)


def _descendants(node: ast.AST, nested: bool) -> Iterator[ast.AST]:
    stack = list(ast.iter_child_nodes(node))
    while stack:
        child = stack.pop()
        _step()
        yield child
        if nested or not isinstance(child, _SCOPES):
            stack.extend(ast.iter_child_nodes(child))


def _is_generator(func: ast.AST) -> bool:
    return any(isinstance(n, ast.Yield | ast.YieldFrom) for n in _descendants(func, nested=False))


def _constant_text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value if isinstance(value, str) else repr(value)


_CONST_TYPES: dict[str, Callable[[object], bool]] = {
    "str": lambda v: isinstance(v, str),
    "bytes": lambda v: isinstance(v, bytes),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "float": lambda v: isinstance(v, float),
    "bool": lambda v: isinstance(v, bool),
    "none": lambda v: v is None,
}


@dataclass
class Rule:
    """A compiled ``<match>``: the node types worth visiting, and the predicate."""

    anchors: tuple[type[ast.AST], ...] | None  # None: every node
    test: Pred
    # For a rule that is one <call> with exact names: the qualified callee names or method
    # names a call must have, so that run_rules can dispatch each call to the few rules
    # that may match it instead of testing every rule on every call.
    callees: frozenset[str] | None = None
    methods: frozenset[str] | None = None
    # Words one of which the source text must contain for the rule to match at all: the last
    # part of a qualified name is always written in the module (in its import or at its use).
    tokens: frozenset[str] | None = None


def _source_order(nodes: list[ast.AST]) -> list[ast.AST]:
    nodes.sort(key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))
    return nodes


def run_rules(
    project: Project,
    mod: Module,
    rules: list[Rule],
    text: str | None = None,
    seconds: Callable[[], float] | None = None,
) -> tuple[list[list[ast.AST]], list[int]]:
    """The nodes each rule matches in the module (in source order), one list per rule, and
    the rules that stopped at their time limit.

    With the module's source ``text``, rules whose tokens it lacks are not run at all. With
    ``seconds`` (asked as each rule starts), a rule that takes longer on the module stops
    (:class:`RuleTimeout`): its index is in the second list, and the nodes it matched before
    stay.
    """
    global _deadline
    found: list[list[ast.AST]] = [[] for _ in rules]
    stopped: list[int] = []
    spent = [0.0] * len(rules)
    if text is not None and not text.isascii():
        # Python reads identifiers NFKC-normalised (PEP 3131): ``Ｄepends`` is ``Depends``,
        # and a file that spells its names so must not slip past the tokens
        import unicodedata

        text = unicodedata.normalize("NFKC", text)

    def test(i: int, node: ast.AST) -> None:
        """Test rule ``i`` on one node, within what is left of its time."""
        global _deadline
        if seconds is None:
            if rules[i].test(project, mod, node):
                found[i].append(node)
            return
        started = time.monotonic()
        left = seconds() - spent[i]
        if left <= 0:
            raise RuleTimeout
        _deadline = started + left
        try:
            if rules[i].test(project, mod, node):
                found[i].append(node)
        finally:
            spent[i] += time.monotonic() - started
            _deadline = math.inf

    by_callee: dict[str, list[int]] = {}
    by_method: dict[str, list[int]] = {}
    for i, rule in enumerate(rules):
        if text is not None and rule.tokens and not any(t in text for t in rule.tokens):
            continue
        if rule.callees is not None:
            for name in rule.callees:
                by_callee.setdefault(name, []).append(i)
        elif rule.methods is not None:
            for name in rule.methods:
                by_method.setdefault(name, []).append(i)
        else:
            if rule.anchors is None:
                candidates: list[ast.AST] = [n for nodes in mod.by_type.values() for n in nodes]
            else:
                candidates = [n for t in rule.anchors for n in mod.by_type.get(t, ())]
            if seconds is None:
                found[i] = [n for n in candidates if rule.test(project, mod, n)]
                continue
            limit = seconds()
            if limit <= 0:  # the stopped rules and searches have had their time
                stopped.append(i)
                continue
            _deadline = time.monotonic() + limit
            try:
                for n in candidates:
                    _step()
                    if rule.test(project, mod, n):
                        found[i].append(n)
            except RuleTimeout:
                stopped.append(i)
            finally:
                _deadline = math.inf
    if by_callee or by_method:
        for call in mod.by_type.get(ast.Call, ()):
            assert isinstance(call, ast.Call)
            func = call.func
            chosen: list[int] = []
            if by_callee and isinstance(func, ast.Name | ast.Attribute):
                chosen += by_callee.get(project.qualname(mod, func) or "", ())
            if by_method and isinstance(func, ast.Attribute):
                chosen += by_method.get(func.attr, ())
            for i in chosen:
                if i in stopped:
                    continue
                try:
                    test(i, call)
                except RuleTimeout:
                    stopped.append(i)
    return [_source_order(nodes) for nodes in found], stopped


def _has_base(p: Project, m: Module, cls: ast.ClassDef, bases: Any) -> bool:
    """A base of the class resolves to one of ``bases``, directly or through classes of the
    project (``class Author(Base)`` with ``class Base(BaseModel)`` in another module).

    Each class is looked at once for each pattern (``p.base_memo``), by a walk that keeps
    its own stack: a file of 15 classes that each named 50 classes of the next level made
    the recursive search 50^12 paths long, and held ``kbtool scan`` for good."""
    memo = p.base_memo.setdefault(id(bases), {})
    known = memo.get(id(cls))
    if known is not None:
        return known
    memo[id(cls)] = False  # in progress: a cycle of classes adds nothing
    stack: list[tuple[Module, ast.ClassDef, Iterator[ast.expr]]] = [(m, cls, iter(cls.bases))]
    while stack:
        mod, _, todo = stack[-1]
        base = next(todo, None)
        if base is None:
            stack.pop()  # no base of it leads to ``bases``: it stays False
            continue
        hit = bases(p.qualname(mod, base))
        found = None if hit else p.definition(mod, base)
        if found is not None and isinstance(found[1], ast.ClassDef):
            seen = memo.get(id(found[1]))
            hit = seen is True
            if seen is None:
                memo[id(found[1])] = False
                stack.append((found[0], found[1], iter(found[1].bases)))
        if hit:
            for _, node, _ in stack:  # each reaches ``bases`` through the one above it
                memo[id(node)] = True
            return True
    return False


def _binds(body: list[ast.stmt]) -> Iterator[tuple[str, ast.AST]]:
    """(name, value) for each plain binding among the statements of a block and of the blocks
    nested in it (not in nested functions or classes, not inside expressions): an assigned
    value, or a with-item's context expression."""
    for stmt in body:
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    yield target.id, stmt.value
        elif isinstance(stmt, ast.AnnAssign):
            if isinstance(stmt.target, ast.Name) and stmt.value is not None:
                yield stmt.target.id, stmt.value
        elif isinstance(stmt, ast.With | ast.AsyncWith):
            for item in stmt.items:
                if isinstance(item.optional_vars, ast.Name):
                    yield item.optional_vars.id, item.context_expr
        if isinstance(stmt, (*_FUNCS, ast.ClassDef)):
            continue
        for name in ("body", "orelse", "finalbody"):
            block = getattr(stmt, name, None)
            if isinstance(block, list):
                yield from _binds(block)
        for handler in getattr(stmt, "handlers", ()):
            yield from _binds(handler.body)
        for case in getattr(stmt, "cases", ()):
            yield from _binds(case.body)


def _bindings(m: Module, use: ast.Name) -> list[ast.AST]:
    """Where the name used at ``use`` is bound: in the nearest enclosing function that binds it
    (its parameter, as an ``arg`` node, or the values assigned to it), else at module level."""
    name = use.id
    child: ast.AST = use
    for scope in m.ancestors(use):
        inner, child = child, scope
        if not isinstance(scope, (*_FUNCS, ast.Lambda)):
            continue
        body = scope.body if isinstance(scope.body, list) else [scope.body]
        if not any(inner is stmt for stmt in body):
            continue  # a decorator, default or annotation: evaluated in the enclosing scope
        found = m.bindings_in(scope).get(name)
        if found:
            return found
    return m.bindings_in(m.tree).get(name, [])


class _Compiler:
    """Turns ``<match>`` elements into predicates, checking names and attributes."""

    COMMON = (
        "call",
        "name",
        "refers-to",
        "function",
        "class",
        "constant",
        "except",
        "node",
        "all-of",
        "any-of",
        "not",
        "parent",
        "inside",
        "not-inside",
        "in-function",
        "contains",
        "not-contains",
        "binding",
    )
    ATTRS: ClassVar[dict[str, tuple[str, ...]]] = {
        "call": ("callee", "method"),
        "name": ("qualified",),
        "function": ("name", "async", "generator"),
        "class": ("name", "base"),
        "constant": ("value", "type"),
        "except": ("type", "bare"),
        "node": ("type",),
        "contains": ("nested",),
        "not-contains": ("nested",),
        "arg": ("pos", "keyword", "at-least"),
        "no-arg": ("pos", "keyword"),
        "decorator": ("name",),
        "no-decorator": ("name",),
        "field": ("name", "value", "empty"),
    }
    NAVIGATORS: ClassVar[dict[str, tuple[str, ...]]] = {
        "call": ("arg", "no-arg"),
        "function": ("decorator", "no-decorator", "default"),
        "class": ("decorator", "no-decorator"),
        "node": ("field",),
    }
    LEAVES = ("name", "constant", "decorator", "no-decorator")

    def __init__(self) -> None:
        self._node_types: tuple[type[ast.AST], ...] = ()  # of the <node> being compiled

    def tag(self, el: Any) -> str:
        tag = el.tag
        if not isinstance(tag, str) or "}" in tag:
            raise RuleError(f"unexpected element {tag!r} in <match>", el)
        return str(tag)

    def children(self, el: Any) -> list[Any]:
        kids = [c for c in el if isinstance(c.tag, str)]
        text = (el.text or "") + "".join(c.tail or "" for c in el)
        if text.strip():
            raise RuleError(f"<{el.tag}> holds text; rule elements hold only elements", el)
        return kids

    def check_attrs(self, el: Any, tag: str) -> None:
        allowed = self.ATTRS.get(tag, ())
        for name in el.attrib:
            if name not in allowed:
                raise RuleError(f"<{tag}> has no attribute {name!r}", el)

    def names(self, el: Any, attr: str) -> NamePatterns | None:
        value = el.get(attr)
        if value is None:
            return None
        names = value.split()
        if not names:
            raise RuleError(f"<{el.tag} {attr}> is empty", el)
        try:
            return NamePatterns(names)
        except re.error as exc:
            raise RuleError(f"<{el.tag} {attr}={value!r}>: {exc}", el) from exc

    def boolean(self, el: Any, attr: str) -> bool | None:
        value = el.get(attr)
        if value is None:
            return None
        value = value.strip()
        if value in ("true", "1"):
            return True
        if value in ("false", "0"):
            return False
        raise RuleError(f'<{el.tag} {attr}="{value}">: expected true or false', el)

    def preds(self, el: Any, tag: str) -> list[Pred]:
        navs = self.NAVIGATORS.get(tag, ())
        out: list[Pred] = []
        for child in self.children(el):
            ctag = self.tag(child)
            if ctag in navs:
                out.append(self.navigator(child, ctag))
            elif ctag in self.COMMON:
                out.append(self.predicate(child))
            else:
                raise RuleError(f"<{ctag}> is not allowed inside <{tag}>", child)
        return out

    # -- predicates

    def predicate(self, el: Any) -> Pred:
        tag = self.tag(el)
        if tag not in self.COMMON:
            raise RuleError(f"unknown rule element <{tag}>", el)
        self.check_attrs(el, tag)
        if tag in self.LEAVES and self.children(el):
            raise RuleError(f"<{tag}> takes no child elements", el)
        method = getattr(self, "p_" + tag.replace("-", "_"))
        pred: Pred = method(el, tag)
        return pred

    def p_call(self, el: Any, tag: str) -> Pred:
        callee, method = self.names(el, "callee"), self.names(el, "method")
        rest = _all(self.preds(el, tag))

        def test(p: Project, m: Module, n: ast.AST) -> bool:
            if not isinstance(n, ast.Call):
                return False
            if method is not None and not (
                isinstance(n.func, ast.Attribute) and method(n.func.attr)
            ):
                return False
            if callee is not None and not callee(p.qualname(m, n.func)):
                return False
            return rest(p, m, n)

        return test

    def p_name(self, el: Any, tag: str) -> Pred:
        qualified = self.names(el, "qualified")
        if qualified is None:
            raise RuleError("<name> needs qualified=", el)

        def test(p: Project, m: Module, n: ast.AST) -> bool:
            if not isinstance(n, ast.Name | ast.Attribute):
                return False
            return qualified(p.qualname(m, n))

        return test

    def p_refers_to(self, el: Any, tag: str) -> Pred:
        rest = _all(self.preds(el, tag))

        def test(p: Project, m: Module, n: ast.AST) -> bool:
            found = p.definition(m, n)
            return found is not None and rest(p, found[0], found[1])

        return test

    def p_function(self, el: Any, tag: str) -> Pred:
        names = self.names(el, "name")
        is_async = self.boolean(el, "async")
        generator = self.boolean(el, "generator")
        rest = _all(self.preds(el, tag))

        def test(p: Project, m: Module, n: ast.AST) -> bool:
            if not isinstance(n, _FUNCS):
                return False
            if names is not None and not names(n.name):
                return False
            if is_async is not None and isinstance(n, ast.AsyncFunctionDef) != is_async:
                return False
            if generator is not None and _is_generator(n) != generator:
                return False
            return rest(p, m, n)

        return test

    def p_class(self, el: Any, tag: str) -> Pred:
        names, bases = self.names(el, "name"), self.names(el, "base")
        rest = _all(self.preds(el, tag))

        def test(p: Project, m: Module, n: ast.AST) -> bool:
            if not isinstance(n, ast.ClassDef):
                return False
            if names is not None and not names(n.name):
                return False
            if bases is not None and not _has_base(p, m, n, bases):
                return False
            return rest(p, m, n)

        return test

    def p_constant(self, el: Any, tag: str) -> Pred:
        value = el.get("value")
        kind = el.get("type")
        if kind is not None and kind.strip() not in _CONST_TYPES:
            raise RuleError(
                f"<constant type={kind!r}>: expected one of {', '.join(_CONST_TYPES)}", el
            )
        type_ok = _CONST_TYPES[kind.strip()] if kind is not None else None

        def test(p: Project, m: Module, n: ast.AST) -> bool:
            if not isinstance(n, ast.Constant):
                return False
            if type_ok is not None and not type_ok(n.value):
                return False
            return value is None or _constant_text(n.value) == value

        return test

    def p_except(self, el: Any, tag: str) -> Pred:
        types, bare = self.names(el, "type"), self.boolean(el, "bare")
        rest = _all(self.preds(el, tag))

        def test(p: Project, m: Module, n: ast.AST) -> bool:
            if not isinstance(n, ast.ExceptHandler):
                return False
            if bare is not None and (n.type is None) != bare:
                return False
            if types is not None:
                if n.type is None:
                    return False
                caught = n.type.elts if isinstance(n.type, ast.Tuple) else [n.type]
                if not any(types(p.qualname(m, c)) for c in caught):
                    return False
            return rest(p, m, n)

        return test

    def p_node(self, el: Any, tag: str) -> Pred:
        names = (el.get("type") or "").split()
        if not names:
            raise RuleError("<node> needs type=", el)
        classes: list[type[ast.AST]] = []
        for name in names:
            cls = getattr(ast, name, None)
            if not (isinstance(cls, type) and issubclass(cls, ast.AST)) or name.startswith("_"):
                raise RuleError(f"<node type>: {name!r} is not a Python AST node type", el)
            classes.append(cls)
        wanted = tuple(classes)
        outer, self._node_types = self._node_types, wanted
        try:
            rest = _all(self.preds(el, tag))
        finally:
            self._node_types = outer

        def test(p: Project, m: Module, n: ast.AST) -> bool:
            return isinstance(n, wanted) and rest(p, m, n)

        return test

    def p_all_of(self, el: Any, tag: str) -> Pred:
        preds = self.preds(el, tag)
        if not preds:
            raise RuleError(f"<{tag}> needs at least one predicate", el)
        return _all(preds)

    def p_any_of(self, el: Any, tag: str) -> Pred:
        preds = self.preds(el, tag)
        if not preds:
            raise RuleError(f"<{tag}> needs at least one predicate", el)
        return lambda p, m, n: any(f(p, m, n) for f in preds)

    def p_not(self, el: Any, tag: str) -> Pred:
        inner = self.p_all_of(el, tag)
        return lambda p, m, n: not inner(p, m, n)

    def p_parent(self, el: Any, tag: str) -> Pred:
        rest = _all(self.preds(el, tag))

        def test(p: Project, m: Module, n: ast.AST) -> bool:
            parent = m.parent(n)
            return parent is not None and rest(p, m, parent)

        return test

    def p_inside(self, el: Any, tag: str) -> Pred:
        rest = _all(self.preds(el, tag))
        return lambda p, m, n: any(rest(p, m, a) for a in m.ancestors(n))

    def p_not_inside(self, el: Any, tag: str) -> Pred:
        inside = self.p_inside(el, tag)
        return lambda p, m, n: not inside(p, m, n)

    def p_in_function(self, el: Any, tag: str) -> Pred:
        rest = _all(self.preds(el, tag))

        def test(p: Project, m: Module, n: ast.AST) -> bool:
            for a in m.ancestors(n):
                if isinstance(a, (*_FUNCS, ast.Lambda)):
                    return rest(p, m, a)
                if isinstance(a, ast.ClassDef):
                    return False
            return False

        return test

    def p_contains(self, el: Any, tag: str) -> Pred:
        nested = bool(self.boolean(el, "nested"))
        rest = _all(self.preds(el, tag))
        return lambda p, m, n: any(rest(p, m, d) for d in _descendants(n, nested))

    def p_not_contains(self, el: Any, tag: str) -> Pred:
        contains = self.p_contains(el, tag)
        return lambda p, m, n: not contains(p, m, n)

    def p_binding(self, el: Any, tag: str) -> Pred:
        rest = _all(self.preds(el, tag))
        if not self.children(el):
            raise RuleError("<binding> needs at least one predicate", el)

        def test(p: Project, m: Module, n: ast.AST) -> bool:
            if not isinstance(n, ast.Name) or not isinstance(n.ctx, ast.Load):
                return False
            return any(rest(p, m, b) for b in _bindings(m, n))

        return test

    # -- navigators

    def navigator(self, el: Any, tag: str) -> Pred:
        self.check_attrs(el, tag)
        if tag in self.LEAVES and self.children(el):
            raise RuleError(f"<{tag}> takes no child elements", el)
        method = getattr(self, "n_" + tag.replace("-", "_"))
        pred: Pred = method(el, tag)
        return pred

    def n_arg(self, el: Any, tag: str) -> Pred:
        pos_text = el.get("pos")
        pos: int | None = None
        if pos_text is not None:
            if not pos_text.strip().isdigit():
                raise RuleError(f"<{tag} pos={pos_text!r}>: expected a number from 0", el)
            pos = int(pos_text)
        keywords = self.names(el, "keyword")
        at_least = 1
        count_text = el.get("at-least")
        if count_text is not None:
            if tag == "no-arg" or not count_text.strip().isdigit() or int(count_text) < 1:
                raise RuleError(f"<{tag} at-least={count_text!r}>: expected a number from 1", el)
            at_least = int(count_text)
        rest = _all(self.preds(el, tag))

        def values(n: ast.Call) -> Iterator[ast.AST]:
            if pos is None and keywords is None:
                yield from (a for a in n.args if not isinstance(a, ast.Starred))
                yield from (k.value for k in n.keywords if k.arg is not None)
                return
            if pos is not None and pos < len(n.args):
                before = n.args[: pos + 1]
                if not any(isinstance(a, ast.Starred) for a in before):
                    yield n.args[pos]
            if keywords is not None:
                yield from (k.value for k in n.keywords if keywords(k.arg))

        def test(p: Project, m: Module, n: ast.AST) -> bool:
            assert isinstance(n, ast.Call)
            if at_least == 1:
                return any(rest(p, m, v) for v in values(n))
            return sum(1 for v in values(n) if rest(p, m, v)) >= at_least

        if tag == "no-arg":
            return lambda p, m, n: not test(p, m, n)
        return test

    n_no_arg = n_arg

    def n_decorator(self, el: Any, tag: str) -> Pred:
        names = self.names(el, "name")
        if names is None:
            raise RuleError(f"<{tag}> needs name=", el)

        def test(p: Project, m: Module, n: ast.AST) -> bool:
            decorators: list[ast.expr] = getattr(n, "decorator_list", [])
            for d in decorators:
                target = d.func if isinstance(d, ast.Call) else d
                if names(p.qualname(m, target)):
                    return True
            return False

        if tag == "no-decorator":
            return lambda p, m, n: not test(p, m, n)
        return test

    n_no_decorator = n_decorator

    def n_default(self, el: Any, tag: str) -> Pred:
        rest = _all(self.preds(el, tag))

        def test(p: Project, m: Module, n: ast.AST) -> bool:
            args: ast.arguments = n.args  # type: ignore[attr-defined]
            every = [*args.defaults, *(d for d in args.kw_defaults if d is not None)]
            return any(rest(p, m, d) for d in every)

        return test

    def n_field(self, el: Any, tag: str) -> Pred:
        name = (el.get("name") or "").strip()
        node_types = self._node_types
        if not any(name in cls._fields for cls in node_types):
            known = sorted({f for cls in node_types for f in cls._fields})
            raise RuleError(
                f"<field name={name!r}>: not a field of {', '.join(c.__name__ for c in node_types)}"
                f" (fields: {', '.join(known) or 'none'})",
                el,
            )
        values = self.names(el, "value")  # one of several names or numbers, globs allowed
        empty = self.boolean(el, "empty")
        preds = self.preds(el, tag)
        rest = _all(preds)

        def test(p: Project, m: Module, n: ast.AST) -> bool:
            got = getattr(n, name, None)
            if empty is not None and (got is None or got == []) != empty:
                return False
            if values is not None and (isinstance(got, ast.AST | list) or not values(str(got))):
                return False
            if not preds:
                return True
            items = got if isinstance(got, list) else [got]
            return any(isinstance(i, ast.AST) and rest(p, m, i) for i in items)

        return test


_ANCHOR_TYPES: dict[str, tuple[type[ast.AST], ...]] = {
    "call": (ast.Call,),
    "name": (ast.Name, ast.Attribute),
    "refers-to": (ast.Name, ast.Attribute, ast.Call),
    "function": _FUNCS,
    "class": (ast.ClassDef,),
    "constant": (ast.Constant,),
    "except": (ast.ExceptHandler,),
    "binding": (ast.Name,),
}


def compile_rule(match_el: Any) -> Rule:
    """Compile a ``<match>`` element; RuleError when it is not a valid rule."""
    compiler = _Compiler()
    if match_el.attrib:
        raise RuleError("<match> takes no attributes", match_el)
    children = compiler.children(match_el)
    if not children:
        raise RuleError("<match> needs at least one predicate", match_el)
    preds = []
    anchors: tuple[type[ast.AST], ...] | None = None
    for child in children:
        preds.append(compiler.predicate(child))
        tag = compiler.tag(child)
        types = _ANCHOR_TYPES.get(tag)
        if tag == "node":
            types = tuple(getattr(ast, name) for name in child.get("type", "").split())
        if types is not None:
            anchors = types if anchors is None else tuple(t for t in anchors if t in types)
    rule = Rule(anchors, _all(preds))
    if len(children) == 1 and compiler.tag(children[0]) == "call":
        callee, method = children[0].get("callee"), children[0].get("method")
        if callee is not None and _exact(callee):
            rule.callees = frozenset(callee.split())
        elif method is not None and _exact(method):
            rule.methods = frozenset(method.split())
    rule.tokens = _tokens(children)
    return rule


def _exact(names: str) -> bool:
    return not any(c in names for c in "*?[")


def _last_parts(names: str | None) -> frozenset[str] | None:
    if names is None or not _exact(names) or not names.split():
        return None
    return frozenset(n.rsplit(".", 1)[-1] for n in names.split())


def _tokens(children: list[Any]) -> frozenset[str] | None:
    """Words the source must contain for the rule to match (None: no such words known).

    Any one top-level predicate that names exact qualified names will do: a call's callee
    (or method), a name, a function's decorator. Not a class's base: it may be reached
    through a project class defined in another module.
    """
    for child in children:
        tag = child.tag
        found: frozenset[str] | None = None
        if tag == "call":
            found = _last_parts(child.get("callee")) or _last_parts(child.get("method"))
        elif tag == "name":
            found = _last_parts(child.get("qualified"))
        elif tag == "function":
            for nav in child.iterchildren("decorator"):
                found = _last_parts(nav.get("name"))
                if found:
                    break
        if found:
            return found
    return None
