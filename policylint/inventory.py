"""``policylint --show-inventory``: every bucket with where it is defined, its CORS sources
(and whether a rule allows GET from any origin), and every labeling use with its evidence,
service, modality and confidence; then the uses and CORS sources bound to no bucket.

This is the view a user checks a verdict against, and where they see what to tag. It reads the
linked Project only.
"""
from __future__ import annotations

import json
from typing import Any

from policylint.model import (
    CorsConfig,
    LabelingUse,
    LinkedBucket,
    Location,
    Project,
    Unknown,
)
from policylint.rule import (
    Options,
    data_source,
    rule_allows_get,
    rule_is_media_complete,
    rule_is_uncertain,
)

_OPTIONS = Options()


def render(project: Project, fmt: str = "text") -> str:
    data = inventory(project)
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return _text(data)


# --- the data ---------------------------------------------------------------------------------

def inventory(project: Project) -> dict[str, Any]:
    buckets = sorted(project.buckets, key=_bucket_key)
    return {
        "version": 1,
        "buckets": [_bucket(lb) for lb in buckets],
        "unbound_uses": [dict(_use(u), why=why) for u, why in
                         sorted(project.unbound_uses, key=lambda x: _loc_key(x[0].location))],
        "unbound_cors": [_cors(c) for c in sorted(project.unbound_cors,
                                                  key=lambda c: _loc_key(c.location))],
    }


def _loc_key(loc: Location) -> tuple[str, int, int]:
    return (loc.path, loc.line, loc.column)


def _bucket_key(lb: LinkedBucket) -> tuple[int, str, int, int, str]:
    name = lb.name if isinstance(lb.name, str) else ""
    if lb.bucket is None:
        return (1, "", 0, 0, name)
    return (0,) + _loc_key(lb.bucket.location) + (name,)


def _where(loc: Location | None) -> dict[str, Any] | None:
    if loc is None:
        return None
    return {"path": loc.path, "line": loc.line, "column": loc.column}


def _text_of(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _bucket(lb: LinkedBucket) -> dict[str, Any]:
    b = lb.bucket
    return {
        "name": _text_of(lb.name),
        "name_unknown": lb.name.reason if isinstance(lb.name, Unknown) else None,
        "address": b.address if b is not None else None,
        "identity": b.identity if b is not None else None,
        "format": b.format.value if b is not None else None,
        "defined_at": _where(b.location) if b is not None else None,
        # not defined here but looked up by name (Terraform ``data "aws_s3_bucket"``)
        "data_source": data_source(lb) if b is None else None,
        "needs_cors": any(u.needs_cors for u in lb.uses),
        "cors": [_cors(c) for c in sorted(lb.cors, key=lambda c: _loc_key(c.location))],
        "labeling": [_use(u) for u in sorted(lb.uses, key=lambda u: _loc_key(u.location))],
        # scripts applying a CORS document that does not exist (the bucket gets no CORS)
        "missing_cors": [{"document": c.missing, **(_where(c.location) or {})}
                         for c in sorted(lb.missing_cors, key=lambda c: _loc_key(c.location))],
    }


def _cors(c: CorsConfig) -> dict[str, Any]:
    verdict: bool | None
    media: bool | None
    if isinstance(c.rules, Unknown):
        verdict = media = None
        unknown: str | None = c.rules.reason
    else:
        unknown = None
        verdict = any(rule_allows_get(r, _OPTIONS) for r in c.rules)
        media = any(rule_is_media_complete(r, _OPTIONS) for r in c.rules)
        if not verdict and any(rule_is_uncertain(r) for r in c.rules):
            verdict = None
            unknown = "a rule's methods or origins are not known statically"
    return {
        "source": c.source.value,
        "format": c.format.value,
        "document": c.document,
        "applied_at": str(c.applied_at) if c.applied_at is not None else None,
        "condition": c.condition,
        "target": c.target.describe() if c.target is not None else None,
        "rules": len(c.rules) if not isinstance(c.rules, Unknown) else None,
        "allows_get_from_any_origin": verdict,
        "media_complete": media,
        "unknown": unknown,
        "problems": len(c.problems),
        **(_where(c.location) or {}),
    }


def _use(u: LabelingUse) -> dict[str, Any]:
    return {
        "service": u.service.value,
        "role": u.role.value,
        "modality": u.modality.value,
        "confidence": u.confidence.value,
        "needs_cors": u.needs_cors,
        "evidence": u.evidence,
        "target": u.target.describe(),
        **(_where(u.location) or {}),
        # how a value in code was bound to the infrastructure (policylint.bind): the function
        # that runs the code and the entry that sets the value; only present when bound
        **({"bound": [{"message": v.message, **(_where(v.location) or {})} for v in u.via]}
           if u.via else {}),
    }


# --- text -------------------------------------------------------------------------------------

def _at(d: dict[str, Any]) -> str:
    return f"{d['path']}:{d['line']}:{d['column']}"


def _verdict(c: dict[str, Any]) -> str:
    if c["allows_get_from_any_origin"] is True:
        return "allows GET from *" + (" (media-complete)" if c["media_complete"] else "")
    if c["allows_get_from_any_origin"] is False:
        return "no rule allows GET from *"
    return f"cannot be evaluated: {c['unknown']}"


def _cors_line(c: dict[str, Any]) -> str:
    what = f"document {c['document']}" if c["document"] else c["source"]
    if c["applied_at"]:
        what += f" (applied at {c['applied_at']})"
    cond = f" when {c['condition']}" if c["condition"] else ""
    problems = f", {c['problems']} problem(s)" if c["problems"] else ""
    return f"CORS {what} at {_at(c)}{cond}: {_verdict(c)}{problems}"


def _use_line(u: dict[str, Any]) -> str:
    # a declared bucket names no service or modality: say "labeling input", not "unknown input unknown"
    service = "labeling" if u["service"] == "unknown" else u["service"]
    modality = "" if u["modality"] == "unknown" else f" {u['modality']}"
    return (f"{service} {u['role']}{modality} ({u['confidence']}) at {_at(u)}: "
            f"{u['evidence']}")


def _roles(b: dict[str, Any]) -> str:
    """What the bucket is to labeling, from the uses that need CORS: an output path a video
    job writes to is "labeling output", never "labeling input"."""
    roles = {u["role"] for u in b["labeling"] if u["needs_cors"]}
    if roles == {"output"}:
        return "labeling output"
    if roles == {"input", "output"}:
        return "labeling input and output"
    return "labeling input"


def _text(data: dict[str, Any]) -> str:
    lines: list[str] = [f"Buckets ({len(data['buckets'])})"]
    for b in data["buckets"]:
        name = b["name"] or f"<unknown: {b['name_unknown']}>"
        if b["address"] is not None:
            head = f"{name}: {b['address']} ({b['format']}) defined at {_at(b['defined_at'])}"
        elif b["data_source"] is not None:
            head = (f"{name}: read through a data source ({b['data_source']}), "
                    "defined outside this configuration")
        else:
            head = f"{name}: not defined in the scanned files"
        if b["needs_cors"]:
            head += f" [{_roles(b)}]"
        lines.append(f"  {head}")
        if not b["cors"]:
            lines.append("    CORS: none")
        lines += [f"    CORS script at {_at(m)}: applies {m['document']}, which does not exist"
                  for m in b["missing_cors"]]
        lines += [f"    {_cors_line(c)}" for c in b["cors"]]
        for u in b["labeling"]:
            lines.append(f"    use: {_use_line(u)}")
            lines += [f"      bound: {v['message']} at {_at(v)}" for v in u.get("bound", [])]
    lines.append(f"Labeling uses bound to no bucket ({len(data['unbound_uses'])})")
    for u in data["unbound_uses"]:
        lines.append(f"  {u['target']}: {_use_line(u)}")
        lines.append(f"    why: {u['why']}")
    lines.append(f"CORS sources bound to no bucket ({len(data['unbound_cors'])})")
    for c in data["unbound_cors"]:
        target = f" (applied to {c['target']})" if c["target"] else " (applied to no bucket)"
        lines.append(f"  {_cors_line(c)}{target}")
    return "\n".join(lines) + "\n"
