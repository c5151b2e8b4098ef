"""Binding code to the infrastructure that runs it (policylint.bind, issue 13 item 4).

Fixture tests/fixtures/python/bind-sam/ (a SAM template and the code of its functions):
- StartJobFunction (CodeUri src/start_job/, Handler app.handler) sets INPUT_BUCKET to
  !Ref ImagesBucket and inherits OUTPUT_BUCKET from Globals; app.py reads
  os.environ["INPUT_BUCKET"] (line 13), an SSM parameter the template defines (line 19) and
  NOT_SET, which no function sets (line 24: PL102 naming the function);
- OnUploadFunction (src/on_upload, handler.main) is invoked by UploadsBucket's S3 events and
  reads the event's bucket through local aliases (record = event["Records"][0]);
- InlineFunction has Code.ZipFile inline Python, read at its place in the template; it is the
  ServiceToken of Custom::StartLoop whose S3ManifestURI names ReviewBucket;
- src/unrun.py reads os.environ["B"] but no function runs it: PL102.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import copy_fixture, run_cli


def _scan(root: Path, *args: str) -> tuple[int, dict[str, Any]]:
    code, out, err = run_cli([".", "--format", "json", "--no-cache", *args], root)
    assert code in (0, 1), err
    return code, json.loads(out)


def _keys(scan: dict[str, Any]) -> list[tuple[str, str, int, int]]:
    return [(f["rule"], f["path"], f["line"], f["column"]) for f in scan["findings"]]


def _related(finding: dict[str, Any]) -> list[tuple[str, int, int, str]]:
    return [(r["path"], r["line"], r["column"], r["message"]) for r in finding["related"]]


@pytest.fixture()
def sam(tmp_path: Path) -> Path:
    return copy_fixture("python/bind-sam", tmp_path)


def test_findings_land_on_the_bound_buckets(sam: Path) -> None:
    code, scan = _scan(sam)
    assert code == 1
    assert _keys(scan) == [
        ("PL102", "src/start_job/app.py", 24, 71),
        ("PL102", "src/unrun.py", 6, 67),
        ("PL100", "template.yaml", 13, 3),  # ImagesBucket: env INPUT_BUCKET and SSM
        ("PL100", "template.yaml", 19, 3),  # UploadsBucket: S3 event
        ("PL100", "template.yaml", 23, 3),  # ReviewBucket: custom resource property
    ]
    by_line = {f["line"]: f for f in scan["findings"] if f["path"] == "template.yaml"}
    assert _related(by_line[13])[1:] == [
        ("src/start_job/app.py", 13, 71,
         "Python create_labeling_job bind-sam: input manifest (defined)"),
        ("template.yaml", 27, 3, "runs in StartJobFunction"),
        ("template.yaml", 34, 11, "environment variable INPUT_BUCKET = bind-sam-images"),
        ("src/start_job/app.py", 19, 71,
         "Python create_labeling_job from-ssm: input manifest (defined)"),
        ("template.yaml", 72, 7, "SSM parameter /labeling/bucket = bind-sam-images"),
    ]
    assert _related(by_line[19])[2:] == [
        ("template.yaml", 35, 3, "runs in OnUploadFunction"),
        ("template.yaml", 42, 11, "S3 event notification from bind-sam-uploads"),
    ]
    # the custom resource's own manifest property (item 5), then the inline code's call at
    # its line and column inside the template, bound through the ServiceToken
    assert _related(by_line[23])[1] == (
        "template.yaml", 50, 7, "Custom::StartLoop StartLoop: input manifest (defined)")
    assert _related(by_line[23])[2][:3] == ("template.yaml", 66, 51)
    assert _related(by_line[23])[4] == (
        "template.yaml", 50, 7,
        "custom resource property S3ManifestURI = s3://bind-sam-review/loop/input.json")


def test_unresolvable_values_name_why(sam: Path) -> None:
    _code, scan = _scan(sam)
    messages = [f["message"] for f in scan["findings"] if f["rule"] == "PL102"]
    assert messages[0].endswith(
        "the environment variable NOT_SET is set where the code runs; the function "
        "StartJobFunction that runs this file does not set the environment variable NOT_SET "
        "in the scanned files")
    assert messages[1].endswith("no function defined in the scanned files runs this file")


def test_cors_added_in_the_template_passes(sam: Path) -> None:
    tpl = sam / "template.yaml"
    rule = ("      CorsConfiguration:\n        CorsRules:\n          - AllowedMethods: [GET]\n"
            "            AllowedOrigins: ['*']\n            ExposedHeaders: "
            "[Access-Control-Allow-Origin]\n")
    text = tpl.read_text()
    for name in ("bind-sam-images", "bind-sam-uploads", "bind-sam-review"):
        text = text.replace(f"      BucketName: {name}\n", f"      BucketName: {name}\n{rule}")
    tpl.write_text(text)
    (sam / "src" / "unrun.py").unlink()
    _code, scan = _scan(sam)
    assert _keys(scan) == [("PL102", "src/start_job/app.py", 24, 71)]


def test_an_unset_function_environment_never_guesses(sam: Path) -> None:
    tpl = sam / "template.yaml"
    tpl.write_text(tpl.read_text().replace("INPUT_BUCKET: !Ref ImagesBucket",
                                           "INPUT_BUCKET: !ImportValue shared-bucket"))
    _code, scan = _scan(sam)
    found = [f for f in scan["findings"] if f["path"] == "src/start_job/app.py"]
    assert [(f["rule"], f["line"]) for f in found] == [("PL102", 13), ("PL102", 24)]
    assert "env INPUT_BUCKET is set by StartJobFunction to a value not known statically" in \
        found[0]["message"]


def test_two_functions_running_one_file_bind_it_to_each(tmp_path: Path) -> None:
    (tmp_path / "fn").mkdir()
    (tmp_path / "fn" / "app.py").write_text(
        "import os, boto3\n"
        "def h(event, context):\n"
        "    boto3.client('s3').put_bucket_cors(Bucket=os.environ['B'], CORSConfiguration={\n"
        "        'CORSRules': [{'AllowedMethods': ['PUT'], 'AllowedOrigins': ['*']}]})\n")
    (tmp_path / "t.yaml").write_text(
        "AWSTemplateFormatVersion: '2010-09-09'\n"
        "Resources:\n"
        "  A:\n    Type: AWS::S3::Bucket\n"
        "    Properties:\n      BucketName: two-a\n      Tags: [{Key: 'policylint:labeling-input', Value: 'true'}]\n"
        "  B:\n    Type: AWS::S3::Bucket\n"
        "    Properties:\n      BucketName: two-b\n      Tags: [{Key: 'policylint:labeling-input', Value: 'true'}]\n"
        "  FA:\n    Type: AWS::Lambda::Function\n"
        "    Properties: {Code: fn, Handler: app.h, Environment: {Variables: {B: !Ref A}}}\n"
        "  FB:\n    Type: AWS::Lambda::Function\n"
        "    Properties: {Code: fn/, Handler: app.h, Environment: {Variables: {B: !Ref B}}}\n")
    _code, scan = _scan(tmp_path)
    assert [(f["rule"], f["path"], f["line"], f["bucket"]) for f in scan["findings"]] == [
        ("PL101", "fn/app.py", 3, "two-a"), ("PL101", "fn/app.py", 3, "two-b")]


def test_inline_code_in_json_is_read_at_the_zipfile_value(tmp_path: Path) -> None:
    code = ("import boto3\\ndef handler(event, context):\\n"
            "    boto3.client('sagemaker').create_labeling_job(LabelingJobName='j', "
            "InputConfig={'DataSource': {'S3DataSource': {'ManifestS3Uri': "
            "event['ResourceProperties']['Manifest']}}})\\n")
    (tmp_path / "t.json").write_text(
        '{"AWSTemplateFormatVersion": "2010-09-09",\n'
        ' "Resources": {\n'
        '  "Images": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "json-images"}},\n'
        '  "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "python3.12",\n'
        f'    "Handler": "index.handler", "Code": {{"ZipFile": "{code}"}}}}}},\n'
        '  "Job": {"Type": "Custom::Job", "Properties": {"ServiceToken": {"Fn::GetAtt": '
        '["Fn", "Arn"]},\n'
        '    "Manifest": {"Fn::Sub": "s3://${Images}/in.manifest"}}}}}\n')
    _code, scan = _scan(tmp_path)
    assert _keys(scan) == [("PL100", "t.json", 3, 3)]
    assert _related(scan["findings"][0])[1][:3] == ("t.json", 5, 53)


# Fixture tests/fixtures/python/bind-tf/: aws_lambda_function start_job runs
# data.archive_file.start_job's source_dir (src/start_job, handler app.handler) with
# INPUT_BUCKET = aws_s3_bucket.images.id; its code also puts CORS on the bucket an
# aws_ssm_parameter names; on_upload runs source_file lambdas/on_upload.py and is invoked by
# aws_s3_bucket_notification.uploads.

@pytest.fixture()
def tf(tmp_path: Path) -> Path:
    return copy_fixture("python/bind-tf", tmp_path)


def test_terraform_archive_file_environment_and_notification(tf: Path) -> None:
    code, scan = _scan(tf)
    assert code == 1
    assert [(f["rule"], f["path"], f["line"], f["column"], f["bucket"])
            for f in scan["findings"]] == [
        ("PL100", "main.tf", 5, 1, "bind-tf-uploads"),
        ("PL101", "src/start_job/app.py", 13, 5, "bind-tf-images"),  # bucket from SSM
    ]
    assert _related(scan["findings"][0])[1:] == [
        ("lambdas/on_upload.py", 10, 71,
         "Python create_labeling_job on-upload: input manifest (defined)"),
        ("main.tf", 37, 1, "runs in aws_lambda_function.on_upload"),
        ("main.tf", 47, 3, "S3 event notification from bind-tf-uploads"),
    ]
    assert _related(scan["findings"][1])[1:4] == [
        ("src/start_job/app.py", 10, 30,
         "Python create_labeling_job tf-job: input manifest (defined)"),
        ("main.tf", 15, 1, "runs in aws_lambda_function.start_job"),
        ("main.tf", 25, 7, "environment variable INPUT_BUCKET = bind-tf-images"),
    ]


def test_terraform_variable_without_default_stays_unknown(tf: Path) -> None:
    main = tf / "main.tf"
    main.write_text('variable "bucket" {}\n' + main.read_text().replace(
        "INPUT_BUCKET = aws_s3_bucket.images.id", "INPUT_BUCKET = var.bucket"))
    _code, scan = _scan(tf)
    found = [(f["rule"], f["path"], f["line"]) for f in scan["findings"]]
    assert ("PL102", "src/start_job/app.py", 10) in found
    msg = next(f["message"] for f in scan["findings"] if f["line"] == 10)
    assert "env INPUT_BUCKET is set by aws_lambda_function.start_job to a value not known" in msg


def test_handler_selects_the_file_in_a_code_folder(tf: Path) -> None:
    # another file in the same folder is not what the function runs
    (tf / "src" / "start_job" / "other.py").write_text(
        (tf / "src" / "start_job" / "app.py").read_text())
    _code, scan = _scan(tf)
    other = [f for f in scan["findings"] if f["path"] == "src/start_job/other.py"]
    # the environment variable is unbound there; the SSM parameter is the scan's, whoever runs
    # the file: its put_bucket_cors is a second CORS definition of the same bucket
    assert [(f["rule"], f["line"]) for f in other] == [("PL102", 10), ("PL201", 13)]
    assert other[0]["message"].endswith(
        "no function defined in the scanned files runs this file")


def test_inventory_shows_the_bindings(sam: Path) -> None:
    code, out, err = run_cli([".", "--no-cache", "--show-inventory"], sam)
    assert code in (0, 1), err
    assert ("    use: ground-truth input (defined) at src/start_job/app.py:13:71: Python "
            "create_labeling_job bind-sam: input manifest\n"
            "      bound: runs in StartJobFunction at template.yaml:27:3\n"
            "      bound: environment variable INPUT_BUCKET = bind-sam-images at "
            "template.yaml:34:11\n") in out
    code, out, err = run_cli([".", "--no-cache", "--show-inventory", "--format", "json"], sam)
    data = json.loads(out)
    images = next(b for b in data["buckets"] if b.get("name") == "bind-sam-images")
    assert images["labeling"][0]["bound"][1] == {
        "message": "environment variable INPUT_BUCKET = bind-sam-images",
        "path": "template.yaml", "line": 34, "column": 11}


def test_cloudformation_bucket_notification_binds_the_event_bucket(tmp_path: Path) -> None:
    (tmp_path / "fn").mkdir()
    (tmp_path / "fn" / "index.py").write_text(
        "import boto3\n"
        "def handler(event, context):\n"
        "    for record in event['Records']:\n"
        "        pass\n"
        "    b = event['Records'][0]['s3']['bucket']['name']\n"
        "    boto3.client('sagemaker').create_labeling_job(LabelingJobName='n', InputConfig={\n"
        "        'DataSource': {'S3DataSource': {'ManifestS3Uri': f's3://{b}/m'}}})\n")
    (tmp_path / "t.yaml").write_text(
        "AWSTemplateFormatVersion: '2010-09-09'\n"
        "Resources:\n"
        "  Drop:\n"
        "    Type: AWS::S3::Bucket\n"
        "    Properties:\n"
        "      BucketName: cfn-drop\n"
        "      NotificationConfiguration:\n"
        "        LambdaConfigurations:\n"
        "          - Event: s3:ObjectCreated:*\n"
        "            Function: !GetAtt Fn.Arn\n"
        "  Fn:\n"
        "    Type: AWS::Lambda::Function\n"
        "    Properties: {Code: fn, Handler: index.handler, Runtime: python3.12}\n")
    _code, scan = _scan(tmp_path)
    assert _keys(scan) == [("PL100", "t.yaml", 3, 3)]
    assert _related(scan["findings"][0])[2:] == [
        ("t.yaml", 11, 3, "runs in Fn"),
        ("t.yaml", 9, 13, "S3 event notification from cfn-drop"),
    ]
