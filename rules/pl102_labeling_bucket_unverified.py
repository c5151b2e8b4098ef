"""## What it does
Reports a labeling use whose bucket policylint cannot judge: the bucket is not defined in the
scanned files and no CORS source for it is known, its name depends on a value that cannot be
known statically (a variable without default, `ManifestS3Uri.$`, `Fn::ImportValue`, a value
computed at run time in code), or its CORS rules cannot be evaluated. The message says which part
is unknown. In code, an environment variable, a custom resource property, an S3 event's bucket
or an SSM parameter is first bound to what the scanned infrastructure sets (the function that
runs the file); when nothing sets it, the message names the function and the variable. For
`sagemaker.Session().default_bucket()` the message names "the SageMaker default bucket
sagemaker-<region>-<account-id>" and the fix is the `put-bucket-cors` command for it.

## Why is this bad?
Unknown is not a violation: policylint never guesses. But nobody has verified that this bucket
carries the CORS rule AWS requires, so the job may still fail.

## Example
```json
{"LabelingJobName": "cats", "InputConfig": {"DataSource": {"S3DataSource":
  {"ManifestS3Uri": "s3://bucket-defined-elsewhere/input.manifest"}}}}
```

## Use instead
Scan the repository that defines the bucket too, bind its CORS document with `cors-files`, or
suppress with a reason once verified.

## Options
`severity: {PL102: error}` makes unverified buckets fail the run. With `--aws`, policylint reads
the deployed CORS of these buckets and judges it with PL100/PL101/PL103/PL104 instead; a bucket
whose live CORS could not be read stays PL102, with the API error in the message.

## Known limitations
None.

## References
- https://docs.aws.amazon.com/sagemaker/latest/dg/sms-cors-update.html
"""
from __future__ import annotations

from collections.abc import Iterator

from policylint.model import Finding, Project, Related, SageMakerDefaultBucket, Severity
from policylint.rule import (
    Options,
    RuleMeta,
    bucket_name,
    chain,
    finding,
    judged_cors,
    command_fix,
    evidence_related,
    fix_for_bucket,
    live_failure,
    live_verified,
    needed_rule,
    services,
    rule_unknown_reason,
    where_defined,
)

META = RuleMeta(code="PL102", name="labeling-bucket-unverified", severity=Severity.WARNING,
                summary="A labeling use points at a bucket whose CORS cannot be verified")

WHY = "policylint cannot verify that this bucket has the CORS rule AWS requires for labeling"


def check(project: Project, options: Options) -> Iterator[Finding]:
    for lb in project.buckets:
        uses = [u for u in lb.uses if u.needs_cors]
        if not uses:
            continue
        first = min(uses, key=lambda u: (u.location.path, u.location.line, u.location.column))
        if lb.bucket is None and not lb.cors:
            if live_verified(lb) or lb.missing_cors:  # PL100 judges "no CORS"
                continue  # --aws read it: PL100 judges "no CORS"
            yield finding(
                META.severity,
                f"{services(uses)} input bucket '{lb.label}' {where_defined(lb)} "
                f"and no CORS source for it is known: its CORS cannot be verified"
                f"{live_failure(lb)}",
                first.location, subject=lb.subject, bucket=bucket_name(lb),
                related=tuple(evidence_related(uses)),
                fix=fix_for_bucket(lb, needed_rule(uses)), why=WHY)
            continue
        for c in judged_cors(lb):
            reason = rule_unknown_reason(c, uses, options)
            if reason is not None:
                yield finding(
                    META.severity,
                    f"CORS of {services(uses)} input bucket {lb.label} cannot be evaluated: "
                    f"{reason}{live_failure(lb)}",
                    c.location, subject=lb.subject, bucket=bucket_name(lb),
                    related=chain(lb, uses), why=WHY)
                break
        else:
            if lb.cors and lb.live is not None and not lb.live.ok:
                # declared CORS is known, but --aws was asked to compare it and could not
                yield finding(
                    META.severity,
                    f"deployed CORS of {services(uses)} input bucket {lb.label} cannot be "
                    f"verified: --aws could not read it: {lb.live.error}",
                    lb.cors[0].location, subject=lb.subject, bucket=bucket_name(lb),
                    related=chain(lb, uses), why=WHY)
    for use, why in project.unbound_uses:
        if not use.needs_cors:
            continue
        fix = None
        if isinstance(use.target.name, SageMakerDefaultBucket):
            # the bucket is known by shape: the fix is the command for it, account filled in
            fix = command_fix("apply the CORS rule to the SageMaker default bucket of the account "
                              "and region the code runs in (or run with --aws, which reads its "
                              "real name and its deployed CORS)",
                              SageMakerDefaultBucket.PLACEHOLDER, needed_rule([use]))
        yield finding(
            META.severity,
            f"{use.service.title} {use.role.value} '{use.target.describe()}' cannot be verified: "
            f"{why}",
            use.location, subject=use.target.describe(),
            bucket=use.target.name if isinstance(use.target.name, str) else None,
            related=(Related(use.evidence, use.location),), fix=fix, why=WHY)
