"""Issue 15 item 13: the task type also comes from a built-in HumanTaskUiArn (the account
differs by region) when the pre-annotation Lambda is absent or unknown."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import json_findings, write_tree

from policylint import labeling
from policylint.model import Modality

GET_ONLY = '[{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"], ' \
           '"ExposeHeaders": ["Access-Control-Allow-Origin"]}]\n'


@pytest.mark.parametrize(("arn", "modality"), [
    ("arn:aws:sagemaker:us-east-1:394669845002:human-task-ui/PointCloudObjectDetection",
     Modality.POINT_CLOUD),
    ("arn:aws:sagemaker:eu-west-1:568282634449:human-task-ui/PointCloudSemanticSegmentation",
     Modality.POINT_CLOUD),
    ("arn:aws-cn:sagemaker:cn-north-1:111111111111:human-task-ui/VideoObjectTracking",
     Modality.VIDEO),
    ("arn:aws:sagemaker:ap-northeast-1:477331159723:human-task-ui/NamedEntityRecognition",
     Modality.TEXT),
    ("arn:aws:sagemaker:us-east-1:123456789012:human-task-ui/my-custom-ui", Modality.UNKNOWN),
    ("not an arn", Modality.UNKNOWN),
])
def test_modality_of_ui(arn: str, modality: Modality) -> None:
    assert labeling.modality_of_ui(arn) is modality
    assert labeling.task_modality(None, arn) is modality
    # the pre-annotation Lambda, when it names the task, decides
    assert labeling.task_modality(
        "arn:aws:lambda:us-east-1:432418664414:function:PRE-BoundingBox", arn) is Modality.IMAGE


def _request(ui: str) -> str:
    return json.dumps({
        "LabelingJobName": "j",
        "InputConfig": {"DataSource": {"S3DataSource": {
            "ManifestS3Uri": "s3://acme-data/in.manifest"}}},
        "OutputConfig": {"S3OutputPath": "s3://acme-data/out/"},
        "HumanTaskConfig": {"UiConfig": {"HumanTaskUiArn": ui}}}, indent=2) + "\n"


@pytest.mark.parametrize(("ui", "expected"), [
    # point cloud: GET alone is not enough (PL103 at the CORS document)
    ("arn:aws:sagemaker:us-west-2:081040173940:human-task-ui/PointCloudObjectTracking",
     [("PL103", "cors.json", 1, 1)]),
    # named entity recognition is text: no CORS needed at all
    ("arn:aws:sagemaker:us-east-1:394669845002:human-task-ui/NamedEntityRecognition", []),
])
def test_request_file(repo: Path, ui: str, expected: list[tuple[str, str, int, int]]) -> None:
    write_tree(repo, {"job.json": _request(ui), "cors.json": GET_ONLY,
                      ".policylint.yaml": "cors-files:\n  cors.json: acme-data\n"})
    assert json_findings(["."], repo) == expected


TF = '''data "aws_partition" "current" {}
resource "aws_s3_bucket" "data" {
  bucket = "acme-data"
}
resource "aws_s3_bucket_cors_configuration" "data" {
  bucket = aws_s3_bucket.data.id
  cors_rule {
    allowed_methods = ["GET"]
    allowed_origins = ["*"]
    expose_headers  = ["Access-Control-Allow-Origin"]
  }
}
resource "aws_sagemaker_labeling_job" "j" {
  input_config {
    data_source {
      s3_data_source {
        manifest_s3_uri = "s3://acme-data/in.manifest"
      }
    }
  }
  output_config {
    s3_output_path = "s3://acme-data/out/"
  }
  human_task_config {
    ui_config {
      human_task_ui_arn = UI
    }
  }
}
'''


@pytest.mark.parametrize("ui", [
    '"arn:aws:sagemaker:us-east-1:394669845002:human-task-ui/VideoObjectDetection"',
    '"arn:${data.aws_partition.current.partition}:sagemaker:us-east-1:394669845002:'
    'human-task-ui/VideoObjectDetection"',
])
def test_terraform_labeling_job(repo: Path, ui: str) -> None:
    write_tree(repo, {"main.tf": TF.replace("UI", ui)})
    assert json_findings(["."], repo) == [("PL103", "main.tf", 5, 1)]
