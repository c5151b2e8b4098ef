"""``policylint aws-audit``: the account's view of labeling, for what no repository holds.

Every labeling job in progress or created in the last ``days`` (ListLabelingJobs,
DescribeLabelingJob: input manifest, output path, task type from the pre-annotation Lambda or the
worker UI), every flow definition with its recent human loops, and with ``read_manifests`` the
first lines of each input manifest (their ``source-ref`` buckets) become labeling uses located at
the job's ARN (a logical location). They are linked and live-verified like a scan's, so the same
rules judge them. A failed listing is a finding (PL102 naming the API error), never a crash.
"""
from __future__ import annotations

import datetime as _dt
import io
from dataclasses import dataclass, field
from typing import Any, Callable

from policylint import labeling
from policylint.model import (
    BucketRef,
    Confidence,
    Facts,
    LabelingUse,
    Location,
    Modality,
    Role,
    Service,
    Unknown,
)

MANIFEST_BYTES = 1024 * 1024  # at most this much of a manifest is read for its first lines
MAX_JOBS = 1000


@dataclass
class Audit:
    facts: Facts = field(default_factory=Facts)
    notes: list[str] = field(default_factory=list)  # what was read, for stderr
    jobs: int = 0
    flows: int = 0
    loops: int = 0


def run(account: Any, *, days: int = 30, read_manifests: int = 0,
        clock: Callable[[], _dt.datetime] | None = None) -> Audit:
    """Read the account (an ``aws.Account``) into labeling uses."""
    now = (clock or (lambda: _dt.datetime.now(_dt.timezone.utc)))()
    since = now - _dt.timedelta(days=days)
    out = Audit()
    sm = account.client("sagemaker")
    for summary in _jobs(sm, since, account, out):
        _job(sm, summary, account, out, read_manifests)
    _flows(account, sm, since, out)
    return out


def _scope(account: Any, what: str) -> Location:
    return Location(f"arn:aws:sagemaker:{account.region}:{account.account}:{what}")


def _failed(out: Audit, account: Any, what: str, api: str, exc: BaseException,
            service: Service) -> None:
    from policylint.live.aws import error_text

    err = error_text(exc)
    out.notes.append(f"{api} failed: {err}")
    out.facts.uses.append(LabelingUse(
        service, Role.INPUT, Modality.UNKNOWN, f"{api} in account {account.account}",
        _scope(account, what), Confidence.DEFINED,
        BucketRef(name=Unknown(f"{api} failed: {err}"), text=f"{api} ({account.region})")))


def _jobs(sm: Any, since: _dt.datetime, account: Any, out: Audit) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    queries = ({"StatusEquals": "InProgress"}, {"CreationTimeAfter": since})
    try:
        for query in queries:
            token = None
            while len(seen) < MAX_JOBS:
                kwargs: dict[str, Any] = {"MaxResults": 100, **query}
                if token:
                    kwargs["NextToken"] = token
                page = sm.list_labeling_jobs(**kwargs)
                for s in page.get("LabelingJobSummaryList") or []:
                    seen.setdefault(str(s.get("LabelingJobArn")), s)
                token = page.get("NextToken")
                if not token:
                    break
    except Exception as exc:
        _failed(out, account, "labeling-job/*", "ListLabelingJobs", exc, Service.GROUND_TRUTH)
    out.jobs = len(seen)
    return list(seen.values())


def _job(sm: Any, summary: dict[str, Any], account: Any, out: Audit, read_manifests: int) -> None:
    name = str(summary.get("LabelingJobName", "?"))
    arn = str(summary.get("LabelingJobArn") or _scope(account, f"labeling-job/{name}").path)
    where = Location(arn)
    try:
        job = sm.describe_labeling_job(LabelingJobName=name)
    except Exception as exc:
        _failed(out, account, f"labeling-job/{name}", "DescribeLabelingJob", exc,
                Service.GROUND_TRUTH)
        return
    status = job.get("LabelingJobStatus", summary.get("LabelingJobStatus", "?"))
    evidence = f"labeling job {name} ({status})"
    uses = labeling.labeling_job_uses(job, lambda _path: where, evidence)
    out.facts.uses += uses
    out.notes.append(f"{evidence}: {len(uses)} bucket use(s)")
    if read_manifests > 0:
        source = ((job.get("InputConfig") or {}).get("DataSource") or {}).get("S3DataSource")
        manifest = (source or {}).get("ManifestS3Uri")
        if isinstance(manifest, str):
            modality = uses[0].modality if uses else Modality.UNKNOWN
            _manifest(account, manifest, read_manifests, where, evidence, modality, out)


def _manifest(account: Any, uri: str, lines: int, where: Location, evidence: str,
              modality: Modality, out: Audit) -> None:
    """The ``source-ref`` buckets of the first ``lines`` lines of a manifest."""
    from policylint.readers.manifests import scan_stream

    parsed = labeling.parse_s3_uri(uri)
    if parsed is None:
        return
    bucket, key = parsed
    try:
        got = account.client("s3").get_object(Bucket=bucket, Key=key,
                                              Range=f"bytes=0-{MANIFEST_BYTES - 1}")
        data = got["Body"].read(MANIFEST_BYTES)
    except Exception as exc:
        from policylint.live.aws import error_text

        out.notes.append(f"GetObject {uri} failed: {error_text(exc)}")
        return
    head = b"\n".join(data.split(b"\n")[:lines])
    scan = scan_stream(io.BytesIO(head), uri)
    if modality is Modality.TEXT:
        return  # a text job needs no CORS on the objects its manifest names
    for name, first in scan.buckets.items():
        out.facts.uses.append(LabelingUse(
            Service.GROUND_TRUTH, Role.INPUT,
            modality if modality is not Modality.UNKNOWN else Modality.IMAGE,
            f"{evidence}: source-ref {first.uri} in manifest {uri} (line {first.line})",
            where, Confidence.DEFINED, BucketRef(name=name, text=first.uri)))


def _flows(account: Any, sm: Any, since: _dt.datetime, out: Audit) -> None:
    """Flow definitions and their recent human loops. A2I's API does not return a loop's input,
    so a flow yields evidence for its output bucket only (which needs CORS for no modality A2I
    uses): the inputs are found in the code that starts the loops."""
    try:
        flows = sm.list_flow_definitions(MaxResults=100).get("FlowDefinitionSummaries") or []
    except Exception as exc:
        from policylint.live.aws import error_text

        out.notes.append(f"ListFlowDefinitions failed: {error_text(exc)}")
        return
    out.flows = len(flows)
    a2i = None
    for f in flows:
        arn = str(f.get("FlowDefinitionArn", "?"))
        loops = "?"
        try:
            a2i = a2i or account.client("sagemaker-a2i-runtime")
            got = a2i.list_human_loops(FlowDefinitionArn=arn, CreationTimeAfter=since,
                                       MaxResults=100)
            n = len(got.get("HumanLoopSummaries") or [])
            out.loops += n
            loops = str(n)
        except Exception as exc:
            from policylint.live.aws import error_text

            loops = f"unknown ({error_text(exc)})"
        out.notes.append(f"flow definition {f.get('FlowDefinitionName', arn)}: {loops} recent "
                         "human loop(s); A2I does not return loop inputs: scan the code that "
                         "starts them")
