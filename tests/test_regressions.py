"""Regressions found by the final review: each test failed before its fix."""
from __future__ import annotations

from pathlib import Path

from conftest import json_findings, run_cli, write_tree

TAGGED_NO_CORS_CFN = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  FailImages:
    Type: AWS::S3::Bucket
    Metadata:
      policylint:
        labeling-input: true
    Properties:
      BucketName: acme-images
"""


def test_partly_unknown_cors_rule_is_unverified_not_silent(tmp_path: Path) -> None:
    """A rule whose origins are unknown might be the passing one: PL102, never silence."""
    root = write_tree(tmp_path, {".git/HEAD": "", "template.yaml": TAGGED_NO_CORS_CFN.replace(
        "Resources:", "Parameters:\n  Origin:\n    Type: String\nResources:") + (
        "      CorsConfiguration:\n        CorsRules:\n          - AllowedMethods: [GET]\n"
        "            AllowedOrigins: [!Ref Origin]\n")})
    assert json_findings(["--no-cache"], root) == [("PL102", "template.yaml", 13, 7)]


def test_cdk_out_is_read_although_git_ignored(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {".git/HEAD": "", ".gitignore": "cdk.out\n",
                                 "cdk.out/Stack.template.yaml": TAGGED_NO_CORS_CFN})
    assert json_findings(["--no-cache"], root) == [("PL100", "cdk.out/Stack.template.yaml", 3, 3)]


def test_config_exclude_still_skips_cdk_out(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {".git/HEAD": "", ".gitignore": "cdk.out\n",
                                 ".policylint.yaml": "exclude: [cdk.out]\n",
                                 "cdk.out/Stack.template.yaml": TAGGED_NO_CORS_CFN})
    assert json_findings(["--no-cache"], root) == []


def test_named_files_and_folders_are_read_although_git_ignored(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {".git/HEAD": "", ".gitignore": "gen/\n",
                                 "gen/template.yaml": TAGGED_NO_CORS_CFN})
    assert json_findings(["--no-cache"], root) == []
    expected = [("PL100", "gen/template.yaml", 3, 3)]
    assert json_findings(["--no-cache", "gen"], root) == expected
    assert json_findings(["--no-cache", "gen/template.yaml"], root) == expected


def test_precommit_terraform_unit_is_its_terraform_files(tmp_path: Path) -> None:
    """Committing a clean main.tf does not fail on a template that sits in the same folder."""
    root = write_tree(tmp_path, {".git/HEAD": "", "template.yaml": TAGGED_NO_CORS_CFN,
                                 "main.tf": 'resource "aws_s3_bucket" "pass_logs" {\n'
                                            '  bucket = "acme-logs"\n}\n'})
    assert json_findings(["--no-cache", "main.tf"], root) == []
    assert json_findings(["--no-cache", "template.yaml"], root) == [
        ("PL100", "template.yaml", 3, 3)]


def test_plan_next_to_its_terraform_is_not_a_conflict(tmp_path: Path) -> None:
    plan = ('{"format_version": "1.2", "terraform_version": "1.11.4", "planned_values": '
            '{"root_module": {"resources": [{"address": "aws_s3_bucket.a", "type": '
            '"aws_s3_bucket", "name": "a", "values": {"bucket": "acme-a", "tags": '
            '{"policylint:labeling-input": "true"}}}, {"address": '
            '"aws_s3_bucket_cors_configuration.a", "type": "aws_s3_bucket_cors_configuration", '
            '"name": "a", "values": {"bucket": "acme-a", "cors_rule": [{"allowed_methods": '
            '["GET"], "allowed_origins": ["*"], "allowed_headers": [], "expose_headers": '
            '["Access-Control-Allow-Origin"], "id": null, "max_age_seconds": null}]}}]}}}\n')
    tf = ('resource "aws_s3_bucket" "a" {\n  bucket = "acme-a"\n'
          '  tags   = { "policylint:labeling-input" = "true" }\n}\n'
          'resource "aws_s3_bucket_cors_configuration" "a" {\n  bucket = aws_s3_bucket.a.id\n'
          '  cors_rule {\n    allowed_methods = ["GET"]\n    allowed_origins = ["*"]\n'
          '    expose_headers  = ["Access-Control-Allow-Origin"]\n  }\n}\n')
    root = write_tree(tmp_path, {".git/HEAD": "", "main.tf": tf, "plan.json": plan})
    assert json_findings(["--no-cache"], root) == []


def test_templatefile_definition_is_judged_once_with_its_variables(tmp_path: Path) -> None:
    asl = ('{"StartAt": "L", "States": {"L": {"Type": "Task", "Resource": '
           '"arn:aws:states:::sagemaker:createLabelingJob.sync", "Parameters": {"InputConfig": '
           '{"DataSource": {"S3DataSource": {"ManifestS3Uri": "s3://${bucket}/m"}}}}, '
           '"End": true}}}\n')
    tf = ('resource "aws_s3_bucket" "b" {\n  bucket = "acme-b"\n}\n\n'
          'resource "aws_sfn_state_machine" "sm" {\n  name       = "sm"\n'
          '  role_arn   = "arn:aws:iam::123456789012:role/x"\n'
          '  definition = templatefile("${path.module}/sm.asl.json", '
          '{ bucket = aws_s3_bucket.b.id })\n}\n')
    root = write_tree(tmp_path, {".git/HEAD": "", "main.tf": tf, "sm.asl.json": asl})
    assert json_findings(["--no-cache"], root) == [("PL100", "main.tf", 1, 1)]


def test_jobs_must_be_positive(tmp_path: Path) -> None:
    code, _, err = run_cli(["--jobs", "-3"], tmp_path)
    assert (code, err.strip()) == (2, "policylint: error: --jobs must be 1 or more, not -3")
