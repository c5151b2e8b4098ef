"""The read phase: every unit's facts, from the cache, a process pool, or this process.

Why a module of its own: the engine stays a readable pipeline, and the expensive machinery
(hashing, pickling, processes) is imported only when a run needs it. Small runs (a pre-commit
hook on one file) stay in one process and never import ``multiprocessing``.
"""
from __future__ import annotations

import gc
import os
import pickle
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence

from policylint import discover
from policylint.model import Facts, Location, ParseError, Severity
from policylint.paths import display_path as _display
from policylint.readers import DIRECTORY_UNITS, LocalContext, ReadOptions, Source, Unit, reader_for

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

    from policylint.cache import Dep, FactsCache

UnitSpec = tuple[str, str, list[discover.Found]]  # (kind, key, files)

# A pool pays for itself when there is real parsing to share, decided by the bytes left to read
# (not by the load average: a busy machine's load says nothing about whether this run's second
# worker will find a core). Fork + worker start + shipping facts back costs ~20-40 ms; reading
# costs ~0.5 ms CPU per KB (bench/run.py), so half of 512 KB saves more than the pool costs.
POOL_MIN_UNITS = 2
POOL_MIN_BYTES = 512 * 1024
BATCH_BYTES = 256 * 1024  # small units travel to workers in batches of about this much input
GC_GEN0 = 50_000  # parsers allocate many short-lived containers; fewer gen-0 sweeps pay off


@dataclass(frozen=True)
class Plan:
    """How to run the read phase (from RunOptions and the unit count)."""

    root: str
    cwd: str
    options: ReadOptions
    jobs: int
    use_cache: bool
    progress: Callable[[int, int], None] | None = None


def default_jobs(requested: int | None) -> int:
    """``--jobs N`` as given; 0 or None means one worker per usable core (the CPUs this process
    may run on, ``os.sched_getaffinity``). Whether the pool starts at all is decided per run by
    the bytes to read (``_use_pool``)."""
    if requested is not None and requested > 0:
        return requested
    return usable_cores()


def usable_cores() -> int:
    try:
        return max(len(os.sched_getaffinity(0)), 1)  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return max(os.cpu_count() or 1, 1)


@contextmanager
def tuned_gc() -> Iterator[None]:
    """Raise the gen-0 threshold while parsing, restore it afterwards."""
    old = gc.get_threshold()
    gc.set_threshold(max(old[0], GC_GEN0), old[1], old[2])
    try:
        yield
    finally:
        gc.set_threshold(*old)


def crash_text(exc: BaseException) -> str:
    import traceback  # only after a crash: it costs ~3 ms (textwrap) on every run otherwise

    tb = traceback.extract_tb(exc.__traceback__)
    where = f" ({os.path.basename(tb[-1].filename)}:{tb[-1].lineno})" if tb else ""
    return f"{type(exc).__name__}: {exc}{where}"


# --- reading one unit ----------------------------------------------------------------------------------

def build_units(found: Iterable[discover.Found], cwd: str) -> list[tuple[str, str, list[discover.Found]]]:
    """(kind, key, files): one unit per Terraform folder, one per file otherwise."""
    groups: dict[tuple[str, str], list[discover.Found]] = {}
    for f in found:
        if f.kind in DIRECTORY_UNITS:
            key = _display(os.path.dirname(os.path.abspath(f.path)), cwd)
        else:
            key = _display(os.path.abspath(f.path), cwd)
        groups.setdefault((f.kind, key), []).append(f)
    return [(kind, key, files) for (kind, key), files in sorted(groups.items())]


def read_unit(kind: str, key: str, files: list[discover.Found], root: str, cwd: str,
              ropts: ReadOptions, overlay: dict[str, bytes] | None = None,
              ctx: LocalContext | None = None) -> Facts:
    """Read one unit. Pure apart from reading its own files (and, through the context, files
    it references inside ``root``). Never raises: problems become PL001 or PL000."""
    facts = Facts()
    sources: list[Source] = []
    for f in files:
        path = _display(os.path.abspath(f.path), cwd)
        facts.files.append(path)
        if f.size > ropts.max_file_size and kind != discover.MANIFEST:
            facts.errors.append(ParseError(
                f"file skipped: {f.size} bytes is over the size limit of {ropts.max_file_size} "
                "(max-file-size)", Location(path, 1, 1), Severity.NOTE))
            continue
        try:
            if overlay is not None and os.path.abspath(f.path) in overlay:
                data = overlay[os.path.abspath(f.path)]  # --fix verification: edited bytes
            elif kind == discover.MANIFEST:
                data = b""  # manifests are streamed by their reader from abspath
            else:
                with open(f.path, "rb") as fh:
                    data = fh.read(ropts.max_file_size + 1)
        except OSError as exc:
            facts.errors.append(ParseError(f"cannot read: {exc.strerror or exc}",
                                           Location(path, 1, 1)))
            continue
        sources.append(Source(path, os.path.abspath(f.path), data, kind, f.size))
    if not sources:
        return facts
    read = reader_for(kind)
    if read is None:
        return facts
    if ctx is None:  # the read phase passes a recording context when it caches
        ctx = LocalContext(root=root, options=ropts, display_fn=lambda p: _display(p, cwd),
                           overlay=overlay)
    unit = Unit(kind, key, tuple(sources))
    try:
        got = read(unit, ctx)
    except RecursionError:
        facts.errors.append(ParseError("input nested too deeply to analyse",
                                       Location(sources[0].path, 1, 1)))
        return facts
    except MemoryError:
        facts.errors.append(ParseError("input too large to analyse in memory",
                                       Location(sources[0].path, 1, 1)))
        return facts
    except Exception as exc:  # a reader bug must not stop the run
        facts.errors.append(ParseError(f"reader for {kind} crashed: {crash_text(exc)}",
                                       Location(sources[0].path, 1, 1), crashed=True))
        return facts
    assert isinstance(got, Facts)
    got.files = sorted(set(got.files) | set(facts.files))
    got.errors = facts.errors + got.errors
    return got


def _context(plan_root: str, cwd: str, options: ReadOptions, recording: bool,
             overlay: dict[str, bytes] | None = None) -> LocalContext:
    if recording:
        from policylint.cache import RecordingContext

        return RecordingContext(root=plan_root, options=options,
                                display_fn=lambda p: _display(p, cwd))
    return LocalContext(root=plan_root, options=options, display_fn=lambda p: _display(p, cwd),
                        overlay=overlay)


def read_one(unit: UnitSpec, root: str, cwd: str, options: ReadOptions,
             recording: bool) -> tuple[Facts, list[Dep]]:
    """One unit's facts and what its reader loaded through the context (with digests when
    ``recording`` for the cache; else the paths it loaded, with empty digests)."""
    kind, key, files = unit
    ctx = _context(root, cwd, options, recording)
    facts = read_unit(kind, key, files, root, cwd, options, ctx=ctx)
    deps: list[Dep] = list(getattr(ctx, "deps", None) or [("load", p, "") for p in ctx.loaded])
    return facts, deps


UnitId = tuple[str, str, tuple[str, ...]]  # kind, key, absolute paths of its files


@dataclass
class Reads:
    """One run's reading, kept for ``--fix`` verification: the walk, and each unit's facts with
    every file it read (its own, and those its reader loaded: child modules, documents,
    templates). A re-lint over edited bytes re-reads only the units that read an edited file."""

    walk: discover.Walk
    units: dict[UnitId, tuple[Facts, frozenset[str]]]

    def reusable(self, unit: UnitSpec, edited: frozenset[str]) -> Facts | None:
        got = self.units.get(unit_id(unit))
        if got is None or got[1] & edited:
            return None
        return got[0]


def unit_id(unit: UnitSpec) -> UnitId:
    kind, key, files = unit
    return kind, key, tuple(os.path.abspath(f.path) for f in files)


def _read_set(unit: UnitSpec, deps: Iterable[Dep]) -> frozenset[str]:
    own = {os.path.abspath(f.path) for f in unit[2]}
    return frozenset(own | {os.path.abspath(path) for op, path, _ in deps if op == "load"})


def read_all(units: Sequence[UnitSpec], plan: Plan, overlay: dict[str, bytes] | None = None,
             prior: Reads | None = None, *, keep: bool = True,
             ) -> tuple[list[Facts], dict[UnitId, tuple[Facts, frozenset[str]]]]:
    """Every unit's facts in unit order, and what each read: through the cache and a process
    pool, or, when an overlay (fix verification) must be read instead of the disk, in this
    process, re-reading only the units of ``prior`` that read an overlaid file. ``keep=False``:
    what each unit read is not gathered (only ``--fix``, ``--diff`` and SARIF fixes need it)."""
    if overlay is None:
        if not keep:
            return read_units(units, plan), {}
        record: list[frozenset[str]] = []
        facts = read_units(units, plan, record)
        return facts, {unit_id(u): (f, r) for u, f, r in zip(units, facts, record)}
    edited = frozenset(os.path.abspath(p) for p in overlay)
    out = []
    reads: dict[UnitId, tuple[Facts, frozenset[str]]] = {}
    done, total = 0, _files(units)
    for unit in units:
        kind, key, files = unit
        got = prior.reusable(unit, edited) if prior is not None else None
        if got is not None:
            reads[unit_id(unit)] = prior.units[unit_id(unit)]  # type: ignore[union-attr]
        else:
            ctx = _context(plan.root, plan.cwd, plan.options, False, overlay)
            got = read_unit(kind, key, files, plan.root, plan.cwd, plan.options,
                            overlay=overlay, ctx=ctx)
            reads[unit_id(unit)] = (got, _read_set(unit, [("load", p, "") for p in ctx.loaded]))
        out.append(got)
        done += max(len(files), 1)
        _tick(plan, done, total)
    return out, reads


def read_units(units: Sequence[UnitSpec], plan: Plan,
               record: list[frozenset[str]] | None = None) -> list[Facts]:
    """Facts of every unit, in the order of ``units``; ``record`` (when given) receives, unit
    by unit, the absolute paths each read."""
    results: list[Facts | None] = [None] * len(units)
    cache = _open_cache(plan) if plan.use_cache else None
    keys: list[str | None] = [None] * len(units)
    deps: list[Iterable[Dep]] = [()] * len(units)
    todo: list[int] = []
    done = 0
    total = _files(units)
    for i, unit in enumerate(units):
        hit = None
        if cache is not None:
            keys[i] = _unit_key(cache, unit)
            if keys[i] is not None:
                hit = _lookup(cache, keys[i], plan)  # type: ignore[arg-type]
                if hit is not None and record is not None:
                    deps[i] = cache.entries[keys[i]].deps  # type: ignore[index]
        if hit is None:
            todo.append(i)
            continue
        results[i] = hit
        done += max(len(unit[2]), 1)
        _tick(plan, done, total)
    with tuned_gc():
        for i, facts, blob, got in _read_missing(units, todo, plan, cache is not None):
            results[i] = facts
            deps[i] = got
            if cache is not None and keys[i] is not None and blob is not None:
                cache.put(keys[i], blob, got)  # type: ignore[arg-type]
            done += max(len(units[i][2]), 1)
            _tick(plan, done, total)
    if cache is not None:
        cache.save()
    if record is not None:
        record[:] = [_read_set(u, d) for u, d in zip(units, deps)]
    return [r if r is not None else Facts() for r in results]


def _files(units: Sequence[UnitSpec]) -> int:
    """What the progress bar counts: files (a Terraform module is one unit of many files)."""
    return sum(max(len(files), 1) for _, _, files in units)


def _tick(plan: Plan, done: int, total: int) -> None:
    if plan.progress is not None:
        plan.progress(done, total)


def _open_cache(plan: Plan) -> FactsCache | None:
    try:
        from dataclasses import astuple

        from policylint.cache import open_cache

        return open_cache(plan.root, [repr(astuple(plan.options)), plan.root, plan.cwd])
    except Exception:  # the cache is an optimisation: a run never fails because of it
        return None


def _unit_key(cache: FactsCache, unit: UnitSpec) -> str | None:
    kind, key, files = unit
    # display paths are a function of (absolute path, working directory), and the working
    # directory is in the cache's salt: no relpath per file on the warm path
    return cache.unit_key(kind, key, [(os.path.abspath(f.path), f.size) for f in files])


def _lookup(cache: FactsCache, key: str, plan: Plan) -> Facts | None:
    ctx = _context(plan.root, plan.cwd, plan.options, recording=False)
    try:
        got = cache.get(key, ctx)
    except Exception:
        return None
    return got[0] if got is not None else None


Done = tuple[int, Facts, "bytes | None", "list[Dep]"]


def _read_missing(units: Sequence[UnitSpec], todo: list[int], plan: Plan,
                  caching: bool) -> Iterator[Done]:
    if _use_pool(units, todo, plan):
        yield from _read_pooled(units, todo, plan, caching)
    else:
        yield from _read_serial(units, todo, plan, caching)


def _unit_bytes(unit: UnitSpec) -> int:
    return sum(f.size for f in unit[2])


def _use_pool(units: Sequence[UnitSpec], todo: list[int], plan: Plan) -> bool:
    if plan.jobs < 2 or len(todo) < POOL_MIN_UNITS:
        return False
    return sum(_unit_bytes(units[i]) for i in todo) >= POOL_MIN_BYTES


def _read_serial(units: Sequence[UnitSpec], todo: list[int], plan: Plan,
                 caching: bool) -> Iterator[Done]:
    for i in todo:
        facts, deps = read_one(units[i], plan.root, plan.cwd, plan.options, caching)
        yield i, facts, _dump(facts) if caching else None, deps


def _dump(facts: Facts) -> bytes | None:
    try:
        return pickle.dumps(facts, protocol=5)
    except Exception:  # a reader put something unpicklable in its facts: just do not cache it
        return None


# --- the pool -----------------------------------------------------------------------------------

_WORKER: dict[str, object] = {}


def _init_worker(root: str, cwd: str, options: ReadOptions, caching: bool) -> None:
    import signal

    # Ctrl-C reaches the whole process group: the parent alone answers it (and ends the
    # workers); a worker that raised KeyboardInterrupt would leave the pool waiting for it
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.set_threshold(max(gc.get_threshold()[0], GC_GEN0))
    _WORKER.update(root=root, cwd=cwd, options=options, caching=caching)


def _work(batch: list[tuple[int, UnitSpec]]) -> list[tuple[int, bytes, list[Dep]]]:
    """Runs in a worker: read a batch, return pickled facts (pickled once, here, for both the
    trip back and the cache)."""
    out = []
    for i, unit in batch:
        facts, deps = read_one(unit, str(_WORKER["root"]), str(_WORKER["cwd"]),
                               _WORKER["options"], bool(_WORKER["caching"]))  # type: ignore[arg-type]
        blob = _dump(facts)
        if blob is None:  # cannot travel pickled: report it instead of losing it silently
            facts = Facts(files=facts.files, errors=facts.errors)
            blob = pickle.dumps(facts, protocol=5)
        out.append((i, blob, deps))
    return out


def batches(units: Sequence[UnitSpec], todo: list[int], jobs: int) -> list[list[int]]:
    """Largest units first (so the pool does not end on one big file), small ones grouped so
    that a batch carries about BATCH_BYTES of input; at least ``4 × jobs`` batches."""
    order = sorted(todo, key=lambda i: (-_unit_bytes(units[i]), i))
    total = sum(_unit_bytes(units[i]) for i in order)
    target = max(min(BATCH_BYTES, total // max(4 * jobs, 1)), 1)
    out: list[list[int]] = []
    current: list[int] = []
    size = 0
    for i in order:
        current.append(i)
        size += _unit_bytes(units[i])
        if size >= target or len(current) >= 64:
            out.append(current)
            current, size = [], 0
    if current:
        out.append(current)
    return out


def _mp_context() -> BaseContext:
    import multiprocessing

    if sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")  # no re-import of policylint per worker
    return multiprocessing.get_context()


def stop_pool(pool: Any) -> None:
    """End a pool at once: cancel what has not started and kill the workers, instead of
    waiting for their batches (an interrupted run must end within a second)."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.join(1)


def _read_pooled(units: Sequence[UnitSpec], todo: list[int], plan: Plan,
                 caching: bool) -> Iterator[Done]:
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    for kind in sorted({units[i][0] for i in todo}):
        reader_for(kind)  # import readers once, before the fork, so workers inherit them
    groups = batches(units, todo, plan.jobs)
    left = set(todo)
    gc.freeze()  # parent objects stay out of the workers' collections (fewer copied pages)
    try:
        pool = ProcessPoolExecutor(max_workers=min(plan.jobs, len(groups)),
                                   mp_context=_mp_context(), initializer=_init_worker,
                                   initargs=(plan.root, plan.cwd, plan.options, caching))
        try:
            futures = [pool.submit(_work, [(i, units[i]) for i in g]) for g in groups]
            for fut in as_completed(futures):
                for i, blob, deps in fut.result():
                    left.discard(i)
                    yield i, pickle.loads(blob), blob if caching else None, deps
        except BaseException:  # Ctrl-C (or the consumer gave up): end the workers now
            stop_pool(pool)
            raise
        pool.shutdown()
    except (BrokenProcessPool, OSError, pickle.PickleError):
        pass  # a worker died (out of memory?) or no processes: finish in this process
    finally:
        gc.unfreeze()
    if left:
        yield from _read_serial(units, sorted(left), plan, caching)
