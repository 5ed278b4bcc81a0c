"""Plain value classes without :mod:`dataclasses`, for modules on the start-up path.

``import dataclasses`` pulls in :mod:`inspect` (and ``ast``, ``dis``, ``tokenize``), and
building each dataclass runs generated code: together about 10 ms of every ``kbtool
search``. The few classes a search needs subclass :class:`Record` instead: the same
constructor, ``==``, ``repr`` and (for frozen ones) immutability and hashing.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing's own costs a search ~3 ms: imported for the type checker only
if TYPE_CHECKING:
    from typing import Any
    from typing import NamedTuple as NamedTuple


class FrozenError(AttributeError):
    """Assigning to a field of a frozen record (like ``dataclasses.FrozenInstanceError``)."""


class Record:
    """Field-wise ``==`` and a dataclass-style ``repr``; subclasses list ``_fields``."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Record)
        return self._values() == other._values()

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__qualname__}({inner})"

    def replace(self, **changes: Any) -> Any:
        """A copy with some fields changed (like ``dataclasses.replace``)."""
        values = {name: getattr(self, name) for name in self._fields}
        values.update(changes)
        return type(self)(**values)


class FrozenRecord(Record):
    """A :class:`Record` whose fields cannot be reassigned; hashable by value."""

    __slots__ = ()

    def _set(self, **values: Any) -> None:
        """Set fields from ``__init__`` (the only place they may be set)."""
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenError(f"cannot delete field {name!r}")

    def __hash__(self) -> int:
        return hash(self._values())

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle and copy field by field (unpickling cannot assign to a frozen record)."""
        names = [n for c in type(self).__mro__ for n in getattr(c, "__slots__", ())]
        state = {name: getattr(self, name) for name in names if hasattr(self, name)}
        state.update(getattr(self, "__dict__", {}))
        return (_rebuild, (self.__class__, state))


def _rebuild(cls: type[FrozenRecord], state: dict[str, Any]) -> FrozenRecord:
    record = object.__new__(cls)
    record._set(**state)
    return record


if not TYPE_CHECKING:

    class _NamedTupleMeta(type):
        """What ``typing.NamedTuple``'s class syntax does, without importing typing: the
        class body's annotated names become the fields (with their defaults), the rest
        (methods, properties, docstring) is set on the ``collections.namedtuple``."""

        def __new__(mcls, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> Any:
            if namespace.get("_root"):
                return super().__new__(mcls, name, bases, namespace)
            from collections import namedtuple

            fields = list(namespace.get("__annotations__", {}))
            defaults = [namespace[f] for f in fields if f in namespace]
            made = namedtuple(name, fields, defaults=defaults, module=namespace["__module__"])
            made.__qualname__ = namespace.get("__qualname__", name)
            for key, value in namespace.items():
                if key not in fields and key not in (
                    "__annotations__",
                    "__module__",
                    "__qualname__",
                ):
                    setattr(made, key, value)
            return made

    class NamedTuple(metaclass=_NamedTupleMeta):
        """``typing.NamedTuple`` for modules on the start-up path (the type checker sees
        typing's: ``from kbtool.records import NamedTuple``)."""

        _root = True
