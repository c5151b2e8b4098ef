"""## What it does
Checks that the CORS configuration of a labeling input bucket has a single rule that allows
`GET` from origin `*` (or another origin listed in `labeling.accepted-origins`).

## Why is this bad?
The labeling UI fetches images cross-origin from the workers' browsers. A rule allowing `GET`
only from your own origin, or `*` only for `PUT`, does not let it read them: tasks fail. The
methods and the origin must be in one rule; `GET` in one rule and `*` in another does not count.

## Example
```json
{"CORSRules": [
  {"AllowedMethods": ["GET"], "AllowedOrigins": ["https://app.example.com"]},
  {"AllowedMethods": ["PUT"], "AllowedOrigins": ["*"]}
]}
```

## Use instead
```json
{"CORSRules": [
  {"AllowedHeaders": [], "AllowedMethods": ["GET"], "AllowedOrigins": ["*"], "ExposeHeaders": []}
]}
```

## Options
- `labeling.accepted-origins` (default `["*"]`).

## Known limitations
A configuration whose rules cannot be known statically is reported as PL102, not here. When a
CloudFormation condition decides the configuration, every possible branch must pass; the message
names the condition. Branches no deployment reaches are not judged: those where the bucket's own
`Condition:` is false, and impossible combinations (a condition and its `Fn::Not`, one parameter
equal to two values, values outside a parameter's `AllowedValues`). When a CloudFormation custom
resource writes the bucket's CORS at deploy time (properties `CORSRules`, `CorsRules` or
`CORSConfiguration`, any case, beside the bucket), its rules are the ones judged here and by
PL102-PL105, since they are in force after deployment; the bucket's own `CorsConfiguration` is
overwritten (PL201 reports the two definitions).

## References
- https://docs.aws.amazon.com/sagemaker/latest/dg/sms-cors-update.html
"""
from __future__ import annotations

from typing import Iterator

from policylint.model import CorsConfig, Finding, Project, Severity, Unknown
from policylint.rule import (
    Options,
    RuleMeta,
    bucket_name,
    chain,
    finding,
    fix_for_config,
    media,
    config_target,
    judged_cors,
    need_for,
    needed_rule,
    rule_allows_get,
    rule_is_uncertain,
    services,
    severity_for,
)

META = RuleMeta(code="PL101", name="labeling-bucket-cors-without-get", severity=Severity.ERROR,
                summary="A labeling input bucket's CORS has no single rule allowing GET from *")

WHY = ("the labeling UI reads {media} cross-origin from workers' browsers; without one rule "
       "allowing GET from origin * in the same rule, tasks fail to load them")


def failing(config: CorsConfig, options: Options) -> bool:
    """True when the configuration's rules are known and none allows GET from an accepted
    origin. Rules that are partly unknown make the verdict unknown (False)."""
    if isinstance(config.rules, Unknown):
        return False
    if any(rule_allows_get(r, options) for r in config.rules):
        return False
    return not any(rule_is_uncertain(r) for r in config.rules)


def check(project: Project, options: Options) -> Iterator[Finding]:
    for lb in project.buckets:
        uses = [u for u in lb.uses if u.needs_cors]
        if not uses or not lb.cors:
            continue
        bad = [c for c in judged_cors(lb) if failing(c, options)]
        if not bad:
            continue
        c = bad[0]
        origins = " or ".join(options.accepted_origins)
        cond = f" when {c.condition}" if c.condition else ""
        yield finding(
            severity_for(uses, META.severity),
            f"CORS of S3 bucket {lb.label}{cond} has no rule allowing GET from {origins}; "
            f"it holds {services(uses)} input data",
            c.location, subject=lb.subject, bucket=bucket_name(lb), related=chain(lb, uses),
            fix=fix_for_config(c, needed_rule(uses), bucket_name(lb)),
            why=WHY.format(media=media(uses)),
            target=config_target(lb, c, need_for(uses)))
