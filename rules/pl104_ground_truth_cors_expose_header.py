"""## What it does
Notes a Ground Truth input bucket whose `GET`/`*` CORS rule does not expose the
`Access-Control-Allow-Origin` header.

## Why is this bad?
Since November 2021 the Ground Truth documentation lists `"ExposeHeaders":
["Access-Control-Allow-Origin"]` in the required rule. A2I and Mechanical Turk list `[]`. Jobs
work without it today, so this is a note; `labeling.strict-ground-truth: true` makes it an error.

## Example
```json
[{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]
```

## Use instead
```json
[{"AllowedHeaders": [], "AllowedMethods": ["GET"], "AllowedOrigins": ["*"],
  "ExposeHeaders": ["Access-Control-Allow-Origin"]}]
```

## Options
- `labeling.strict-ground-truth` (default false): report as error.

## Known limitations
Only evidence that names Ground Truth counts (a labeling job, a manifest, a Step Functions task).
S3 answers a request with the first rule that matches it, so the rule judged is the first one,
in order, that allows GET from an accepted origin: a later rule that would pass does not hide it
(`--fix` inserts the rule before it). A method, header or exposed-header list that cannot be
known statically makes the bucket unverified (PL102), never a violation.

## References
- https://docs.aws.amazon.com/sagemaker/latest/dg/sms-cors-update.html
"""
from __future__ import annotations

from typing import Iterator

from policylint.model import Finding, Project, Role, Service, Severity, Unknown
from policylint.rule import (
    Options,
    RuleMeta,
    bucket_name,
    chain,
    finding,
    judged_cors,
    exposes_origin,
    first_get_rule,
    fix_for_config,
    config_target,
    need_for,
    needed_rule,
)

META = RuleMeta(code="PL104", name="ground-truth-cors-expose-header", severity=Severity.NOTE,
                summary="A Ground Truth input bucket's GET rule does not expose "
                        "Access-Control-Allow-Origin")

WHY = ("Ground Truth's documentation lists ExposeHeaders [\"Access-Control-Allow-Origin\"] in "
       "the required CORS rule since November 2021")


def check(project: Project, options: Options) -> Iterator[Finding]:
    for lb in project.buckets:
        uses = [u for u in lb.uses if u.needs_cors and u.service is Service.GROUND_TRUTH
                and u.role is Role.INPUT]
        if not uses or not lb.cors:
            continue
        for c in judged_cors(lb):
            first = first_get_rule(c, options)
            if first is None or isinstance(first, Unknown) or isinstance(c.rules, Unknown):
                continue
            index, judged = first  # S3 answers with the first GET rule: it decides
            if exposes_origin(judged) is not False:
                continue
            yield finding(
                Severity.ERROR if options.strict_ground_truth else META.severity,
                f"the GET rule of S3 bucket {lb.label} does not expose Access-Control-Allow-Origin "
                f"(Ground Truth documents it since Nov 2021)",
                judged.location or c.location, subject=lb.subject, bucket=bucket_name(lb),
                related=chain(lb, uses),
                fix=fix_for_config(c, needed_rule(uses), bucket_name(lb)), why=WHY,
                target=config_target(lb, c, need_for(uses), on_request=True,
                                     before=index))
            break
