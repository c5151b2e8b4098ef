"""Issue 15 item 14: every Step Functions integration form of every labeling API, and run-time
input at any depth, is read; a bucket hidden behind run-time input is unverified (PL102) at the
state, never silence. Standalone ASL, CloudFormation and Terraform definitions alike."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import json_findings, write_tree

from policylint import labeling
from policylint.readers import asl

LITERAL = {"InputConfig": {"DataSource": {"S3DataSource": {
    "ManifestS3Uri": "s3://acme-in/m.manifest"}}}}


@pytest.mark.parametrize("resource", [
    "arn:aws:states:::sagemaker:createLabelingJob",
    "arn:aws:states:::sagemaker:createLabelingJob.sync",
    "arn:aws:states:::sagemaker:createLabelingJob.waitForTaskToken",
    "arn:aws:states:::aws-sdk:sagemaker:createLabelingJob",
    "arn:aws:states:::aws-sdk:sagemaker:createLabelingJob.waitForTaskToken",
    "arn:aws-us-gov:states:::aws-sdk:sagemaker:createLabelingJob",
])
def test_every_labeling_job_form(resource: str) -> None:
    api = asl.labeling_api(resource)
    assert api is labeling.STATES_LABELING_APIS[("sagemaker", "createLabelingJob")]


@pytest.mark.parametrize("resource", [
    "arn:aws:states:::aws-sdk:sagemakera2iruntime:startHumanLoop",
    "arn:aws:states:::aws-sdk:sagemakera2iruntime:startHumanLoop.waitForTaskToken",
    "arn:aws-cn:states:::aws-sdk:sagemakera2iruntime:startHumanLoop.sync",
])
def test_every_human_loop_form(resource: str) -> None:
    assert asl.labeling_api(resource) is labeling.STATES_LABELING_APIS[
        ("sagemakera2iruntime", "startHumanLoop")]


@pytest.mark.parametrize("resource", [
    "arn:aws:states:::sagemaker:createTrainingJob.sync",
    "arn:aws:states:::aws-sdk:sagemaker:describeLabelingJob",
    "arn:aws:lambda:us-east-1:123456789012:function:createLabelingJob",
    "arn:aws:states:::sagemaker:createLabelingJob.bogus",
])
def test_other_resources_are_not_labeling(resource: str) -> None:
    assert asl.labeling_api(resource) is None


def _state(resource: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"Type": "Task", "Resource": resource, **body, "End": True}


def _asl(state: dict[str, Any]) -> str:
    return json.dumps({"StartAt": "Label", "States": {"Label": state}}, indent=2) + "\n"


def _line_col(text: str, needle: str) -> tuple[int, int]:
    before = text[:text.index(needle)]
    return before.count("\n") + 1, len(before) - before.rfind("\n")


JOB = "arn:aws:states:::aws-sdk:sagemaker:createLabelingJob.waitForTaskToken"
LOOP = "arn:aws:states:::aws-sdk:sagemakera2iruntime:startHumanLoop.waitForTaskToken"

# (resource, state body, the text the finding is at)
RUNTIME = [
    (JOB, {"Parameters": {"InputConfig.$": "$.input"}}, '"$.input"'),
    (JOB, {"Parameters": {"InputConfig": {"DataSource.$": "$.ds"}}}, '"$.ds"'),
    (JOB, {"Parameters": {"InputConfig": {"DataSource": {"S3DataSource.$": "$.s3"}}}}, '"$.s3"'),
    ("arn:aws:states:::sagemaker:createLabelingJob.sync", {"Parameters.$": "$.job"}, '"$.job"'),
    ("arn:aws:states:::sagemaker:createLabelingJob",
     {"QueryLanguage": "JSONata", "Arguments": "{% $states.input.job %}"},
     '"{% $states.input.job %}"'),
    (JOB, {"QueryLanguage": "JSONata", "Arguments": {"InputConfig": "{% $states.input.ic %}"}},
     '"{% $states.input.ic %}"'),
    (JOB, {"QueryLanguage": "JSONata", "Arguments": {"InputConfig": {"DataSource": {
        "S3DataSource": {"ManifestS3Uri": "{% $states.input.uri %}"}}}}},
     '"{% $states.input.uri %}"'),
    (LOOP, {"Parameters": {"HumanLoopInput": {"InputContent.$": "States.JsonToString($.t)"}}},
     '"States.JsonToString($.t)"'),
    (LOOP, {"Parameters": {"HumanLoopInput.$": "$.loop"}}, '"$.loop"'),
    (LOOP, {"Arguments": {"HumanLoopInput": {"InputContent": "{% $string($states.input) %}"}}},
     '"{% $string($states.input) %}"'),
    ("arn:aws:states:::aws-sdk:textract:analyzeDocument",
     {"Parameters": {"Document.$": "$.doc", "HumanLoopConfig": {"FlowDefinitionArn": "x"}}},
     '"$.doc"'),
]


@pytest.mark.parametrize(("resource", "body", "at"), RUNTIME)
def test_runtime_input_is_unverified_at_the_state(repo: Path, resource: str,
                                                  body: dict[str, Any], at: str) -> None:
    text = _asl(_state(resource, body))
    write_tree(repo, {"sfn/label.asl.json": text})
    line, col = _line_col(text, at)
    assert json_findings(["."], repo) == [("PL102", "sfn/label.asl.json", line, col)]


@pytest.mark.parametrize("body", [
    # a literal InputContent that names no bucket is no labeling input at all
    {"Parameters": {"HumanLoopInput": {"InputContent": "{\"text\": \"hello\"}"}}},
    # Textract without a human loop sends nothing to review
    {"Parameters": {"Document.$": "$.doc"}},
])
def test_literal_input_without_bucket_stays_silent(repo: Path, body: dict[str, Any]) -> None:
    resource = LOOP if "HumanLoopInput" in body["Parameters"] else \
        "arn:aws:states:::aws-sdk:textract:analyzeDocument"
    write_tree(repo, {"label.asl.json": _asl(_state(resource, body))})
    assert json_findings(["."], repo) == []


def test_literal_manifest_in_sdk_wait_form_is_judged(repo: Path) -> None:
    text = _asl(_state(JOB, {"Parameters": LITERAL}))
    write_tree(repo, {"label.asl.json": text})
    # acme-in has no CORS in the repository: unverified bucket, at the manifest URI
    line, col = _line_col(text, '"s3://acme-in/m.manifest"')
    assert json_findings(["."], repo) == [("PL102", "label.asl.json", line, col)]


CFN = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Machine:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: arn:aws:iam::123456789012:role/sfn
      Definition:
        StartAt: Label
        States:
          Label:
            Type: Task
            Resource: arn:aws:states:::aws-sdk:sagemaker:createLabelingJob.waitForTaskToken
            Parameters:
              InputConfig.$: $.input
            End: true
  Loop:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: arn:aws:iam::123456789012:role/sfn
      DefinitionString: |
        {"StartAt": "L", "States": {"L": {"Type": "Task", "QueryLanguage": "JSONata",
         "Resource": "arn:aws:states:::aws-sdk:sagemakera2iruntime:startHumanLoop",
         "Arguments": "{% $states.input %}", "End": true}}}
"""


def test_cloudformation_definition_and_definition_string(repo: Path) -> None:
    write_tree(repo, {"template.yaml": CFN})
    got = json_findings(["."], repo)
    line1, col1 = _line_col(CFN, "$.input")
    line2, col2 = _line_col(CFN, '"{% $states.input %}"')
    assert got == [("PL102", "template.yaml", line1, col1), ("PL102", "template.yaml", line2, col2)]


TF = """resource "aws_sfn_state_machine" "label" {
  name     = "label"
  role_arn = "arn:aws:iam::123456789012:role/sfn"
  definition = jsonencode({
    StartAt = "Label"
    States = {
      Label = {
        Type     = "Task"
        Resource = "arn:aws:states:::sagemaker:createLabelingJob.sync"
        Parameters = {
          "InputConfig.$" = "$.input"
        }
        End = true
      }
    }
  })
}
"""


def test_terraform_definition(repo: Path) -> None:
    write_tree(repo, {"main.tf": TF})
    # at the run-time key inside jsonencode
    line, col = _line_col(TF, '"InputConfig.$"')
    assert json_findings(["."], repo) == [("PL102", "main.tf", line, col)]


TF_HEREDOC = """resource "aws_sfn_state_machine" "loop" {
  name     = "loop"
  role_arn = "arn:aws:iam::123456789012:role/sfn"
  definition = <<EOF
{"StartAt": "L", "States": {"L": {"Type": "Task",
  "Resource": "arn:aws:states:::aws-sdk:sagemakera2iruntime:startHumanLoop.waitForTaskToken",
  "Parameters": {"HumanLoopInput.$": "$.loop"}, "End": true}}}
EOF
}
"""


def test_terraform_heredoc_definition(repo: Path) -> None:
    write_tree(repo, {"main.tf": TF_HEREDOC})
    # inside the heredoc, at the run-time value
    line, col = _line_col(TF_HEREDOC, '"$.loop"')
    assert json_findings(["."], repo) == [("PL102", "main.tf", line, col)]
