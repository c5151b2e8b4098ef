"""## What it does
Checks CORS documents and CORS blocks against S3's rules: `AllowedMethods` and `AllowedOrigins`
required; methods only `GET`, `PUT`, `POST`, `DELETE`, `HEAD`; at most 100 rules; at most one `*`
in an origin or allowed header; `ID` at most 255 characters; `MaxAgeSeconds` a non-negative
integer; a document at most 64 KB; and the right field names for the format (`ExposeHeaders` and
`MaxAgeSeconds` in S3 documents, `ExposedHeaders` and `MaxAge` in CloudFormation).

## Why is this bad?
S3 rejects such a configuration (`put-bucket-cors` fails with MalformedXML or InvalidRequest;
CloudFormation rolls back), so the bucket keeps no CORS at all.

## Example
```json
{"CORSRules": [{"AllowedMethods": ["get"], "AllowedOrigins": ["*"], "ExposedHeaders": []}]}
```

## Use instead
```json
{"CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"], "ExposeHeaders": []}]}
```

## Options
None.

## Known limitations
Values that cannot be known statically are not checked.

## References
- https://docs.aws.amazon.com/AmazonS3/latest/API/API_CORSRule.html
- https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-s3-bucket-corsrule.html
"""
from __future__ import annotations

from typing import Iterator

from policylint.model import Finding, Project, Severity
from policylint.rule import Options, RuleMeta, finding

META = RuleMeta(code="PL200", name="invalid-cors-configuration", severity=Severity.ERROR,
                summary="A CORS configuration breaks S3's rules")

WHY = "S3 rejects this CORS configuration, so the bucket would keep no CORS at all"


def check(project: Project, options: Options) -> Iterator[Finding]:
    seen: set[tuple[str, int, int, str]] = set()
    for c in project.cors:
        for p in c.problems:
            key = (p.location.path, p.location.line, p.location.column, p.message)
            if key in seen:  # one document bound to several buckets
                continue
            seen.add(key)
            subject = c.document or (c.target.describe() if c.target else c.location.path)
            name = c.target.name if c.target and isinstance(c.target.name, str) else None
            yield finding(META.severity, p.message, p.location,
                          subject=subject, bucket=name, why=WHY)
