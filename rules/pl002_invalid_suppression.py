"""## What it does
Reports a suppression that is malformed, has no reason, names an unknown rule, or has expired.
Such a suppression is not applied.

## Why is this bad?
A suppression is a decision someone must be able to read later: which rule, why, until when.
An unreadable or stale one hides findings nobody is accountable for.

## Example
```hcl
# policylint: disable=PL100
resource "aws_s3_bucket" "images" {}
```

## Use instead
```hcl
# policylint: disable=PL100 reason="images are served through CloudFront" expires=2027-01-31
resource "aws_s3_bucket" "images" {}
```

## Options
`--strict` also reports suppressions that match no finding.

## Known limitations
JSON files have no comments: suppress there with `suppress:` in the configuration.

## References
- docs/suppressions.md
"""
from __future__ import annotations

from typing import Iterator

from policylint.model import Finding, Project, Severity
from policylint.rule import Options, RuleMeta

META = RuleMeta(code="PL002", name="invalid-suppression", severity=Severity.WARNING,
                summary="A suppression is malformed, has no reason, names an unknown rule, "
                        "or has expired")


def check(project: Project, options: Options) -> Iterator[Finding]:
    """The engine validates suppressions (it knows every rule); nothing to check here."""
    return iter(())
