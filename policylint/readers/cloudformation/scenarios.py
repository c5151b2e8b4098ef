"""Which combinations of a template's conditions can happen at all.

A condition is a boolean formula (``Fn::Not``, ``Fn::And``, ``Fn::Or``, ``Condition``) over
``Fn::Equals`` atoms. Each side of an atom is a literal or a *variable*: a parameter, a pseudo
parameter, or any other value known only at deploy time (keyed by how it is written, so that the
same expression is the same variable). Like ``cfnlint.conditions``, the scenarios are found by
enumerating the variables' values: a parameter with ``AllowedValues`` takes one of them (a single
allowed value fixes it), any other variable takes one of the literals it is compared with or a
value equal to none of them. A parameter never takes a literal that its constraints rule out
(``AllowedPattern``, lengths, a ``Number``'s range; see ``parameters``). Its ``Default`` rules
nothing out: a deployment may pass any admitted value, so the default is one scenario among
the others, not the only one. Two variables compared with each other give a free atom. Every
assignment decides every condition; the combinations so reached are the possible ones, so a
condition and its negation are never both true, nor two ``Fn::Equals`` of one parameter with
different values.

A resource whose ``Condition`` is false in every possible scenario is never created: the
reader leaves it out (``absent_resources``); one whose ``Condition`` is true in every scenario
is read as unconditional (``resource_condition``).

The enumeration is bounded (``MAX_ASSIGNMENTS``): beyond it, or for a condition that is not
defined or refers to itself, ``possible`` answers None and the caller falls back to every
combination.
"""
from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Mapping
from typing import Any

from policylint.model import Unknown
from policylint.readers.cloudformation import parameters
from policylint.readers.cloudformation.evaluate import (
    MAX_DEPTH,
    PSEUDO,
    Template,
    intrinsic,
    walk,
)

MAX_ASSIGNMENTS = 4096
_OTHER = object()  # a value equal to none of the literals a variable is compared with


class _Undecidable(Exception):
    """A condition that cannot be compiled (undefined, cyclic, not a condition function)."""


class Scenarios:
    """Possible truth values of a template's conditions; one instance per template."""

    def __init__(self, tpl: Template) -> None:
        self.tpl = tpl
        self._collected: set[str] = set()  # conditions whose atoms are recorded
        self._memo: dict[str, bool] = {}  # condition truths under the current assignment

    def possible(self, names: list[str], base: Mapping[str, bool]) -> list[dict[str, bool]] | None:
        """Each possible assignment of ``names`` (in the order of ``names``, all-true first)
        in a deployment where the conditions in ``base`` hold as given; None when not known."""
        self._collected = set()
        wanted = list(names) + [b for b in base if b not in names]
        try:
            literals: dict[str, set[str]] = {}
            free: list[str] = []
            for name in wanted:
                self._collect(self._definition(name, frozenset()), literals, free,
                              frozenset({name}), 0)
        except _Undecidable:
            return None
        domains = [self._domain(key, lits) for key, lits in literals.items()]
        size = 2 ** len(free)
        for d in domains:
            size *= len(d)
            if size > MAX_ASSIGNMENTS:
                return None
        keys = list(literals)
        found: set[tuple[bool, ...]] = set()
        for values in itertools.product(*domains):
            env: dict[str, Any] = dict(zip(keys, values))
            for bits in itertools.product((True, False), repeat=len(free)):
                atoms = dict(zip(free, bits))
                self._memo = {}
                got = tuple(self._eval({"Condition": n}, env, atoms, 0) for n in wanted)
                if all(got[len(names) + i] == base[b] for i, b in enumerate(wanted[len(names):])
                       ) and all(got[i] == base[n] for i, n in enumerate(names) if n in base):
                    found.add(got[:len(names)])
        return [dict(zip(names, combo))
                for combo in sorted(found, key=lambda c: tuple(not v for v in c))]

    # -- compiling ------------------------------------------------------------------------

    def _definition(self, name: str, seen: frozenset[str]) -> Any:
        if name in seen or name not in self.tpl.conditions:
            raise _Undecidable(name)
        return self.tpl.conditions[name]

    def _collect(self, node: Any, literals: dict[str, set[str]], free: list[str],
                 seen: frozenset[str], depth: int) -> None:
        """Record the variables (with the literals they meet) and free atoms under ``node``."""
        fn = intrinsic(node)
        if depth > MAX_DEPTH:
            raise _Undecidable("too deep")
        if fn is None:
            if isinstance(node, bool):
                return
            raise _Undecidable("not a condition")
        name, arg = fn
        if name == "Condition" and isinstance(arg, str):
            definition = self._definition(arg, seen)
            if arg not in self._collected:  # a condition shared by many is compiled once
                self._collect(definition, literals, free, seen | {arg}, depth + 1)
                self._collected.add(arg)
        elif name in ("Fn::Not", "Fn::And", "Fn::Or") and isinstance(arg, list):
            for item in arg:
                self._collect(item, literals, free, seen, depth + 1)
        elif name == "Fn::Equals" and isinstance(arg, list) and len(arg) == 2:
            (ka, a), (kb, b) = (self._side(x) for x in arg)
            if ka == "var" and kb == "var":
                atom = _key(arg)
                if atom not in free:
                    free.append(atom)
            for kind, value, other in ((ka, a, (kb, b)), (kb, b, (ka, a))):
                if kind == "var":
                    lits = literals.setdefault(value, set())
                    if other[0] == "lit":
                        lits.add(other[1])
        else:
            raise _Undecidable(name)

    def _side(self, node: Any) -> tuple[str, str]:
        """("lit", text) for a value the template decides, else ("var", key)."""
        if intrinsic(node) is None and isinstance(node, (str, int, float, bool)):
            return "lit", parameters.text(node)
        if not self._deploy_time(node):
            got = self.tpl.value(node)
            if isinstance(got, (str, int, float, bool)):
                return "lit", parameters.text(got)
        return "var", _key(node)

    def _deploy_time(self, node: Any) -> bool:
        for cur in walk(node):
            fn = intrinsic(cur)
            if fn is not None and fn[0] == "Ref" and isinstance(fn[1], str) and (
                    fn[1] in self.tpl.parameters or fn[1] in PSEUDO):
                return True
            if fn is not None and fn[0] in ("Fn::Sub", "Fn::If", "Condition"):
                return True
        return False

    def _domain(self, key: str, literals: set[str]) -> list[Any]:
        param = self._parameter(key)
        if param is None:
            return sorted(literals) + [_OTHER]
        allowed = parameters.allowed_values(param)
        if allowed is not None:
            return list(allowed)
        return sorted(v for v in literals if parameters.admits(param, v)) + [_OTHER]

    def _parameter(self, key: str) -> Any:
        """The parameter's declaration, when the variable is ``Ref`` to one."""
        node = json.loads(key)
        fn = intrinsic(node)
        if fn is None or fn[0] != "Ref" or not isinstance(fn[1], str):
            return None
        return self.tpl.parameters.get(fn[1])

    # -- evaluating -----------------------------------------------------------------------

    def _eval(self, node: Any, env: Mapping[str, Any], atoms: Mapping[str, bool],
              depth: int) -> bool:
        if isinstance(node, bool):
            return node
        fn = intrinsic(node)
        if fn is None or depth > MAX_DEPTH:
            raise _Undecidable("not a condition")
        name, arg = fn
        if name == "Condition":
            if arg not in self._memo:
                self._memo[arg] = self._eval(self.tpl.conditions[arg], env, atoms, depth + 1)
            return self._memo[arg]
        if name == "Fn::Not":
            return not self._eval(arg[0], env, atoms, depth + 1)
        if name == "Fn::And":
            return all(self._eval(a, env, atoms, depth + 1) for a in arg)
        if name == "Fn::Or":
            return any(self._eval(a, env, atoms, depth + 1) for a in arg)
        (ka, a), (kb, b) = (self._side(x) for x in arg)
        if ka == "var" and kb == "var":
            return atoms[_key(arg)]
        va = env[a] if ka == "var" else a
        vb = env[b] if kb == "var" else b
        return va is not _OTHER and va == vb


def _key(node: Any) -> str:
    return json.dumps(node, sort_keys=True, default=str)


def combinations(tpl: Template, names: list[str], base: Mapping[str, bool]
                 ) -> Iterator[dict[str, bool]]:
    """The possible assignments of ``names`` given ``base``; every assignment that agrees
    with ``base`` when the possible ones are not known."""
    got = Scenarios(tpl).possible(names, base)
    if got is not None:
        yield from got
        return
    for mask in range(2 ** len(names)):
        combo = {c: not (mask >> (len(names) - 1 - i)) & 1 for i, c in enumerate(names)}
        if all(base.get(c, v) == v for c, v in combo.items()):
            yield combo


def existence(tpl: Template, res: Mapping[str, Any]) -> bool | None:
    """Whether a resource is created: True in every possible deployment (no ``Condition``, or
    one that always holds), False in none (its ``Condition`` never holds: the resource is never
    created, so nothing about it is ever judged), None when it depends on the deployment (or
    is not known)."""
    name = res.get("Condition")
    if not isinstance(name, str) or name not in tpl.conditions:
        return True  # no condition; an undefined one: CloudFormation refuses the template
    truth = tpl.condition(name)
    if not isinstance(truth, Unknown):
        return truth
    got = Scenarios(tpl).possible([name], {})
    if got is None:
        return None
    values = {combo[name] for combo in got}
    if values == {True}:
        return True
    if True not in values:  # never true (or no deployment at all is possible)
        return False
    return None


def absent_resources(tpl: Template) -> set[str]:
    """Logical IDs of the resources that no deployment creates."""
    return {lid for lid, res in tpl.resources.items()
            if isinstance(res, dict) and isinstance(lid, str) and existence(tpl, res) is False}


def resource_condition(tpl: Template, res: Mapping[str, Any]) -> dict[str, bool]:
    """``{name: True}`` for a resource's ``Condition:`` that holds in some deployments only:
    the resource exists only when it holds, so nothing about it is judged otherwise. Empty
    when it holds in every deployment (the resource is judged as unconditional)."""
    name = res.get("Condition")
    if isinstance(name, str) and existence(tpl, res) is None:
        return {name: True}
    return {}
