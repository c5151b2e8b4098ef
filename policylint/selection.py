"""Which rules run and which findings are kept: ``--select``/``--ignore`` and the config's
``select``/``ignore``, resolved once per run against the loaded rules."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from policylint.errors import UsageError
from policylint.model import Finding


@dataclass(frozen=True)
class Selection:
    resolve: dict[str, str]  # code or name (upper/lower) -> code
    select: frozenset[str]  # empty: every rule
    ignore: frozenset[str]

    def wants(self, code: str) -> bool:
        return (not self.select or code in self.select) and code not in self.ignore

    def keep(self, findings: Iterable[Finding]) -> list[Finding]:
        return [f for f in findings if self.wants(f.rule)]


def selection(resolve: dict[str, str], select: Iterable[str], ignore: Iterable[str]) -> Selection:
    return Selection(resolve, frozenset(codes(select, resolve)), frozenset(codes(ignore, resolve)))


def codes(items: Iterable[str], resolve: dict[str, str]) -> set[str]:
    out: set[str] = set()
    for item in items:
        out |= expand(item, resolve)
    return out


def expand(item: str, resolve: dict[str, str]) -> set[str]:
    """A code, a name, or a code prefix (PL1 → PL100..PL199, ALL)."""
    key = item.strip()
    if key.upper() == "ALL":
        return set(resolve.values())
    if key.upper() in resolve:
        return {resolve[key.upper()]}
    if key.lower() in resolve:
        return {resolve[key.lower()]}
    if key.upper().startswith("PL"):
        got = {c for c in resolve.values() if c.startswith(key.upper())}
        if got:
            return got
    raise UsageError(f"unknown rule '{item}' (see policylint --list-rules)")


def validate_codes(items: Iterable[str], resolve: dict[str, str]) -> None:
    for item in items:
        expand(item, resolve)
