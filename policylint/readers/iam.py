"""IAM policy documents → *inferred* labeling inputs, format-neutral.

Shared by Terraform (``aws_iam_role`` inline policies, ``aws_iam_role_policy``, ``aws_iam_policy``
with attachments, ``data "aws_iam_policy_document"``) and CloudFormation (``AWS::IAM::Role``
``Policies``, ``AWS::IAM::Policy``, ``AWS::IAM::ManagedPolicy``). A bucket that the execution
role of a labeling job or an A2I flow definition may ``s3:GetObject`` from, other than the job's
output, is an inferred input: rules report it one severity lower (DESIGN §5).
"""
from __future__ import annotations

import fnmatch
from typing import Any, Callable, Collection, Iterator

from policylint.model import (
    BucketRef,
    Confidence,
    LabelingUse,
    Location,
    Modality,
    Role,
    Service,
    Unknown,
)

Locate = Callable[[tuple[Any, ...]], Location]
RefOf = Callable[[Any], "BucketRef | None"]

_READ_ACTION = "s3:getobject"


def allows_get_object(action: Any) -> bool:
    """True when an Action (string or list) grants s3:GetObject (wildcards included)."""
    actions = action if isinstance(action, list) else [action]
    for a in actions:
        if isinstance(a, str) and fnmatch.fnmatchcase(_READ_ACTION, a.lower()):
            return True
    return False


def statements(document: Any) -> Iterator[tuple[int | None, dict[str, Any]]]:
    """(index, statement) of a policy document; index None when Statement is one object."""
    if not isinstance(document, dict):
        return
    st = document.get("Statement")
    if isinstance(st, dict):
        yield None, st
    elif isinstance(st, list):
        for i, s in enumerate(st):
            if isinstance(s, dict):
                yield i, s


def bucket_of_arn(value: Any) -> str | Unknown | None:
    """The bucket of an S3 bucket or object ARN (``arn:aws:s3:::b`` / ``arn:aws:s3:::b/k*``);
    None for other ARNs and for wildcard bucket parts (no bucket can be named)."""
    if isinstance(value, Unknown):
        return value
    if not isinstance(value, str) or not value.startswith("arn:"):
        return None
    parts = value.split(":", 5)
    if len(parts) < 6 or parts[2] != "s3":
        return None
    bucket = parts[5].split("/", 1)[0]
    if not bucket or any(ch in bucket for ch in "*?$"):
        return None
    return bucket


def _default_ref(value: Any) -> BucketRef | None:
    name = bucket_of_arn(value)
    if name is None or isinstance(name, Unknown):
        return None  # an unknown resource is not evidence worth reporting as unverified
    return BucketRef(name=name, text=str(value))


def inferred_inputs(
    document: Any,
    *,
    outputs: Collection[str],
    locate: Locate,
    evidence: str,
    service: Service = Service.GROUND_TRUTH,
    modality: Modality = Modality.UNKNOWN,
    ref_of: RefOf | None = None,
) -> list[LabelingUse]:
    """Inferred input uses from one IAM policy document (plain dict/list values).

    ``outputs``: bucket names the job or flow definition writes to (not inputs).
    ``locate(("Statement", i, "Resource", j))`` gives the location of a resource entry (``i`` is
    None for a single-object Statement, ``j`` None for a single-string Resource).
    ``ref_of(resource value)`` maps a Resource entry to a BucketRef (a reader may keep a bucket
    identity for an ARN built from a reference); the default parses S3 ARNs and ignores
    Unknown values. ``evidence`` names the policy, e.g. ``aws_iam_role.labeling inline policy``.
    One use per bucket and document.
    """
    ref_of = ref_of or _default_ref
    uses: list[LabelingUse] = []
    seen: set[str] = set()
    skip = set(outputs)
    for i, st in statements(document):
        effect = st.get("Effect", "Allow")
        if effect != "Allow" or not allows_get_object(st.get("Action")):
            continue
        resources = st.get("Resource")
        items = resources if isinstance(resources, list) else [resources]
        for j, res in enumerate(items):
            ref = ref_of(res)
            if ref is None:
                continue
            key = ref.identity or (ref.name if isinstance(ref.name, str) else str(res))
            if key in seen or (isinstance(ref.name, str) and ref.name in skip):
                continue
            seen.add(key)
            where = locate(("Statement", i, "Resource", j if isinstance(resources, list) else None))
            uses.append(LabelingUse(
                service, Role.INPUT, modality,
                f"{evidence}: the execution role may s3:GetObject from {ref.describe()}",
                where, Confidence.INFERRED, ref))
    return uses
