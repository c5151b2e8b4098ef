"""PL104 ground-truth-cors-expose-header: a Ground Truth input bucket's GET rule that does not
expose Access-Control-Allow-Origin, at the rule."""
from __future__ import annotations

from pathlib import Path

from rule_support import findings

TF = '''resource "aws_s3_bucket" "gt" {
  bucket = "acme-gt"

  cors_rule {
    allowed_methods = ["GET"]
    allowed_origins = ["*"]
EXPOSE  }
}
'''
JOB = '''import boto3

sm = boto3.client("sagemaker")
sm.create_labeling_job(
    LabelingJobName="images",
    InputConfig={"DataSource": {"S3DataSource": {"ManifestS3Uri": "s3://acme-gt/m.json"}}},
)
'''


def test_fails_without_the_exposed_header(tmp_path: Path) -> None:
    files = {"main.tf": TF.replace("EXPOSE", ""), "job.py": JOB}
    assert findings(tmp_path, files, "PL104") == [("PL104", "main.tf", 4, 3)]


def test_passes_with_the_exposed_header(tmp_path: Path) -> None:
    files = {"main.tf": TF.replace(
        "EXPOSE", '    expose_headers  = ["Access-Control-Allow-Origin"]\n'), "job.py": JOB}
    assert findings(tmp_path, files, "PL104") == []
