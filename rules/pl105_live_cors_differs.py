"""## What it does
With `--aws`: checks that the deployed CORS of every labeling bucket whose declared CORS passes
still allows what the code declares — GET from `*`, and for point-cloud and video jobs GET, HEAD
and PUT with `AllowedHeaders: ["*"]`, and the exposed `Access-Control-Allow-Origin` header where
the code exposes it.
## Why is this bad?
Labeling tasks read the bucket as it is deployed, not as the repository describes it. A console
edit, a custom resource, another stack or a failed apply can leave the bucket without the rule the
code declares, and jobs fail although every static check passes.
## Example
```hcl
resource "aws_s3_bucket_cors_configuration" "images" {
  bucket = aws_s3_bucket.images.id
  cors_rule {
    allowed_methods = ["GET"]
    allowed_origins = ["*"]
  }
}
# while the deployed bucket answers GetBucketCors with: AllowedMethods ["PUT"]
```
## Use instead
Apply the code again (`terraform apply`, `sam deploy`, `cdk deploy`), or put the declared rule
back with `aws s3api put-bucket-cors`, and find what changed it.
## Options
Runs only with `--aws` (or `aws:` in the configuration and `--aws`); `labeling.accepted-origins`
as for PL101.
## Known limitations
Only buckets whose name is known statically are read. A bucket that cannot be read (access
denied, another account, no network) is PL102 with the API error instead.
## References
- https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketCors.html
- https://docs.aws.amazon.com/sagemaker/latest/dg/sms-cors-update.html
"""
from __future__ import annotations

from typing import Iterator

from policylint.model import CorsRule, CorsSource, Finding, Project, Related, Severity
from policylint.rule import (
    Options,
    RuleMeta,
    bucket_name,
    chain,
    finding,
    judged_cors,
    command_fix,
    needed_rule,
    rule_allows_get,
    rule_exposes_origin,
    rule_is_media_complete,
    unknown_reason,
)

META = RuleMeta(code="PL105", name="live-cors-differs", severity=Severity.ERROR,
                summary="With --aws: the deployed CORS does not allow what the code declares")
WHY = ("labeling tasks read the bucket as deployed: the rule the code declares is not in force, "
       "so jobs on this bucket fail although the code is right")


def _properties(rules: tuple[CorsRule, ...], options: Options) -> set[str]:
    out = set()
    if any(rule_allows_get(r, options) for r in rules):
        out.add("GET from " + " or ".join(options.accepted_origins))
    if any(rule_is_media_complete(r, options) for r in rules):
        out.add("GET, HEAD and PUT with AllowedHeaders *")
    if any(rule_allows_get(r, options) and rule_exposes_origin(r) for r in rules):
        out.add("exposing Access-Control-Allow-Origin")
    return out


def check(project: Project, options: Options) -> Iterator[Finding]:
    for lb in project.buckets:
        live = lb.live
        if live is None or not live.ok or lb.bucket is None:
            continue
        uses = [u for u in lb.uses if u.needs_cors]
        declared = [c for c in judged_cors(lb) if c.source is not CorsSource.LIVE]
        if not uses or not declared or any(unknown_reason(c, options) for c in declared):
            continue
        rules = tuple(r for c in declared if isinstance(c.rules, tuple) for r in c.rules)
        wanted = _properties(rules, options)
        if not any(w.startswith("GET from") for w in wanted):
            continue  # the declared CORS fails already: PL101 says so
        missing = sorted(wanted - _properties(live.rules or (), options))
        if not missing:
            continue
        state = ("has no CORS configuration" if live.rules is None
                 else f"does not allow {', '.join(missing)}")
        name = bucket_name(lb) or "BUCKET"
        yield finding(
            META.severity,
            f"deployed CORS of S3 bucket {lb.label} differs from the code: the code allows "
            f"{', '.join(sorted(wanted))}, but the live bucket {state}",
            declared[0].location, subject=lb.subject, bucket=bucket_name(lb),
            related=chain(lb, uses) + (Related(live.describe(), declared[0].location),),
            fix=command_fix("apply the code again (terraform apply, sam deploy, cdk deploy), "
                            "or put the declared rule back", name,
                            needed_rule(uses, any(u.modality.needs_media_cors for u in uses))),
            why=WHY)
