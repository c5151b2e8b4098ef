"""## What it does
Checks that every S3 bucket holding labeling data is named with the team's prefix.

## Why is this bad?
The team's IAM policies and cost reports select labeling buckets by name: a bucket outside the
scheme escapes both.

## Example
```hcl
resource "aws_s3_bucket" "images" {
  bucket = "acme-images"
  tags   = { "policylint:labeling-input" = "true" }
}
```

## Use instead
```hcl
resource "aws_s3_bucket" "images" {
  bucket = "labeling-acme-images"
  tags   = { "policylint:labeling-input" = "true" }
}
```

## Options
- `rule-options.PL901.prefix`: the prefix every labeling bucket's name starts with (default
  `labeling-`).

## Known limitations
A bucket whose name is not known statically, or that no scanned file defines, is not checked.

## References
- https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
"""
from __future__ import annotations

from typing import Iterator

from policylint.rule import (
    Finding,
    Options,
    Project,
    RuleMeta,
    Severity,
    bucket_name,
    finding,
    where_reported,
)

META = RuleMeta(code="PL901", name="labeling-bucket-prefix", severity=Severity.WARNING,
                summary="A labeling bucket's name does not start with the team's prefix")

# option name -> JSON Schema of its value; policylint validates `rule-options.PL901` against it
OPTIONS = {"prefix": {"type": "string", "minLength": 1, "default": "labeling-"}}


def check(project: Project, options: Options) -> Iterator[Finding]:
    prefix = options.settings["prefix"]
    for lb in project.labeling_buckets():
        name = bucket_name(lb)
        if lb.bucket is None or name is None or name.startswith(prefix):
            continue
        # no rule code or name here: the engine fills them in from META
        yield finding(META.severity,
                      f"labeling bucket {lb.label} is not named with the prefix '{prefix}'",
                      where_reported(lb), subject=lb.subject, bucket=name,
                      why="the team's IAM policies and cost reports select labeling buckets "
                          "by name")
