"""The read phase's process pool: same facts as one process, in the same order; used only for
many units; survives a dying worker; reports progress as results arrive."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import json_findings, write_tree
from perf_support import counting_reads

from policylint import discover, readphase
from policylint.engine import build_units

GOOD = '{"CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]}\n'


def _bad(i: int) -> str:
    return ('{"CORSRules": [\n' + "  " * (i % 3 + 1) +
            '{"AllowedMethods": ["GET", "FETCH"], "AllowedOrigins": ["*"]}\n]}\n')


def _tree(repo: Path, n: int) -> list[readphase.UnitSpec]:
    write_tree(repo, {f"d{i % 4}/c{i:03d}.json": (_bad(i) if i % 5 == 0 else GOOD)
                      for i in range(n)})
    walker = discover.Walker(str(repo), [])
    walker.walk(str(repo))
    return build_units(walker.result.files, str(repo))


def _plan(repo: Path, jobs: int, progress: object = None) -> readphase.Plan:
    return readphase.Plan(str(repo), str(repo), readphase.ReadOptions(), jobs, False,
                          progress)  # type: ignore[arg-type]


@pytest.fixture
def eager_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """Use the pool for any run of two or more units."""
    monkeypatch.setattr(readphase, "POOL_MIN_UNITS", 2)
    monkeypatch.setattr(readphase, "POOL_MIN_BYTES", 0)


def test_pool_gives_the_same_facts_in_the_same_order(repo: Path, eager_pool: None) -> None:
    units = _tree(repo, 30)
    serial = readphase.read_units(units, _plan(repo, 1))
    pooled = readphase.read_units(units, _plan(repo, 2))
    assert pooled == serial
    assert [f.files for f in pooled] == [[u[1]] for u in units]
    assert [p.location.line for f in pooled for c in f.cors for p in c.problems] == \
        [(2) for i in range(30) if i % 5 == 0]


def test_pool_findings_equal_single_process_findings(repo: Path, eager_pool: None) -> None:
    _tree(repo, 12)
    expected = [("PL200", f"d{i % 4}/c{i:03d}.json", 2, 30 + 2 * (i % 3)) for i in (0, 5, 10)]
    assert json_findings(["--no-cache", "--jobs", "2", "."], repo) == sorted(expected)
    assert json_findings(["--no-cache", "--jobs", "1", "."], repo) == sorted(expected)


def test_small_runs_stay_in_this_process(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool(*args: object) -> None:
        raise AssertionError("pool used for a small run")

    monkeypatch.setattr(readphase, "_read_pooled", no_pool)
    units = _tree(repo, 5)
    got = readphase.read_units(units, _plan(repo, 2))
    assert [f.files for f in got] == [[u[1]] for u in units]


def test_jobs_one_never_uses_the_pool(repo: Path, eager_pool: None,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    units = _tree(repo, 8)
    reads = counting_reads(monkeypatch)  # only sees reads in this process
    readphase.read_units(units, _plan(repo, 1))
    assert reads == [u[1] for u in units]


def _die(batch: object) -> object:
    os._exit(3)


def test_a_dying_worker_falls_back_to_this_process(repo: Path, eager_pool: None,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    units = _tree(repo, 10)
    expected = readphase.read_units(units, _plan(repo, 1))
    monkeypatch.setattr(readphase, "_work", _die)
    assert readphase.read_units(units, _plan(repo, 2)) == expected


def test_progress_counts_every_unit_with_the_pool(repo: Path, eager_pool: None) -> None:
    units = _tree(repo, 20)
    calls: list[tuple[int, int]] = []
    readphase.read_units(units, _plan(repo, 2, lambda d, t: calls.append((d, t))))
    assert calls == [(i, 20) for i in range(1, 21)]


def test_progress_counts_cache_hits_too(repo: Path) -> None:
    units = _tree(repo, 3)
    plan = readphase.Plan(str(repo), str(repo), readphase.ReadOptions(), 1, True)
    readphase.read_units(units, plan)
    calls: list[tuple[int, int]] = []
    plan = readphase.Plan(str(repo), str(repo), readphase.ReadOptions(), 1, True,
                          lambda d, t: calls.append((d, t)))
    readphase.read_units(units, plan)
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_batches_put_big_units_first_and_cover_everything() -> None:
    def unit(name: str, size: int) -> readphase.UnitSpec:
        return ("cors", name, [discover.Found(name, "cors", size)])

    units = [unit("a", 10), unit("b", 5_000_000), unit("c", 20), unit("d", 3_000_000)]
    got = readphase.batches(units, [0, 1, 2, 3], jobs=2)
    assert got == [[1], [3], [2, 0]]


def test_default_jobs_is_the_usable_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 2, 5}, raising=False)
    assert readphase.usable_cores() == 3
    assert (readphase.default_jobs(None), readphase.default_jobs(0)) == (3, 3)
    assert readphase.default_jobs(7) == 7  # as asked
    monkeypatch.setattr(os, "getloadavg", lambda: (9.0, 9.0, 9.0))  # the load plays no part
    assert readphase.default_jobs(None) == 3


def _sized(n: int, size: int) -> list[readphase.UnitSpec]:
    return [("cors", f"c{i}", [discover.Found(f"c{i}", "cors", size)]) for i in range(n)]


def test_pool_starts_by_bytes_to_read() -> None:
    plan = readphase.Plan("/r", "/r", readphase.ReadOptions(), 2, False)
    need = readphase.POOL_MIN_BYTES
    assert readphase._use_pool(_sized(2, need // 2), [0, 1], plan)  # two big units: worth it
    assert not readphase._use_pool(_sized(400, need // 400 - 1), list(range(400)), plan)
    assert not readphase._use_pool(_sized(1, need * 10), [0], plan)  # one unit: nothing to share
    one = readphase.Plan("/r", "/r", readphase.ReadOptions(), 1, False)
    assert not readphase._use_pool(_sized(2, need), [0, 1], one)


def test_help_names_the_default_jobs(capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from policylint.cli import build_parser

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    text = " ".join(build_parser().format_help().split())
    assert "(default: the usable CPU cores, here 3; a pool starts only for at least 512 KB" in text


def test_gc_threshold_is_restored() -> None:
    import gc

    before = gc.get_threshold()
    with readphase.tuned_gc():
        assert gc.get_threshold()[0] >= readphase.GC_GEN0
    assert gc.get_threshold() == before
