"""## What it does
Checks that every S3 bucket holding input data for human labeling (SageMaker Ground Truth
labeling jobs, Amazon A2I human reviews, Amazon Mechanical Turk tasks) has a CORS configuration.

## Why is this bad?
Since early 2021 browsers apply the EXIF orientation of images. To show workers correctly
rotated images, the labeling UI reads image metadata cross-origin, so AWS requires a CORS rule
allowing `GET` from origin `*` on every input bucket. Tasks created on a bucket without CORS fail.
Point-cloud and video-frame jobs need CORS on their output buckets too.

## Example
```hcl
resource "aws_s3_bucket" "images" {
  bucket = "acme-labeling-images"
  tags   = { "policylint:labeling-input" = "true" }
}
```

## Use instead
```hcl
resource "aws_s3_bucket_cors_configuration" "images" {
  bucket = aws_s3_bucket.images.id

  cors_rule {
    allowed_methods = ["GET"]
    allowed_origins = ["*"]
  }
}
```

## Options
- `labeling.buckets`, `labeling.tag`: declare labeling buckets.
- `labeling.accepted-origins`: origins that satisfy the rule (default `["*"]`).

## Known limitations
Only buckets defined in the scanned files are reported here; a labeling use of a bucket defined
elsewhere is PL102 — unless `--aws` read its deployed configuration and found none, then it is
reported here, at the labeling use. Evidence inferred from IAM lowers the severity to warning.
A script that applies a `file://` CORS document that does not exist (deleted, renamed, never
committed) gives the bucket no CORS — the command fails at deploy time — so the bucket is
reported here, with the script line and the missing path in the evidence.

## References
- https://docs.aws.amazon.com/sagemaker/latest/dg/sms-cors-update.html
- https://docs.aws.amazon.com/sagemaker/latest/dg/a2i-cors-update.html
- https://docs.aws.amazon.com/AWSMechTurk/latest/AWSMechanicalTurkRequester/mturk-cors-update.html
"""
from __future__ import annotations

from typing import Iterator

from policylint.model import Finding, LinkedBucket, Location, Project, Related, Severity
from policylint.rule import (
    Options,
    RuleMeta,
    bucket_name,
    bucket_target,
    chain,
    finding,
    fix_for_bucket,
    live_verified,
    need_for,
    needed_rule,
    services,
    severity_for,
    where_reported,
)

META = RuleMeta(code="PL100", name="labeling-bucket-without-cors", severity=Severity.ERROR,
                summary="A labeling input bucket has no CORS configuration at all")

WHY = ("AWS requires a CORS rule allowing GET from origin * on every bucket holding input data "
       "for Ground Truth, A2I and Mechanical Turk (browsers read EXIF orientation "
       "cross-origin since 2021); tasks created on this bucket fail")


def check(project: Project, options: Options) -> Iterator[Finding]:
    for lb in project.buckets:
        # a bucket defined nowhere may have CORS from elsewhere, unless the only source known
        # applies a document that does not exist (the command fails)
        if lb.cors or (lb.bucket is None and not live_verified(lb) and not lb.missing_cors):
            continue
        uses = [u for u in lb.uses if u.needs_cors]
        if not uses:
            continue
        media = any(u.modality.needs_media_cors for u in uses)
        role = "input or output" if any(u.role.value == "output" for u in uses) else "input"
        yield finding(
            severity_for(uses, META.severity),
            f"S3 bucket {lb.label} holds {services(uses)} {role} data but has no CORS "
            f"configuration{_missing(lb)}",
            where_reported(lb), subject=lb.subject, bucket=bucket_name(lb),
            related=chain(lb, uses) + _missing_related(lb),
            fix=fix_for_bucket(lb, needed_rule(uses, media)), why=WHY,
            target=bucket_target(lb, need_for(uses, media)))


def _missing(lb: LinkedBucket) -> str:
    """The CORS documents that scripts apply to the bucket but that do not exist."""
    names = sorted({c.missing for c in lb.missing_cors if c.missing})
    if not names:
        return ""
    listed = ", ".join(names)
    verb = "does" if len(names) == 1 else "do"
    return (f": the CORS document {listed} that a script applies {verb} not exist, so the "
            f"command fails at deploy time and leaves the bucket without CORS")


def _missing_related(lb: LinkedBucket) -> tuple[Related, ...]:
    rel: list[Related] = []
    for c in lb.missing_cors:
        rel.append(Related(f"applies CORS document {c.missing}, which does not exist", c.location))
        if c.missing:  # where the document should be: a deletion there is this finding's cause
            rel.append(Related(f"CORS document {c.missing} does not exist",
                               Location(c.missing, 1, 1)))
    return tuple(rel)
