"""Which combinations of a template's conditions are judged.

A resource exists only where its ``Condition:`` holds (``resource_condition``): the
combinations judged for it are those that agree with it.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policylint.model import Unknown
from policylint.readers.cloudformation.evaluate import Template


def combinations(tpl: Template, names: list[str], base: Mapping[str, bool]
                 ) -> Iterator[dict[str, bool]]:
    """The assignments of ``names`` that agree with ``base``."""
    for mask in range(2 ** len(names)):
        combo = {c: not (mask >> (len(names) - 1 - i)) & 1 for i, c in enumerate(names)}
        if all(base.get(c, v) == v for c, v in combo.items()):
            yield combo


def resource_condition(tpl: Template, res: Mapping[str, Any]) -> dict[str, bool]:
    """``{name: True}`` for a resource's ``Condition:`` that the template does not decide
    alone: the resource exists only when it holds, so nothing about it is judged otherwise."""
    name = res.get("Condition")
    if isinstance(name, str) and name in tpl.conditions and isinstance(
            tpl.condition(name), Unknown):
        return {name: True}
    return {}
