"""Cross-format chains: labeling files bind to buckets that Terraform and CloudFormation define,
by bucket name, across the whole scan.

Fixture: tests/fixtures/labeling/chains/
- infra/main.tf: chain-tf-images (no CORS), chain-tf-frames (CORS resource);
- cfn/buckets.yaml: chain-cfn-with-cors (inline CORS), chain-cfn-without-cors;
- jobs/tf-job.json: a CreateLabelingJob request whose manifest lives in chain-tf-images;
- data/three.manifest: images in a bucket with CORS, one without, one defined nowhere (and
  chain-tf-frames);
- scripts/cors.sh: applies cors/frames.json (relative to the repository root) to
  chain-tf-frames, which Terraform also configures → PL201.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import copy_fixture, run_cli


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_fixture("labeling/chains", tmp_path_factory.mktemp("chains"))


@pytest.fixture(scope="module")
def scan(root: Path) -> dict[str, Any]:
    code, out, err = run_cli([".", "--format", "json", "--no-cache"], root)
    assert code == 1, err
    return json.loads(out)


def _keys(scan: dict[str, Any]) -> list[tuple[str, str, str, int, int, str | None]]:
    return [(f["rule"], f["severity"], f["path"], f["line"], f["column"], f["bucket"])
            for f in scan["findings"]]


def test_findings(scan: dict[str, Any]) -> None:
    assert _keys(scan) == [
        # the manifest's bucket without CORS: PL100 at the bucket, evidence from the manifest
        ("PL100", "error", "cfn/buckets.yaml", 12, 3, "chain-cfn-without-cors"),
        # the bucket defined nowhere: a warning at its first use, never an error
        ("PL102", "warning", "data/three.manifest", 3, 16, "chain-nowhere"),
        # a Terraform bucket used by a request JSON
        ("PL100", "error", "infra/main.tf", 1, 1, "chain-tf-images"),
        # a script-applied document and a Terraform CORS resource for one bucket
        ("PL201", "error", "infra/main.tf", 9, 1, "chain-tf-frames"),
    ]


def _finding(scan: dict[str, Any], rule: str, bucket: str) -> dict[str, Any]:
    return next(f for f in scan["findings"] if f["rule"] == rule and f["bucket"] == bucket)


def test_terraform_bucket_used_by_request_shows_the_chain(scan: dict[str, Any]) -> None:
    f = _finding(scan, "PL100", "chain-tf-images")
    assert [(r["path"], r["line"], r["message"]) for r in f["related"]] == [
        ("infra/main.tf", 1, "bucket aws_s3_bucket.fail_images is defined here"),
        ("jobs/tf-job.json", 5, "CreateLabelingJob request jobs/tf-job.json: input manifest "
                                "(defined)"),
    ]


def test_manifest_evidence_counts_lines(scan: dict[str, Any]) -> None:
    f = _finding(scan, "PL100", "chain-cfn-without-cors")
    assert [(r["path"], r["line"], r["message"]) for r in f["related"]] == [
        ("cfn/buckets.yaml", 12, "bucket FailWithoutCors is defined here"),
        ("data/three.manifest", 2, "Ground Truth input manifest data/three.manifest: source-ref "
                                   "s3://chain-cfn-without-cors/2.jpg (and 1 more lines) "
                                   "(defined)"),
    ]


def test_conflict_names_both_sources(scan: dict[str, Any]) -> None:
    f = _finding(scan, "PL201", "chain-tf-frames")
    assert f["message"] == ("S3 bucket aws_s3_bucket.pass_frames (chain-tf-frames) has 2 CORS "
                            "definitions (cors/frames.json:1:1, infra/main.tf:9:1): only the "
                            "last applied survives")


def test_inventory_binds_every_use(root: Path) -> None:
    code, out, err = run_cli([".", "--show-inventory", "--format", "json", "--no-cache"], root)
    assert code == 0, err
    doc = json.loads(out)
    got = {b["name"]: (b["address"], [(c["path"], c["line"], c["allows_get_from_any_origin"])
                                      for c in b["cors"]],
                       [(u["path"], u["line"]) for u in b["labeling"]])
           for b in doc["buckets"]}
    assert got == {
        "chain-cfn-with-cors": ("PassWithCors", [("cfn/buckets.yaml", 7, True)],
                                [("data/three.manifest", 1)]),
        "chain-cfn-without-cors": ("FailWithoutCors", [], [("data/three.manifest", 2)]),
        "chain-tf-images": ("aws_s3_bucket.fail_images", [], [("jobs/tf-job.json", 5)]),
        "chain-tf-frames": ("aws_s3_bucket.pass_frames",
                            [("cors/frames.json", 1, True), ("infra/main.tf", 9, True)],
                            [("data/three.manifest", 4)]),
        "chain-nowhere": (None, [], [("data/three.manifest", 3)]),
        # its name needs var.env (no default, no caller in the scan): listed, name unknown
        None: ("aws_s3_bucket.dynamic", [], []),
    }
    assert doc["unbound_uses"] == [] and doc["unbound_cors"] == []
