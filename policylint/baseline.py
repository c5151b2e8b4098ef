"""Baselines: the fingerprints of accepted findings, built from (rule, path, subject, bucket) so
that they survive unrelated edits."""
from __future__ import annotations

import json
from typing import Iterable

from policylint.errors import UsageError
from policylint.model import Finding

VERSION = 1


def dump(findings: Iterable[Finding]) -> str:
    entries = sorted({(f.fingerprint, f.rule, f.location.path, f.subject, f.bucket or "")
                      for f in findings})
    doc = {"version": VERSION, "tool": "policylint",
           "findings": [{"fingerprint": fp, "rule": r, "path": p, "subject": s,
                         **({"bucket": b} if b else {})} for fp, r, p, s, b in entries]}
    return json.dumps(doc, indent=2) + "\n"


def load(path: str) -> set[str]:
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except OSError as exc:
        raise UsageError(f"--baseline: cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise UsageError(f"--baseline: {path} is not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("version") != VERSION or not isinstance(
            doc.get("findings"), list):
        raise UsageError(f"--baseline: {path} is not a policylint baseline (version {VERSION})")
    out = set()
    for e in doc["findings"]:
        if isinstance(e, dict) and isinstance(e.get("fingerprint"), str):
            out.add(e["fingerprint"])
    return out
