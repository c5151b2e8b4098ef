"""Bind values that code reads at run time to the infrastructure that runs the code.

A labeling use or CORS source whose bucket is ``model.Bound`` (``os.environ["X"]``,
``process.env.X``) inside the code of a function the scan defines (``Facts.functions``: a CDK
Lambda whose ``code`` is a scanned folder) takes the bucket that function's environment gives
``X``. A value no function binds stays Unknown (PL102), never a guess.
"""
from __future__ import annotations

from dataclasses import replace

from policylint.model import Bound, BucketRef, CodeFunction, Facts


def _key(value: Bound) -> tuple[str, str] | None:
    if value.source == "env" and len(value.path) == 1:
        return "env", value.path[0]
    return None


def _runs(fn: CodeFunction, path: str) -> bool:
    code = fn.code.rstrip("/")
    return code in ("", ".") or path == code or path.startswith(code + "/")


def _bind(ref: BucketRef | None, path: str,
          functions: list[CodeFunction]) -> tuple[BucketRef, str] | None:
    if ref is None or not isinstance(ref.name, Bound):
        return None
    key = _key(ref.name)
    if key is None:
        return None
    found = [(fn, b) for fn in functions if _runs(fn, path)
             for b in fn.bindings if (b[0], b[1]) == key]
    if len(found) != 1:  # none, or two functions setting it differently: not guessed
        return None
    fn, (_src, name, bound_ref, where) = found[0]
    return bound_ref, f"{name} set by {fn.address} at {where}"


def bind(facts: Facts) -> Facts:
    """``facts`` with the Bound buckets that a scanned function binds resolved (a copy; the
    given facts are left as they are)."""
    if not facts.functions:
        return facts
    facts = replace(facts)
    uses = []
    for u in facts.uses:
        got = _bind(u.target, u.location.path, facts.functions)
        uses.append(u if got is None else replace(
            u, target=got[0], evidence=f"{u.evidence} ({got[1]})"))
    facts.uses = uses
    cors = []
    for c in facts.cors:
        got = _bind(c.target, c.location.path, facts.functions)
        cors.append(c if got is None else replace(c, target=got[0]))
    facts.cors = cors
    return facts
