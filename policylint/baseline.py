"""Baselines: the fingerprints of accepted findings, so a team can adopt policylint on a repository
with known findings and fail only on new ones.

A fingerprint is built from (rule, path, subject, bucket), never from line numbers, so it survives
unrelated edits (moving a resource, adding lines above it). Each entry also keeps how many findings
shared the fingerprint (two PL200 problems in one CORS document do): a further finding with the
same fingerprint is new and fails. The file is sorted JSON, so its diffs review well.

Errors of policylint itself are never accepted: an internal error (PL000) or a file it cannot
parse (PL001) hides every finding of that file, so a baseline that accepted it would hide them
for good. ``dump`` leaves them out (the CLI says so) and ``split`` never baselines one, even
when an old baseline file lists it.
"""
from __future__ import annotations

import json
from collections import Counter
from typing import Iterable, Mapping

from policylint.errors import UsageError
from policylint.model import Finding

VERSION = 1
NEVER_ACCEPTED = frozenset({"PL000", "PL001"})


def acceptable(finding: Finding) -> bool:
    return finding.rule not in NEVER_ACCEPTED


def dump(findings: Iterable[Finding]) -> str:
    counts: Counter[tuple[str, str, str, str, str]] = Counter(
        (f.fingerprint, f.rule, f.location.path, f.subject, f.bucket or "") for f in findings
        if acceptable(f))
    entries = []
    for (fp, rule, path, subject, bucket), n in sorted(counts.items()):
        entry: dict[str, object] = {"fingerprint": fp, "rule": rule, "path": path,
                                    "subject": subject}
        if bucket:
            entry["bucket"] = bucket
        entry["count"] = n
        entries.append(entry)
    doc = {"version": VERSION, "tool": "policylint", "findings": entries}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def load(path: str) -> dict[str, int]:
    """fingerprint → how many findings with it are accepted. Exit 2 on a file that isn't one."""
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
    out: dict[str, int] = {}
    for e in doc["findings"]:
        if (isinstance(e, dict) and isinstance(e.get("fingerprint"), str)
                and e.get("rule") not in NEVER_ACCEPTED):
            n = e.get("count", 1)
            n = n if isinstance(n, int) and not isinstance(n, bool) and n > 0 else 1
            out[e["fingerprint"]] = out.get(e["fingerprint"], 0) + n
    return out


def split(findings: Iterable[Finding],
          accepted: Mapping[str, int] | Iterable[str]) -> tuple[list[Finding], list[Finding]]:
    """(new, baselined). Within one fingerprint, the first findings in file order use up the
    accepted count; any beyond it are new."""
    budget = (dict(accepted) if isinstance(accepted, Mapping)
              else {fp: 1 << 30 for fp in accepted})
    new: list[Finding] = []
    baselined: list[Finding] = []
    for f in sorted(findings, key=Finding.sort_key):
        if acceptable(f) and budget.get(f.fingerprint, 0) > 0:
            budget[f.fingerprint] -= 1
            baselined.append(f)
        else:
            new.append(f)
    return new, baselined
