"""PL103 media-labeling-bucket-cors-incomplete: a video or point-cloud job's bucket whose CORS
lacks GET, HEAD, PUT from * with AllowedHeaders *, at the CORS rule."""
from __future__ import annotations

from pathlib import Path

from rule_support import findings

TF = '''resource "aws_s3_bucket" "video" {
  bucket = "acme-video"

  cors_rule {
    allowed_methods = [METHODS]
    allowed_origins = ["*"]
    allowed_headers = ["*"]
    expose_headers  = ["Access-Control-Allow-Origin"]
  }
}
'''
JOB = '''import boto3

sm = boto3.client("sagemaker")
sm.create_labeling_job(
    LabelingJobName="video",
    InputConfig={"DataSource": {"S3DataSource": {"ManifestS3Uri": "s3://acme-video/m.json"}}},
    HumanTaskConfig={"PreHumanTaskLambdaArn":
                     "arn:aws:lambda:us-east-1:432418664414:function:PRE-VideoObjectTracking"},
)
'''


def test_fails_with_get_alone(tmp_path: Path) -> None:
    files = {"main.tf": TF.replace("METHODS", '"GET"'), "job.py": JOB}
    assert findings(tmp_path, files, "PL103") == [("PL103", "main.tf", 4, 3)]


def test_passes_with_the_media_rule(tmp_path: Path) -> None:
    files = {"main.tf": TF.replace("METHODS", '"GET", "HEAD", "PUT"'), "job.py": JOB}
    assert findings(tmp_path, files, "PL103") == []


def test_passes_for_an_image_job(tmp_path: Path) -> None:
    files = {"main.tf": TF.replace("METHODS", '"GET"'),
             "job.py": JOB.replace("PRE-VideoObjectTracking", "PRE-BoundingBox")}
    assert findings(tmp_path, files, "PL103") == []
