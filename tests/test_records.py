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
