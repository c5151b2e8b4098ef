"""Verify planned fixes by re-linting the edited bytes in memory, then write them atomically."""
from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass, field, replace
from typing import Any

from policylint.fix import source
from policylint.fix.plan import (
    Planned,
    Refused,
    Target,
    plan,
    targets_for,
)
from policylint.fix.source import SourceFile
from policylint.model import Finding, Unknown

MAX_ROUNDS = 4


@dataclass
class Change:
    """One file's new content and the fixes in it."""

    src: SourceFile
    new: bytes
    fixes: list[Planned] = field(default_factory=list)
    written: bool = False
    error: str | None = None  # why it was not written


@dataclass
class Outcome:
    before: Any  # engine.Result
    after: Any  # engine.Result of the fixed (or would-be fixed) files
    changes: list[Change] = field(default_factory=list)
    fixed: list[Finding] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(c.new != c.src.data for c in self.changes)


def asked_by_name(opts: Any, rules: Any) -> set[str]:
    """The rule codes selected on the command line (by code or name)."""
    from policylint.plugins import resolver

    resolve = resolver(rules)
    return {c for s in getattr(opts, "select", []) or []
            if (c := resolve.get(s.strip().upper()) or resolve.get(s.strip().lower()))}


def _on_request(f: Finding) -> bool:
    return f.target is not None and f.target.on_request


def fix_project(result: Any, config: Any, rules: Any, opts: Any, *, write: bool) -> Outcome:
    asked = asked_by_name(opts, rules)
    waiting = [f for f in result.findings if _on_request(f) and f.rule not in asked]
    held = {id(f) for f in waiting}
    findings = [f for f in result.findings if f.target is not None and id(f) not in held]
    targets, refused = targets_for(findings, result.project)
    refused += [Refused(f, f"{f.rule} is fixed only on request (--select {f.rule})")
                for f in waiting]
    files, planned, more = plan(targets, opts.cwd)
    refused += more
    accepted, after, rejected = verify(result, config, rules, opts, files, planned)
    refused += rejected
    changes = _changes(files, accepted)
    gone = {f.fingerprint for f in result.findings} - {f.fingerprint for f in after.findings}
    outcome = Outcome(result, after, changes,
                      refused=[r for r in refused if r.finding.fingerprint not in gone])
    outcome.fixed = [f for p in accepted for f in p.target.findings]
    outcome.fixed += [r.finding for r in refused if r.finding.fingerprint in gone]
    if write:
        _write_all(outcome, config, rules, opts)
    return outcome


def _write_all(outcome: Outcome, config: Any, rules: Any, opts: Any) -> None:
    """Write every change; a file that could not be written keeps its findings (re-linted from
    the disk, so what is reported as left is what is there)."""
    for ch in outcome.changes:
        ch.error = write_atomic(ch.src, ch.new)
        ch.written = ch.error is None
    failed = [ch for ch in outcome.changes if not ch.written]
    if not failed:
        return
    written = {ch.src.abspath: ch.new for ch in outcome.changes if ch.written}
    outcome.after = relint(config, rules, opts, written, outcome.before.reads)
    lost = [(f, ch.error or "not written") for ch in failed for p in ch.fixes
            for f in p.target.findings]
    outcome.refused += [Refused(f, why) for f, why in lost]
    lost_ids = {id(f) for f, _ in lost}
    outcome.fixed = [f for f in outcome.fixed if id(f) not in lost_ids]


def _changes(files: dict[str, SourceFile], accepted: list[Planned]) -> list[Change]:
    by_path: dict[str, list[Planned]] = {}
    for p in accepted:
        by_path.setdefault(p.target.path, []).append(p)
    out = []
    for path, fixes in sorted(by_path.items()):
        src = files[path]
        edits = [e for p in fixes for e in p.edits]
        out.append(Change(src, source.apply(src, edits), fixes))
    return out


def relint(config: Any, rules: Any, opts: Any, overlay: dict[str, bytes],
           reuse: Any = None) -> Any:
    """The lint over ``overlay``'s bytes; with ``reuse`` (an earlier Result's ``reads``) only
    the units that read an overlaid file are read again, the rest is taken from it."""
    from policylint import engine

    ropts = replace(opts, overlay=dict(overlay), use_cache=False, jobs=1, progress=None,
                    reuse=reuse)
    return engine.run(config, rules, ropts)


def verify(result: Any, config: Any, rules: Any, opts: Any, files: dict[str, SourceFile],
           planned: list[Planned]) -> tuple[list[Planned], Any, list[Refused]]:
    """Keep the fixes whose edits remove their findings and add none, re-linting until stable."""
    accepted = list(planned)
    rejected: list[Refused] = []
    before = {f.fingerprint for f in result.findings}
    after = result
    for _ in range(MAX_ROUNDS):
        if not accepted:
            return [], result, rejected
        overlay = {}
        bad: dict[int, str] = {}
        for ch in _changes_safe(files, accepted, bad):
            overlay[ch.src.abspath] = ch.new
        after = relint(config, rules, opts, overlay, result.reads) if overlay else result
        now = {f.fingerprint: f for f in after.findings}
        new = [f for fp, f in now.items() if fp not in before]
        for i, p in enumerate(accepted):
            if i in bad:
                continue
            left = [f for f in p.target.findings if f.fingerprint in now]
            if left:
                bad[i] = f"the edit would not remove {left[0].rule} (not written)"
                continue
            if not rule_present(after.project, p.target):
                bad[i] = ("after the edit the bucket's CORS would not read as the new rule "
                          "(not written)")
                continue
            blame = [f for f in new if _touches(f, p)]
            if blame or (new and not any(_touches(f, q) for f in new for q in accepted)):
                g = (blame or new)[0]
                bad[i] = (f"the edit would add {g.rule} at {g.location} (not written): "
                          f"{g.message}")
        if not bad:
            return accepted, after, rejected
        rejected += [Refused(f, why) for i, why in bad.items() for f in accepted[i].target.findings]
        accepted = [p for i, p in enumerate(accepted) if i not in bad]
    return accepted, after, rejected


def _values(values: object) -> set[str]:
    if not isinstance(values, tuple):
        return set()
    return {v.lower() for v in values if isinstance(v, str)}


def rule_present(project: Any, target: Target) -> bool:
    """The edited bucket now carries a rule with everything the fix added: a finding that went
    away because the edit broke the configuration (so the rules read differently) is no fix."""
    old = target.lb
    for lb in project.buckets:
        same = (lb.bucket.identity == old.bucket.identity if old.bucket is not None
                and lb.bucket is not None else old.bucket is None and lb.name == old.name)
        if not same:
            continue
        for c in lb.cors:
            if isinstance(c.rules, Unknown):
                continue
            for r in c.rules:
                if all({v.lower() for v in want} <= _values(got) for want, got in (
                        (target.needed.methods, r.methods), (target.needed.origins, r.origins),
                        (target.needed.allowed_headers, r.allowed_headers),
                        (target.needed.expose_headers, r.expose_headers))):
                    return True
    return False


def _changes_safe(files: dict[str, SourceFile], accepted: list[Planned],
                  bad: dict[int, str]) -> list[Change]:
    """Changes per file; a fix whose edits overlap another's is set aside."""
    by_path: dict[str, list[tuple[int, Planned]]] = {}
    for i, p in enumerate(accepted):
        by_path.setdefault(p.target.path, []).append((i, p))
    out = []
    for path, items in by_path.items():
        src = files[path]
        keep: list[Planned] = []
        for i, p in items:
            try:
                source.apply(src, [e for q in keep + [p] for e in q.edits])
            except ValueError:
                bad[i] = "its edit overlaps another fix in the same file (run --fix again)"
                continue
            keep.append(p)
        if keep:
            out.append(Change(src, source.apply(src, [e for q in keep for e in q.edits]), keep))
    return out


def _touches(f: Finding, p: Planned) -> bool:
    paths = {f.location.path} | {r.location.path for r in f.related}
    return p.target.path in paths or (f.subject == p.target.lb.subject)


def write_atomic(src: SourceFile, new: bytes) -> str | None:
    """Write ``new`` over the file through a temporary file and a rename, refusing a file that
    changed since it was read. Returns why it was not written, or None."""
    try:
        with open(src.abspath, "rb") as fh:
            current = fh.read()
        st = os.stat(src.abspath)
    except OSError as exc:
        return f"cannot read {src.path} again: {exc.strerror or exc}"
    if hashlib.sha256(current).hexdigest() != src.digest or (
            src.mtime_ns and st.st_mtime_ns != src.mtime_ns and current != src.data):
        return f"{src.path} changed since it was read: not written (run --fix again)"
    folder = os.path.dirname(src.abspath)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(src.abspath)}.", suffix=".tmp",
                                   dir=folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(new)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, st.st_mode & 0o7777)
            os.replace(tmp, src.abspath)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError as exc:
        return f"cannot write {src.path}: {exc.strerror or exc}"
    return None
