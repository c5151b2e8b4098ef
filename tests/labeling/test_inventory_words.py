"""The inventory's words match the case: a bucket read through a Terraform data source is
defined outside this configuration (not missing from the scan); an output-only bucket is not a
labeling input."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli, write_tree

from policylint import inventory
from policylint.model import (
    BucketRef,
    Confidence,
    LabelingUse,
    LinkedBucket,
    Location,
    Modality,
    Project,
    Role,
    Service,
)

CONFIG = 'labeling:\n  buckets: ["acme-images"]\n'


def _cors(ref: str) -> str:
    return (f'resource "aws_s3_bucket_cors_configuration" "c" {{\n  bucket = {ref}\n'
            '  cors_rule {\n    allowed_methods = ["GET"]\n    allowed_origins = ["*"]\n  }\n}\n')


@pytest.mark.parametrize("ref", ["data.aws_s3_bucket.images.id",
                                 "data.aws_s3_bucket.images.bucket"])
def test_data_source_bucket_is_defined_outside(tmp_path: Path, ref: str) -> None:
    root = write_tree(tmp_path, {".git/HEAD": "", ".policylint.yaml": CONFIG, "main.tf": (
        'data "aws_s3_bucket" "images" {\n  bucket = "acme-images"\n}\n\n' + _cors(ref))})
    code, out, _ = run_cli(["--show-inventory", "--no-cache"], root)
    assert code == 0
    assert out.splitlines()[1] == (
        "  acme-images: read through a data source (data.aws_s3_bucket.images), defined "
        "outside this configuration [labeling input]")
    code, out, _ = run_cli(["--show-inventory", "--format", "json", "--no-cache"], root)
    assert code == 0
    [bucket] = json.loads(out)["buckets"]
    assert (bucket["address"], bucket["data_source"]) == (None, "data.aws_s3_bucket.images")


def test_bucket_named_only_is_still_not_defined(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {".git/HEAD": "", ".policylint.yaml": CONFIG,
                                 "main.tf": _cors('"acme-images"')})
    code, out, _ = run_cli(["--show-inventory", "--no-cache"], root)
    assert code == 0
    assert out.splitlines()[1] == "  acme-images: not defined in the scanned files [labeling input]"


def _use(role: Role, line: int) -> LabelingUse:
    return LabelingUse(Service.GROUND_TRUTH, role, Modality.VIDEO, f"job: {role.value}",
                       Location("sfn.json", line, 3), Confidence.DEFINED,
                       BucketRef(name="acme-video", text="acme-video"))


@pytest.mark.parametrize(("roles", "tag"), [
    ((Role.OUTPUT,), "[labeling output]"),
    ((Role.INPUT,), "[labeling input]"),
    ((Role.INPUT, Role.OUTPUT), "[labeling input and output]"),
])
def test_bucket_tag_names_its_role(roles: tuple[Role, ...], tag: str) -> None:
    lb = LinkedBucket("acme-video", None, uses=[_use(r, i + 1) for i, r in enumerate(roles)])
    text = inventory.render(Project(buckets=[lb]))
    assert text.splitlines()[1] == f"  acme-video: not defined in the scanned files {tag}"


def test_pl102_says_a_data_source_bucket_is_defined_outside() -> None:
    from policylint.rule import Options
    from rules import pl102_labeling_bucket_unverified as pl102

    use = LabelingUse(Service.GROUND_TRUTH, Role.INPUT, Modality.IMAGE, "job: input manifest",
                      Location("main.tf", 4, 3), Confidence.DEFINED,
                      BucketRef(name="acme-images", text="data.aws_s3_bucket.images.id"))
    [finding] = pl102.check(Project(buckets=[LinkedBucket("acme-images", None, uses=[use])]),
                            Options())
    assert finding.message == (
        "Ground Truth input bucket 'acme-images' is read through a data source "
        "(data.aws_s3_bucket.images), defined outside this configuration and no CORS source for "
        "it is known: its CORS cannot be verified")
    assert finding.fix is not None
    assert finding.fix.description == (
        "apply the CORS rule to the bucket (it is read through a data source "
        "(data.aws_s3_bucket.images), defined outside this configuration)")
