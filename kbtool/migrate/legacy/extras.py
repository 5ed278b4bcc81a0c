"""The extras bucket: legacy material with no canonical field, kept under its own names.

Each kept element is copied whole. When it sat inside other elements of the record (a
``<metadata>``, a ``<problem>``), shallow copies of those ancestors are kept around it, so
the nesting survives: ``<problem><impact>…</impact></problem>``. Text and attributes that
belonged to an element itself are kept on a shallow copy of that element.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

from lxml import etree

from kbtool.migrate.legacy.text import clean
from kbtool.xmlnodes import is_element, text_of

Chain = Sequence[etree._Element]


class ExtrasBuilder:
    def __init__(self) -> None:
        self.items: list[etree._Element] = []
        self._copies: dict[int, etree._Element] = {}
        self._originals: list[etree._Element] = []  # keeps ids stable while copies exist

    def _container(self, chain: Chain) -> etree._Element | None:
        parent: etree._Element | None = None
        for ancestor in chain:
            shallow = self._copies.get(id(ancestor))
            if shallow is None:
                shallow = etree.Element(ancestor.tag, nsmap=ancestor.nsmap)  # type: ignore[arg-type]
                if parent is None:
                    self.items.append(shallow)
                else:
                    parent.append(shallow)
                self._copies[id(ancestor)] = shallow
                self._originals.append(ancestor)
            parent = shallow
        return parent

    def add(self, node: etree._Element, chain: Chain) -> None:
        """Keep an element (or a comment or PI, which need a non-empty chain) whole."""
        clone = copy.deepcopy(node)
        clone.tail = None
        parent = self._container(chain)
        if parent is None:
            if not is_element(node):
                raise ValueError("a comment or PI needs an element around it")
            self.items.append(clone)
        else:
            parent.append(clone)

    def add_text(self, text: str, chain: Chain) -> None:
        """Keep text that belonged to the last element of ``chain`` itself."""
        text = clean(text)
        if not text:
            return
        parent = self._container(chain)
        assert parent is not None
        if len(parent):
            last = parent[-1]
            last.tail = f"{last.tail}\n{text}" if last.tail else text
        else:
            parent.text = f"{parent.text}\n{text}" if parent.text else text

    def add_attributes(self, owner: etree._Element, names: Sequence[str], chain: Chain) -> None:
        """Keep attributes of ``owner`` (inside ``chain``) that no field took."""
        if not names:
            return
        target = self._container((*chain, owner))
        assert target is not None
        for name in names:
            value = owner.get(name)
            if value is not None:
                target.set(name, value)

    def serialise(self) -> list[str]:
        return [etree.tostring(item, encoding="unicode") for item in self.items]

    def text_length(self) -> int:
        return sum(len(text_of(item)) for item in self.items)
