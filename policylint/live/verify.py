"""``--aws``: read the deployed CORS of the labeling buckets the scan could not verify, and of
the ones whose declared CORS it could (to catch drift, PL105).

Runs after linking, on the Project, before the rules: a bucket known only by name, or whose
declared CORS cannot be evaluated, gets its live configuration in place of what the scan could
not know (placed where the PL102 it replaces would be), so PL100/PL101/PL103/PL104 judge it like
any other; a bucket whose declared CORS is known keeps it, and the live one is kept aside for
PL105. A labeling use of the SageMaker default bucket becomes a use of
``sagemaker-<region>-<account>`` once STS has told the account.
"""
from __future__ import annotations

from typing import Any, Callable

from policylint.live import Settings
from policylint.model import (
    BucketRef,
    CorsConfig,
    CorsSource,
    Format,
    LabelingUse,
    LinkedBucket,
    LiveCors,
    Location,
    Project,
    SageMakerDefaultBucket,
)
from policylint.rule import Options, unknown_reason


def verify(project: Project, settings: Settings, options: Options,
           session_factory: Callable[..., Any] | None = None, account: Any = None) -> int:
    """Add live CORS to ``project``; return how many buckets were read. ``account``: an
    ``aws.Account`` already connected (aws-audit), else one is connected here."""
    from policylint.live import aws

    failure = ""
    if account is None:
        try:
            account = aws.connect(settings, session_factory)
        except aws.LiveError as exc:
            failure = str(exc)
    if account is not None:
        _bind_default_bucket(project, account.region, account.account)
    todo = [lb for lb in project.buckets if _wanted(lb, options)]
    if not todo:
        return 0
    s3 = account.client("s3") if account is not None else None
    for lb in todo:
        name = lb.name if isinstance(lb.name, str) else ""
        if account is None:
            live = LiveCors(name, "?", settings.region or "?", aws.now(), None,
                            error=f"cannot reach AWS: {failure}")
        else:
            live = aws.read_cors(account, name, s3)
        _apply(lb, live, options)
    return len(todo)


def _needing(lb: LinkedBucket) -> list[LabelingUse]:
    return [u for u in lb.uses if u.needs_cors]


def _wanted(lb: LinkedBucket, options: Options) -> bool:
    """A labeling bucket with a known name that is unverified, or whose declared CORS is known
    (for drift). A bucket defined without any CORS is PL100 whatever is deployed."""
    if not isinstance(lb.name, str) or not _needing(lb):
        return False
    if not lb.cors:
        return lb.bucket is None
    return lb.bucket is not None or _replaceable(lb, options) is not None


def _replaceable(lb: LinkedBucket, options: Options) -> CorsConfig | None:
    """The declared configuration the scan could not judge (the PL102's place), if any."""
    for c in lb.cors:
        if unknown_reason(c, options) is not None:
            return c
    return None


def _apply(lb: LinkedBucket, live: LiveCors, options: Options) -> None:
    lb.live = live
    if not live.ok:
        return
    unknown = _replaceable(lb, options)
    if unknown is not None:
        where = unknown.location
    elif lb.bucket is None and not lb.cors:
        where = _first_use(lb)
    else:
        return  # declared CORS is known: the live one is only compared (PL105)
    if live.rules is None:
        lb.cors = []
        return
    lb.cors = [CorsConfig(target=BucketRef(name=live.bucket, text=live.bucket), rules=live.rules,
                          location=where, source=CorsSource.LIVE, format=Format.LIVE,
                          group=f"live:{live.bucket}")]


def _first_use(lb: LinkedBucket) -> Location:
    uses = _needing(lb)
    return min(uses, key=lambda u: (u.location.path, u.location.line, u.location.column)).location


def _bind_default_bucket(project: Project, region: str, account: str) -> None:
    """Uses of the SageMaker default bucket, unbound statically, bind to its real name."""
    name = SageMakerDefaultBucket.name_for(region, account)
    kept: list[tuple[LabelingUse, str]] = []
    for use, why in project.unbound_uses:
        if not isinstance(use.target.name, SageMakerDefaultBucket):
            kept.append((use, why))
            continue
        lb = next((b for b in project.buckets if b.name == name), None)
        if lb is None:
            lb = LinkedBucket(name=name, bucket=None)
            project.buckets.append(lb)
        lb.uses.append(use)
    project.unbound_uses = kept
