"""Which values a template parameter can take at deploy time.

A deployment passes a value for a parameter, or leaves it out and gets its ``Default``. So a
``Default`` makes no other value impossible: every value that the parameter's constraints
admit can be passed, and a condition over the parameter is judged both ways (the default
deployment is one scenario among the possible ones, never the only one). What makes a value
impossible is a constraint that CloudFormation checks before it creates anything (a stack whose
parameter breaks one is not created):

* ``AllowedValues``: the value is one of them; a single allowed value fixes the parameter;
* ``AllowedPattern`` (matching the whole value; Java syntax, read with RE2: a pattern RE2
  cannot compile constrains nothing here), ``MinLength``, ``MaxLength``;
* ``Type: Number``: the value is a number, within ``MinValue``/``MaxValue``.

Only single-value parameters are constrained: list types (``List<...>``,
``CommaDelimitedList``) hold lists, and a Systems Manager type
(``AWS::SSM::Parameter::Value<...>``) resolves to what Parameter Store holds at deploy time,
which the template does not constrain. A ``Default`` outside the constraints adds no value
either: a deployment that keeps it is refused.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

MAX_PATTERN = 2_000  # characters of an AllowedPattern that is read


def constrained(param: Any) -> bool:
    """Whether the parameter holds one value that its constraints apply to."""
    if not isinstance(param, dict):
        return False
    ptype = param.get("Type", "String")
    if not isinstance(ptype, str):
        return False
    return not ptype.startswith(("List<", "CommaDelimitedList", "AWS::SSM::Parameter::"))


def allowed_values(param: Any) -> list[str] | None:
    """The values the parameter can take, as text, when ``AllowedValues`` lists them (those
    that break another constraint left out, unless that would leave none: the other
    constraint is then the one not read right); None when the values are not listed."""
    if not constrained(param):
        return None
    allowed = param.get("AllowedValues")
    if not isinstance(allowed, list) or not allowed or not all(
            isinstance(v, (str, int, float, bool)) for v in allowed):
        return None
    texts = sorted({text(v) for v in allowed})
    kept = [v for v in texts if admits(param, v, listed=False)]
    return kept or texts


def fixed_value(param: Any) -> str | None:
    """The one value a parameter with a single allowed value takes, else None."""
    values = allowed_values(param)
    return values[0] if values is not None and len(values) == 1 else None


def admits(param: Any, value: str, listed: bool = True) -> bool:
    """Whether a deployment can pass ``value`` for the parameter (``listed``: AllowedValues
    counts too). True when not known: only a constraint that is read rules a value out."""
    if not constrained(param):
        return True
    if listed:
        values = allowed_values(param)
        if values is not None:  # the other constraints are already applied to the list
            return value in values
    if param.get("Type", "String") == "Number" and not _number_admits(param, value):
        return False
    for key, ok in (("MinLength", lambda n: len(value) >= n),
                    ("MaxLength", lambda n: len(value) <= n)):
        bound = _int(param.get(key))
        if bound is not None and not ok(bound):
            return False
    pattern = param.get("AllowedPattern")
    if isinstance(pattern, str):
        compiled = _compile(pattern)
        if compiled is not None and compiled.fullmatch(value) is None:
            return False
    return True


def text(value: Any) -> str:
    """A scalar as CloudFormation compares it (booleans in lower case)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _number_admits(param: dict[str, Any], value: str) -> bool:
    try:
        number = float(value)
    except ValueError:
        return False
    low, high = _float(param.get("MinValue")), _float(param.get("MaxValue"))
    return (low is None or number >= low) and (high is None or number <= high)


def _int(v: Any) -> int | None:
    if isinstance(v, bool):
        return None
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def _float(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


@lru_cache(maxsize=256)
def _compile(pattern: str) -> Any:
    """The pattern compiled by RE2 (linear time, whatever the template holds), or None."""
    if len(pattern) > MAX_PATTERN:
        return None
    try:
        import re2
    except ImportError:  # pragma: no cover - a runtime dependency; a broken install only
        return None
    options = re2.Options()
    options.log_errors = False
    options.max_mem = 8 << 20
    try:
        return re2.compile(pattern, options=options)
    except re2.error:
        return None
