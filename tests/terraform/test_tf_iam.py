"""policylint.readers.iam: the format-neutral IAM helper (shared with CloudFormation)."""
from __future__ import annotations

from typing import Any

from policylint.model import BucketRef, Confidence, Location, Modality, Role, Service, Unknown
from policylint.readers import iam


def locate(keys: tuple[Any, ...]) -> Location:
    _, i, _, j = keys
    return Location("policy.json", 10 + (i or 0), 1 + (j or 0))


def uses(doc: Any, outputs: set[str] = frozenset()) -> list[tuple[Any, ...]]:  # type: ignore[assignment]
    got = iam.inferred_inputs(doc, outputs=outputs, locate=locate, evidence="role r")
    return [(u.target.name, u.location.line, u.location.column, u.confidence, u.role, u.service,
             u.modality) for u in got]


def test_get_object_grants_are_inferred_inputs() -> None:
    doc = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": "arn:aws:s3:::put-only/*"},
        {"Effect": "Allow", "Action": "s3:Get*",
         "Resource": ["arn:aws:s3:::in-a/*", "arn:aws:s3:::in-a", "arn:aws:s3:::out/*"]},
        {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::denied/*"},
        {"Action": "*", "Resource": ["arn:aws:s3:::in-b/prefix/*", "arn:aws:s3:::logs-*/*",
                                     "arn:aws:sqs:us-east-1:1:q", "*"]},
        {"Effect": "Allow", "NotAction": "s3:PutObject", "Resource": "arn:aws:s3:::not-action/*"},
    ]}
    inferred = (Confidence.INFERRED, Role.INPUT, Service.GROUND_TRUTH, Modality.UNKNOWN)
    assert uses(doc, {"out"}) == [("in-a", 11, 1, *inferred), ("in-b", 13, 1, *inferred)]


def test_single_statement_object_and_custom_refs() -> None:
    doc = {"Statement": {"Effect": "Allow", "Action": "s3:getobject",
                         "Resource": Unknown("aws_s3_bucket.x.arn is known only after apply")}}
    assert uses(doc) == []  # an unknown resource is no evidence by default
    got = iam.inferred_inputs(
        doc, outputs=set(), locate=locate, evidence="role r", service=Service.A2I,
        ref_of=lambda v: BucketRef(identity="m#aws_s3_bucket.x", name=v, text="x"))
    assert [(u.target.identity, u.service, u.location.line) for u in got] == [
        ("m#aws_s3_bucket.x", Service.A2I, 10)]
    assert "the execution role may s3:GetObject from x" in got[0].evidence


def test_bucket_of_arn() -> None:
    assert iam.bucket_of_arn("arn:aws:s3:::b/k/*") == "b"
    assert iam.bucket_of_arn("arn:aws-cn:s3:::b") == "b"
    assert iam.bucket_of_arn("arn:aws:s3:::*") is None
    assert iam.bucket_of_arn("arn:aws:s3:::${Bucket}/*") is None
    assert iam.bucket_of_arn("arn:aws:iam::1:role/x") is None
    assert iam.bucket_of_arn("not an arn") is None
