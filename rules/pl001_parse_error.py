"""## What it does
Reports a file of a recognised kind (Terraform, CloudFormation, a CORS document, a manifest, ...)
that cannot be read, decoded or parsed, at the position of the error.

## Why is this bad?
A file policylint cannot parse is a file it cannot check: a labeling bucket declared there, or
the CORS rule that protects one, would be missed. Most such files are also rejected by the tool
that consumes them (Terraform, CloudFormation, S3).

## Example
```json
{"CORSRules": [{"AllowedMethods": ["GET"],}]}
```

## Use instead
```json
{"CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]}
```

## Options
None. Exclude a file on purpose with `exclude:` in the configuration. A file larger than
`max-file-size` (default 50 MB) is skipped and reported once at note severity, which does not fail
the run.

## Known limitations
XML with a DOCTYPE is refused on purpose (entity declarations allow XXE and entity bombs).

## References
- https://docs.aws.amazon.com/AmazonS3/latest/userguide/ManageCorsUsing.html
"""
from __future__ import annotations

from typing import Iterator

from policylint.model import Finding, Project, Severity
from policylint.rule import Options, RuleMeta, finding

META = RuleMeta(code="PL001", name="parse-error", severity=Severity.ERROR,
                summary="A file of a recognised kind cannot be parsed")


def check(project: Project, options: Options) -> Iterator[Finding]:
    for err in project.errors:
        severity = META.severity if err.severity is None else err.severity
        yield finding(severity, err.message, err.location,
                      subject=err.location.path,
                      why="policylint cannot check what it cannot parse")
