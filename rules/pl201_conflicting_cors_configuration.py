"""## What it does
Reports a bucket with more than one CORS definition: an inline `cors_rule` plus an
`aws_s3_bucket_cors_configuration`, two configuration resources, a CORS document applied by a
script to a bucket that IaC also configures, or a CloudFormation custom resource writing CORS
(`CORSRules`/`CORSConfiguration` properties) to a bucket with its own `CorsConfiguration`.

## Why is this bad?
S3 keeps one CORS configuration per bucket: the last writer wins, and which one that is depends
on apply order. Terraform shows a perpetual diff. A fix made in one place is silently undone by
the other.

## Example
```hcl
resource "aws_s3_bucket" "images" {
  cors_rule { ... }
}
resource "aws_s3_bucket_cors_configuration" "images" {
  bucket = aws_s3_bucket.images.id
  cors_rule { ... }
}
```

## Use instead
Keep exactly one: the `aws_s3_bucket_cors_configuration` resource (the inline block is deprecated
since AWS provider 4).

## Options
None.

## Known limitations
Alternatives under one CloudFormation condition are one definition. A definition that may not
apply to the bucket (a Terraform `count`/`for_each` that is not known, or a `bucket` argument
that picks one of several buckets by a key that is not known, such as
`aws_s3_bucket.img[var.which].id`) is not counted: whether it conflicts is not known, and the
bucket's CORS is unverified (PL102) instead.

## References
- https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/s3_bucket_cors_configuration
"""
from __future__ import annotations

from typing import Iterator

from policylint.model import CorsSource, Finding, Project, Related, Severity
from policylint.rule import Options, RuleMeta, bucket_name, finding

META = RuleMeta(code="PL201", name="conflicting-cors-configuration", severity=Severity.ERROR,
                summary="One bucket has more than one CORS definition")

MAX_LISTED = 5  # CORS definitions named in the message
MAX_RELATED = 50  # and given as related locations

WHY = ("S3 keeps a single CORS configuration per bucket: the definitions overwrite each other "
       "and the last applied wins")


def check(project: Project, options: Options) -> Iterator[Finding]:
    for lb in project.buckets:
        groups: dict[str, list] = {}
        # a plan file shows the same configuration as the .tf it came from: plan CORS counts
        # only when no source file defines the bucket's CORS
        sources = [c for c in lb.cors if c.source is not CorsSource.PLAN] or lb.cors
        # a definition that may not apply to this bucket is not known to conflict (PL102)
        sources = [c for c in sources if not c.may_not_apply]
        for c in sources:
            groups.setdefault(c.key, []).append(c)
        if len(groups) < 2:
            continue
        firsts = sorted((g[0] for g in groups.values()),
                        key=lambda c: (c.location.path, c.location.line, c.location.column))
        # listed up to a bound: thousands of same-name buckets would make the output quadratic
        where = ", ".join(str(c.location) for c in firsts[:MAX_LISTED]) + (
            f", and {len(firsts) - MAX_LISTED} more" if len(firsts) > MAX_LISTED else "")
        rel = tuple(Related(f"CORS definition ({c.source.value})", c.location)
                    for c in firsts[:MAX_RELATED])
        if lb.bucket is not None:
            rel = (Related(f"bucket {lb.bucket.address} is defined here", lb.bucket.location),) + rel
        yield finding(
            META.severity,
            f"S3 bucket {lb.label} has {len(groups)} CORS definitions ({where}): only the last "
            f"applied survives",
            firsts[1].location, subject=lb.subject, bucket=bucket_name(lb), related=rel, why=WHY)
