"""Helpers for the cache and pool tests: count reads, register a fake reader."""
from __future__ import annotations

import sys
import types

import pytest

from policylint import readers, readphase
from policylint.model import Bucket, Facts, Format, Location


def counting_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the key of every unit actually read (not served by the cache) in this process."""
    seen: list[str] = []
    real = readphase.read_one

    def spy(unit: readphase.UnitSpec, *args: object, **kwargs: object) -> object:
        seen.append(unit[1])
        return real(unit, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(readphase, "read_one", spy)
    return seen


def _fake_read(unit: readers.Unit, ctx: readers.Context) -> Facts:
    """A reader whose bucket name comes from another file, loaded through the context."""
    import os

    facts = Facts()
    for src in unit.sources:
        facts.files.append(src.path)
        other = os.path.join(os.path.dirname(src.abspath), src.data.decode().strip())
        data = ctx.load(other)
        name = data.decode() if data is not None else "<missing>"
        facts.buckets.append(Bucket(f"{src.path}#b", "b", name, Location(src.path, 1, 1),
                                    Format.CONFIG))
    return facts


def fake_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    mod = types.ModuleType("policylint_fake_reader")
    mod.read = _fake_read  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, mod.__name__, mod)
    monkeypatch.setitem(readers.READERS, "fake", mod.__name__)
    monkeypatch.setitem(readers._cache, mod.__name__, mod)
