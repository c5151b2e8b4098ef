"""## What it does
Checks that the input and output buckets of 3D point-cloud and video-frame labeling jobs have a
CORS rule allowing `GET`, `HEAD` and `PUT` from origin `*` with `AllowedHeaders: ["*"]`.

## Why is this bad?
The point-cloud and video labeling UIs read frames and write annotations from the browser.
AWS documents a stricter CORS rule for them, on input **and** output buckets; without it the
worker UI cannot load or save.

## Example
```json
[{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]
```

## Use instead
```json
[{"AllowedHeaders": ["*"], "AllowedMethods": ["GET", "HEAD", "PUT"], "AllowedOrigins": ["*"],
  "ExposeHeaders": ["Access-Control-Allow-Origin"], "MaxAgeSeconds": 3000}]
```

## Options
- `labeling.accepted-origins` (default `["*"]`).

## Known limitations
The modality comes from the task type (`PreHumanTaskLambdaArn`); when it is unknown the bucket
is judged as an image bucket (PL100/PL101).
S3 answers a request with the first rule that matches it, so the rule judged is the first one,
in order, that allows GET from an accepted origin: a later rule that would pass does not hide it
(`--fix` inserts the rule before it). A method, header or exposed-header list that cannot be
known statically makes the bucket unverified (PL102), never a violation.

## References
- https://docs.aws.amazon.com/sagemaker/latest/dg/sms-point-cloud-general-information.html
- https://docs.aws.amazon.com/sagemaker/latest/dg/sms-video-overview.html
"""
from __future__ import annotations

from typing import Iterator

from policylint.model import Finding, Project, Severity, Unknown
from policylint.rule import (
    Options,
    RuleMeta,
    bucket_name,
    chain,
    finding,
    judged_cors,
    first_get_rule,
    fix_for_config,
    media_complete,
    config_target,
    need_for,
    needed_rule,
    services,
    severity_for,
)

META = RuleMeta(code="PL103", name="media-labeling-bucket-cors-incomplete",
                severity=Severity.ERROR,
                summary="A point-cloud/video labeling bucket lacks GET, HEAD, PUT from * with "
                        "AllowedHeaders *")

WHY = ("point-cloud and video-frame labeling UIs read and write from the browser: AWS requires "
       "GET, HEAD and PUT from origin * with AllowedHeaders * on input and output buckets")


def check(project: Project, options: Options) -> Iterator[Finding]:
    for lb in project.buckets:
        uses = [u for u in lb.uses if u.needs_cors and u.modality.needs_media_cors]
        if not uses or not lb.cors:
            continue
        for c in judged_cors(lb):
            first = first_get_rule(c, options)
            if isinstance(first, Unknown):
                continue
            if first is not None and media_complete(first[1], options) is not False:
                continue  # S3 answers with the first GET rule: it decides (unknown: PL102)
            kinds = sorted({u.modality.value for u in uses})
            cond = f" when {c.condition}" if c.condition else ""
            yield finding(
                severity_for(uses, META.severity),
                f"CORS of S3 bucket {lb.label}{cond} lacks a rule allowing GET, HEAD and PUT from "
                f"* with AllowedHeaders *; it holds {services(uses)} {'/'.join(kinds)} data",
                c.location, subject=lb.subject, bucket=bucket_name(lb), related=chain(lb, uses),
                fix=fix_for_config(c, needed_rule(uses, media=True), bucket_name(lb)), why=WHY,
                target=config_target(lb, c, need_for(uses, media=True),
                                     before=None if first is None else first[0]))
            break
