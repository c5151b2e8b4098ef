"""Tests mirror the layout: every built-in rule ``rules/plXXX_name.py`` has its own module here,
``tests/rules/test_plXXX_name.py``, with a failing and a passing case."""
from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

HERE = Path(__file__).resolve().parent


def _builtin() -> tuple[str, ...]:
    tree = ast.parse((REPO / "rules" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "BUILTIN":
            return tuple(ast.literal_eval(node.value)) if node.value is not None else ()
    raise AssertionError("rules/__init__.py has no BUILTIN")


def test_every_built_in_rule_has_its_test_module() -> None:
    rules = _builtin()
    assert len(rules) == len(list((REPO / "rules").glob("pl[0-9][0-9][0-9]_*.py")))
    for name in rules:
        module = HERE / f"test_{name}.py"
        assert module.is_file(), f"{name} has no tests/rules/test_{name}.py"
        names = [n.name for n in ast.parse(module.read_text(encoding="utf-8")).body
                 if isinstance(n, ast.FunctionDef)]
        assert any(n.startswith("test_fails") for n in names), module.name
        assert any(n.startswith("test_passes") for n in names), module.name
