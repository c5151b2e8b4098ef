"""PL102 labeling-bucket-unverified: a labeling use of a bucket whose CORS cannot be verified
(defined outside the scan), at the use."""
from __future__ import annotations

from pathlib import Path

from rule_support import findings

JOB = '''import boto3

sm = boto3.client("sagemaker")
sm.create_labeling_job(
    LabelingJobName="j",
    InputConfig={"DataSource": {"S3DataSource": {"ManifestS3Uri": "s3://acme-elsewhere/m.json"}}},
)
'''
DEFINED = '''resource "aws_s3_bucket" "b" {
  bucket = "acme-elsewhere"

  cors_rule {
    allowed_methods = ["GET"]
    allowed_origins = ["*"]
    expose_headers  = ["Access-Control-Allow-Origin"]
  }
}
'''


def test_fails_at_the_use_of_an_unknown_bucket(tmp_path: Path) -> None:
    assert findings(tmp_path, {"job.py": JOB}, "PL102") == [("PL102", "job.py", 6, 67)]


def test_passes_when_the_bucket_and_its_cors_are_in_the_scan(tmp_path: Path) -> None:
    assert findings(tmp_path, {"job.py": JOB, "main.tf": DEFINED}, "PL102") == []
