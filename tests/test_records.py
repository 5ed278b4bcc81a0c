"""kbtool.records.NamedTuple: typing.NamedTuple's class syntax without importing typing."""

from __future__ import annotations

import marshal
import typing

from kbtool.records import NamedTuple


class Light(NamedTuple):
    """A doc."""

    x: int
    y: str = "d"

    @property
    def both(self) -> str:
        return f"{self.x}{self.y}"


class Typed(typing.NamedTuple):
    """A doc."""

    x: int
    y: str = "d"

    @property
    def both(self) -> str:
        return f"{self.x}{self.y}"


def test_it_makes_what_typing_makes() -> None:
    for cls in (Light, Typed):
        value = cls(1)
        assert value == (1, "d") and isinstance(value, tuple)
        assert value._replace(y="z") == cls(1, "z") == cls(x=1, y="z")
        assert value.both == "1d"
        assert cls._fields == ("x", "y") and cls._field_defaults == {"y": "d"}
        assert cls.__doc__ == "A doc." and cls.__module__ == __name__
        assert repr(value) == f"{cls.__name__}(x=1, y='d')"
        assert marshal.loads(marshal.dumps(tuple(value))) == value


def test_frozen_records_pickle_copy_and_order_like_the_dataclasses_they_replace() -> None:
    import copy
    import pickle

    from kbtool.diagnostics import Diagnostic, Severity
    from kbtool.search.fulltext import Filters

    warning = Diagnostic("a.xml", 3, 1, "KB301", "m", Severity.WARNING)
    for clone in (pickle.loads(pickle.dumps(warning)), copy.copy(warning), copy.deepcopy(warning)):
        assert clone == warning and clone.severity is Severity.WARNING
    filters = Filters("Database", ("x",))
    assert pickle.loads(pickle.dumps(filters)) == filters
    error = Diagnostic("a.xml", 3, 1, "KB301", "m")  # severity is not compared
    assert error == warning and hash(error) == hash(warning)
    later = Diagnostic("a.xml", 10, 1, "KB100", "m")
    assert warning < later and later > warning and warning <= error and later >= error
    assert sorted([later, warning]) == [warning, later]
