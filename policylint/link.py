"""Decide which unit reports each fact, then bind every CORS configuration and labeling use to
a bucket, across files and formats.

Ownership (``owned``) is decided here, once every unit is read, from what the readers recorded
(each fact's ``Provenance``, each unit's ``Facts.embedded``); no reader predicts it.

A reference binds by identity first (a reader's own address for a bucket it defines), then by
name against the bucket-name index of the whole scan. A name with an Unknown part binds to
nothing and stays Unknown. A name that no scanned file defines becomes a bucket known only by
name, judged when a CORS source for it is known, and reported as unverified otherwise.
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass, replace
from typing import Callable, Sequence, TypeVar

from policylint import bind
from policylint.model import (
    Binding,
    Bucket,
    BucketRef,
    Confidence,
    CorsConfig,
    Facts,
    Function,
    LabelingUse,
    LinkedBucket,
    Location,
    Modality,
    Project,
    Provenance,
    Role,
    Service,
    Unknown,
)


@dataclass(frozen=True)
class LinkOptions:
    # (name glob, where it was configured)
    labeling_buckets: tuple[tuple[str, Location], ...] = ()
    # (display path of a CORS document, bucket name, where it was configured)
    cors_files: tuple[tuple[str, str, Location], ...] = ()


class _Index:
    def __init__(self) -> None:
        self.by_identity: dict[str, LinkedBucket] = {}
        self.by_name: dict[str, list[LinkedBucket]] = {}
        self.order: list[LinkedBucket] = []

    def add_defined(self, bucket: Bucket) -> None:
        if bucket.identity in self.by_identity:
            return
        lb = LinkedBucket(name=bucket.name, bucket=bucket)
        self.by_identity[bucket.identity] = lb
        if isinstance(bucket.name, str):
            self.by_name.setdefault(bucket.name, []).append(lb)
        self.order.append(lb)

    def by_name_or_new(self, name: str) -> LinkedBucket:
        found = self.by_name.get(name)
        if found:
            return found[0]
        lb = LinkedBucket(name=name, bucket=None)
        self.by_name[name] = [lb]
        self.order.append(lb)
        return lb

    def resolve(self, ref: BucketRef, *, create: bool) -> tuple[list[LinkedBucket], str]:
        """The buckets a reference binds to, or ([], why not)."""
        if ref.identity and ref.identity in self.by_identity:
            return [self.by_identity[ref.identity]], ""
        if isinstance(ref.name, str):
            found = self.by_name.get(ref.name)
            if found:
                # one name defined twice (e.g. in two environments): bind to each
                return list(found), ""
            if create:
                return [self.by_name_or_new(ref.name)], ""
            return [], f"bucket '{ref.name}' is not defined in the scanned files"
        if isinstance(ref.name, Unknown):
            return [], f"the bucket name is not known statically: {ref.name.reason}"
        return [], "the bucket is not defined in the scanned files"


def owned(read: Sequence[tuple[str, Facts]]) -> Facts:
    """Every unit's facts (unit key, facts) merged, each fact reported by the one unit that can
    know it. The decision table:

    1. A fact that awaits the inputs of a library module folder read on its own
       (``Provenance.awaits``: its names or rules only a caller sets) stands only when no
       scanned unit instantiates that folder (``Embedded.module``): the callers report it, with
       their inputs.
    2. A fact a caller evaluated in a library module (``caller`` set, ``library``) gives way to
       the folder's own read of the same resource instance when that read depends on no input
       (same ``module`` and ``local``, no ``caller``, no ``awaits``): the folder's unit reports
       it once, however many instances call it, and the callers' references to that bucket point
       at the folder's bucket instead. When the folder is not read on its own (outside the scan,
       excluded), or its read of the instance awaits inputs, the caller's fact stands.
    3. A unit whose file another unit read as part of itself, with its variables or
       substitutions (``Embedded``: Terraform file()/templatefile(), a SAM DefinitionUri),
       gives up its labeling uses to that unit.

    Facts without provenance stand as read. A module folder that is not a library is reported
    by each caller and by its own unit (each evaluates it fully).
    """
    modules = {e.path for _key, got in read for e in got.embedded if e.module}
    files = {e.path for _key, got in read for e in got.embedded if not e.module}
    standalone: dict[tuple[str, str], str] = {}  # (module, local) → its bucket's identity or ""
    for _key, got in read:
        for fact in _all(got):
            p = fact.provenance
            if p is not None and not p.caller and not p.awaits:
                at = (p.module, p.local)
                if isinstance(fact, Bucket):
                    standalone[at] = fact.identity
                else:
                    standalone.setdefault(at, "")

    def stands(p: Provenance | None) -> bool:
        if p is None:
            return True
        if p.awaits and p.awaits in modules:  # 1
            return False
        return not (p.caller and p.library and (p.module, p.local) in standalone)  # 2

    aliases: dict[str, str] = {}
    out = Facts()
    for key, got in read:
        for b in got.buckets:
            p = b.provenance
            if not stands(p) and p is not None and standalone.get((p.module, p.local)):
                aliases[b.identity] = standalone[(p.module, p.local)]
        kept = replace(got, buckets=_standing(got.buckets, stands),
                       cors=_standing(got.cors, stands),
                       uses=[] if key in files else _standing(got.uses, stands),  # 3
                       functions=_standing(got.functions, stands),
                       parameters=_standing(got.parameters, stands))
        out.extend(kept)
    if aliases:
        _point_at(out, aliases)
    return out


_Fact = TypeVar("_Fact", Bucket, CorsConfig, LabelingUse, Function, Binding)


def _all(facts: Facts) -> list[Bucket | CorsConfig | LabelingUse | Function | Binding]:
    return [*facts.buckets, *facts.cors, *facts.uses, *facts.functions, *facts.parameters]


def _standing(facts: list[_Fact], stands: Callable[[Provenance | None], bool]) -> list[_Fact]:
    return [f for f in facts if stands(f.provenance)]


def _point_at(facts: Facts, aliases: dict[str, str]) -> None:
    """References to a bucket that gave way (rule 2) point at the one that stands for it."""
    def moved(ref: BucketRef | None) -> bool:
        return ref is not None and ref.identity in aliases

    def fix(ref: BucketRef) -> BucketRef:
        return replace(ref, identity=aliases[ref.identity or ""])

    facts.cors = [replace(c, target=fix(c.target)) if c.target is not None and moved(c.target)
                  else c for c in facts.cors]
    facts.uses = [replace(u, target=fix(u.target)) if moved(u.target) else u
                  for u in facts.uses]


def link(facts: Facts, options: LinkOptions) -> Project:
    facts = _one_per_construct(bind.resolve(facts))  # named unknowns in code -> what the
    # scanned IaC gives them; a synthesized CDK bucket -> its source construct
    index = _Index()
    for b in facts.buckets:
        index.add_defined(b)
    project = Project(errors=list(facts.errors), suppressions=list(facts.suppressions),
                      files=sorted(set(facts.files)))

    # CORS documents bound by config or scripts
    bindings: dict[str, list[tuple[BucketRef, Location]]] = {}
    for path, name, where in options.cors_files:
        bindings.setdefault(path, []).append((BucketRef(name=name, text=name), where))
    for path, ref, where in facts.cors_bindings:
        bindings.setdefault(path, []).append((ref, where))
    cors: list[CorsConfig] = []
    for c in facts.cors:
        if c.target is None and c.document is not None:
            bound = bindings.get(c.document)
            if not bound:
                project.unbound_cors.append(c)
                cors.append(c)
                continue
            seen: set[BucketRef] = set()
            for ref, where in bound:
                if ref in seen:
                    continue
                seen.add(ref)
                # where the binding was made (script command, config entry): for the inventory
                cors.append(replace(c, target=ref, group=f"{c.key}->{ref.describe()}",
                                    applied_at=where))
        else:
            cors.append(c)
    project.cors = cors
    for c in cors:
        if c.target is None:
            if c not in project.unbound_cors:
                project.unbound_cors.append(c)
            continue
        targets, _why = index.resolve(c.target, create=True)
        if not targets:
            project.unbound_cors.append(c)
        for lb in targets:
            (lb.missing_cors if c.missing is not None else lb.cors).append(c)

    # labeling uses: from readers, from declarations on buckets, from config globs
    uses = list(facts.uses)
    for b in facts.buckets:
        for ev in b.declared:
            uses.append(LabelingUse(Service.UNKNOWN, Role.INPUT, Modality.UNKNOWN, ev.message,
                                    ev.location, Confidence.DECLARED,
                                    BucketRef(identity=b.identity, name=b.name)))
    for pattern, where in options.labeling_buckets:
        matched = False
        for lb in list(index.order):
            if isinstance(lb.name, str) and fnmatch.fnmatchcase(lb.name, pattern):
                matched = True
                lb.uses.append(_config_use(pattern, where, lb.name))
        if not matched and not any(ch in pattern for ch in "*?["):
            lb = index.by_name_or_new(pattern)
            lb.uses.append(_config_use(pattern, where, pattern))
    for u in uses:
        targets, why = index.resolve(u.target, create=isinstance(u.target.name, str))
        if not targets:
            project.unbound_uses.append((u, why))
        for lb in targets:
            lb.uses.append(u)
    project.buckets = [lb for lb in index.order]
    return project


def _one_per_construct(facts: Facts) -> Facts:
    """A CDK app scanned with its cdk.out: each synthesized bucket (``Bucket.construct``, its
    aws:cdk:path) whose construct the source defines is reported once, at the source. The
    synthesized bucket, its template's CORS and declarations give way to the source's; uses
    that point at it point at the source construct instead."""
    from policylint.model import Format

    sources: dict[str, list[Bucket]] = {}
    for b in facts.buckets:
        if b.format in (Format.CDK_PYTHON, Format.CDK_TYPESCRIPT):
            sources.setdefault(b.address.rsplit("/", 1)[-1], []).append(b)
    if not sources:
        return facts
    moved: dict[str, Bucket] = {}
    for b in facts.buckets:
        if not b.construct:
            continue
        last = b.construct.rsplit("/", 1)[-1]
        found = [s for s in sources.get(last, []) if b.construct.endswith(s.address)
                 or len(sources.get(last, [])) == 1]
        if len(found) == 1:
            moved[b.identity] = found[0]
    if not moved:
        return facts
    facts = replace(facts)
    facts.buckets = [b for b in facts.buckets if b.identity not in moved]
    facts.cors = [c for c in facts.cors
                  if not (c.target is not None and c.target.identity in moved)]
    facts.uses = [u if u.target.identity not in moved else replace(
        u, target=BucketRef(identity=moved[u.target.identity or ""].identity,
                            name=moved[u.target.identity or ""].name, text=u.target.text))
        for u in facts.uses]
    return facts


def _config_use(pattern: str, where: Location, name: str) -> LabelingUse:
    return LabelingUse(Service.UNKNOWN, Role.INPUT, Modality.UNKNOWN,
                       f"listed in config labeling.buckets ('{pattern}')", where,
                       Confidence.DECLARED, BucketRef(name=name, text=name))
