"""Value types the Terraform evaluator passes around, beyond plain Python data.

Plain values are str, int, float, bool, None, list and dict. These subclasses carry provenance
that facts need (which bucket a name came from, which file or heredoc a text came from, the
structure behind a ``jsonencode`` result) without changing how the value behaves.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from policylint.model import Unknown

# Reason of values that only a module's caller can set: facts depending on them are left to the
# caller's instance of the module when the module is read on its own (see __init__.py).
MISSING_INPUT = "is set by the module's caller"


class Tracked(str):
    """A string that is a bucket's name or ARN, with the bucket's identity."""

    identity: str = ""
    address: str = ""

    @staticmethod
    def of(text: str, identity: str, address: str) -> Tracked:
        t = Tracked(text)
        t.identity = identity
        t.address = address
        return t


@dataclass(frozen=True)
class UnknownRef(Unknown):
    """An unknown bucket name that still points at a known bucket (e.g. ``bucket_prefix``)."""

    identity: str = ""
    address: str = ""


@dataclass(frozen=True)
class UnknownChoice(Unknown):
    """One of known values, chosen by a key that is not known statically:
    ``aws_s3_bucket.img[var.which]`` is one of the instances of ``aws_s3_bucket.img``. Attribute
    and index steps apply to every option (``.id`` gives one of the instances' names), so the
    reader can tell which buckets a reference may mean; anything else treats it as the Unknown
    it is. ``options`` never leaves the reader: pickled (cache, process pool), it is a plain
    Unknown with the same reason."""

    options: tuple[Any, ...] = field(default=(), compare=False, hash=False, repr=False)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Unknown, (self.reason,))


class Sourced(str):
    """Text read from a file or heredoc: where line 1 of the text sits in its source."""

    path: str = ""
    line0: int = 0  # lines before the text in its file
    col_shift: int = 0  # indentation stripped from each line (``<<-``)

    @staticmethod
    def of(text: str, path: str, line0: int = 0, col_shift: int = 0) -> Sourced:
        s = Sourced(text)
        s.path, s.line0, s.col_shift = path, line0, col_shift
        return s


class JsonText(str):
    """The result of ``jsonencode``: JSON text that remembers the structure it encodes."""

    structure: Any = None


@dataclass(frozen=True)
class UnknownJson(Unknown):
    """``jsonencode`` of a value with unknown parts: the text is unknown, the structure is not."""

    structure: Any = None


class Lazy:
    """An object whose attributes are evaluated on demand (resource instances, module calls,
    resource types). ``get`` returns the attribute's value or raises ``KeyError``."""

    __slots__ = ("getter", "describe")

    def __init__(self, getter: Callable[[str], Any], describe: str) -> None:
        self.getter = getter
        self.describe = describe

    def get(self, name: str) -> Any:
        return self.getter(name)

    def __repr__(self) -> str:
        return f"Lazy({self.describe})"


def first_unknown(values: Any) -> Unknown | None:
    for v in values:
        if isinstance(v, Unknown):
            return v
    return None
