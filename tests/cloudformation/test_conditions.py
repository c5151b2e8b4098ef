"""Resource-level ``Condition:`` and possible condition combinations (issue 15, items 5 and 6).

A branch in which a resource does not exist is never judged, and neither is a combination of
conditions that no deployment can reach. Each template is written as a document and read both
as YAML (long-form intrinsics) and as JSON; a short-form YAML template checks the same with
tags. Positions are found in the written text, then compared exactly.
"""
from __future__ import annotations

from pathlib import Path

from conftest import json_findings

def _short_yaml() -> str:
    return """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Env:
    Type: String
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
Resources:
  Images:
    Type: AWS::S3::Bucket
    Condition: IsProd
    Properties:
      BucketName: acme-images
      CorsConfiguration: !If
        - IsProd
        - CorsRules:
            - AllowedMethods: [GET]
              AllowedOrigins: ["*"]
              ExposedHeaders: [Access-Control-Allow-Origin]
        - !Ref AWS::NoValue
  Job:
    Type: AWS::StepFunctions::StateMachine
    Condition: IsProd
    Properties:
      Definition:
        StartAt: L
        States:
          L:
            Type: Task
            Resource: arn:aws:states:::sagemaker:createLabelingJob
            Parameters:
              InputConfig:
                DataSource:
                  S3DataSource:
                    ManifestS3Uri: !If [IsProd, !Sub "s3://${Images}/in.manifest", !Ref AWS::NoValue]
            End: true
"""


def test_short_form_resource_conditions_on_bucket_and_state_machine(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(_short_yaml())
    assert json_findings(["."], tmp_path) == []  # the manifest binds, the CORS passes


def test_without_the_resource_conditions_the_missing_branches_are_judged(tmp_path: Path) -> None:
    # the state machine exists in every deployment: where IsProd is false its manifest is
    # not known
    text = _short_yaml().replace("    Condition: IsProd\n    Properties:\n      Definition",
                                 "    Properties:\n      Definition")
    (tmp_path / "template.yaml").write_text(text)
    assert json_findings(["."], tmp_path) == [("PL102", "template.yaml", 34, 21)]
    # the bucket exists in every deployment: where IsProd is false it has no CORS
    text = _short_yaml().replace("    Condition: IsProd\n    Properties:\n      BucketName",
                                 "    Properties:\n      BucketName")
    (tmp_path / "template.yaml").write_text(text)
    assert json_findings(["."], tmp_path) == [("PL101", "template.yaml", 13, 7)]
