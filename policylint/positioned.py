"""Positioned data trees shared by the JSON and YAML loaders.

``PDict`` and ``PList`` behave as plain ``dict`` and ``list`` (so evaluators and tests see plain
values) and carry the 1-based positions of themselves, their keys and their values.
"""
from __future__ import annotations

from typing import Any, NamedTuple


class Pos(NamedTuple):
    line: int
    column: int
    end_line: int
    end_column: int


NOWHERE = Pos(1, 1, 1, 1)


class PDict(dict):  # type: ignore[type-arg]
    __slots__ = ("pos", "kpos", "vpos")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pos: Pos = NOWHERE
        self.kpos: dict[Any, Pos] = {}
        self.vpos: dict[Any, Pos] = {}

    def key_pos(self, key: Any) -> Pos:
        return self.kpos.get(key, self.pos)

    def value_pos(self, key: Any) -> Pos:
        return self.vpos.get(key, self.key_pos(key))


class PList(list):  # type: ignore[type-arg]
    __slots__ = ("pos", "ipos")

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.pos: Pos = NOWHERE
        self.ipos: list[Pos] = []

    def item_pos(self, index: int) -> Pos:
        if 0 <= index < len(self.ipos):
            return self.ipos[index]
        return self.pos


def pos_of(node: Any, default: Pos = NOWHERE) -> Pos:
    return getattr(node, "pos", default)


def plain(node: Any) -> Any:
    """A deep copy of a positioned tree as plain dicts and lists (for comparisons)."""
    if isinstance(node, dict):
        return {k: plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    return node
